/* file.h: whole-file reads, atomic writes, copies and directory helpers on host paths.
 * (Writes into a staged root go through stage/, never through these.) */
#ifndef LUPINE_FILE_H
#define LUPINE_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Reads a whole file into a NUL-terminated buffer; returns NULL and sets errno on failure. */
char *file_read(const char *path, size_t *len);
/* Reads fd to its end into a NUL-terminated buffer; NULL with errno on failure. */
char *fd_read_all(int fd, size_t *len);
/* The last max bytes of a file, trimmed (a failed tool's reason); "" when it
 * cannot be read. Caller frees. */
char *file_tail(const char *path, size_t max);
/* Writes data to path atomically (a new temporary file, O_EXCL|O_NOFOLLOW,
 * fsync, rename over path: a link at path is replaced, never followed).
 * Returns 0 or -1 with errno. */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Copies src to dst atomically (temporary name, rename). Returns 0 or -1 with errno. */
int file_copy(const char *src, const char *dst, mode_t mode);
/* Copies everything from in's offset to its end onto out: the one copy loop
 * (copy_file_range, read/write where that is not possible). 0 or -1 with errno. */
int fd_copy(int in, int out);
/* Writes all n bytes to fd, retrying short writes and EINTR. 0 or -1 with errno. */
int write_all(int fd, const void *buf, size_t n);
/* The path through which any process of this user reopens the file fd
 * names while this process lives and keeps fd open ("/proc/PID/fd/N"): what
 * a file checked through its descriptor is handed to another program as, so
 * that what it opens is what was checked. Caller frees. */
char *fd_path(int fd);
int path_exists(const char *path);
int is_dir(const char *path);
/* mkdir -p; returns 0 or -1 with errno. */
int mkdir_p(const char *path, mode_t mode);
/* rm -rf; returns 0 or -1 with errno. Never follows symlinks. */
int rm_rf(const char *path);

#endif
