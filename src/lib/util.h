/* util.h: error reporting, memory, strings, files and processes shared by every module. */
#ifndef LUPINE_UTIL_H
#define LUPINE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Fatal error: prints "lupine: MSG" and exits 1. Only main and cmd_* may call it. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Non-fatal: prints "lupine: MSG" to stderr and returns -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational line on stderr, suppressed by lupine_quiet. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int lupine_quiet;

/* Allocation that cannot fail (dies on exhaustion: nothing sensible to do). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable string. Zero-initialise ({0}) before use; free with sb_release. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_release(struct strbuf *sb);
/* Returns the buffer (never NULL) and leaves sb empty; caller frees. */
char *sb_detach(struct strbuf *sb);

/* A growable NULL-terminated list of strings it owns. Zero-initialise. */
struct strlist {
	char **v;
	size_t n;
};
void strlist_add(struct strlist *l, const char *s);
void strlist_release(struct strlist *l);

int str_starts(const char *s, const char *prefix);
int str_ends(const char *s, const char *suffix);
/* Strips leading and trailing whitespace in place; returns s moved past leading space. */
char *str_trim(char *s);

/* Reads a whole file into a NUL-terminated buffer; returns NULL and sets errno on failure. */
char *file_read(const char *path, size_t *len);
/* Writes data to path atomically (temporary name, fsync, rename). Returns 0 or -1 with errno. */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
int file_copy(const char *src, const char *dst, mode_t mode);
int path_exists(const char *path);
int is_dir(const char *path);
/* mkdir -p; returns 0 or -1 with errno. */
int mkdir_p(const char *path, mode_t mode);
/* rm -rf; returns 0 or -1 with errno. Never follows symlinks. */
int rm_rf(const char *path);
/* Directory holding the running executable (from /proc/self/exe); caller frees. */
char *exe_dir(void);

/* Runs argv (argv[0] looked up in PATH) with stdout and stderr appended to
 * log_fd when log_fd >= 0. Returns the exit status, 128+N for signal N, or -1
 * when it could not be started. */
int run_cmd(char *const argv[], int log_fd);
/* Seconds since an arbitrary start, monotonic. */
double now_sec(void);
/* "3m 41s" / "12.3s" into buf. */
const char *fmt_duration(double sec, char *buf, size_t n);
/* 1234567 -> "1,234,567" into buf. */
const char *fmt_thousands(unsigned long long v, char *buf, size_t n);

#endif
