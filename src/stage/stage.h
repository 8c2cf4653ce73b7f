/* stage.h: the staged root of a bundle, written only through its directory fd.
 *
 * Every path is a guest path (leading '/' optional), resolved by the kernel
 * with openat2() from the root's descriptor: with RESOLVE_IN_ROOT a symlink
 * in the tree means what it means inside the guest (an absolute target is
 * relative to the root, ".." stops at it), so no write can land outside.
 * Final components are never followed: files are written to a temporary
 * name with O_EXCL|O_NOFOLLOW and renamed over the old entry.
 * stage/ calls only lib/. */
#ifndef LUPINE_STAGE_H
#define LUPINE_STAGE_H

#include <sys/types.h>

#include "lib/util.h"

struct stage {
	char *path;                 /* host path of the root, for tools that take a path */
	int fd;                     /* O_PATH descriptor of the root */
	unsigned long long resolve; /* openat2 RESOLVE_* flags for every walk */
};

/* Opens the existing directory path as a staged root. 0 or -1 with err set. */
int stage_open(struct stage *st, const char *path, struct strbuf *err);
void stage_close(struct stage *st);

/* openat2() of guest_path from the root with flags; an fd or -1 with errno. */
int stage_resolve(const struct stage *st, const char *guest_path, int flags);
/* A descriptor of guest_path's parent directory (missing directories made
 * when create is set) and, in *base, its last component. -1 with errno;
 * EINVAL when the last component is empty, "." or "..". */
int stage_parent(const struct stage *st, const char *guest_path, int create, const char **base);
/* Whether guest_path names something in the tree (symlinks followed inside it). */
int stage_exists(const struct stage *st, const char *guest_path);

/* mkdir -p of guest_dir. 0 or -1 with err set. */
int stage_mkdirs(const struct stage *st, const char *guest_dir, mode_t mode, struct strbuf *err);
/* Writes a regular file (data, or everything readable from in_fd) at
 * guest_path, replacing what was there. 0 or -1 with err set. */
int stage_write(const struct stage *st, const char *guest_path, const void *data, size_t len, mode_t mode,
		struct strbuf *err);
int stage_write_fd(const struct stage *st, const char *guest_path, int in_fd, mode_t mode, struct strbuf *err);
/* Makes guest_path a symlink to target, replacing a non-directory. 0 or -1 with err set. */
int stage_symlink(const struct stage *st, const char *guest_path, const char *target, struct strbuf *err);

/* Writes the minimal /etc an application expects (passwd, group, hosts,
 * nsswitch.conf, resolv.conf) where the tree has none. */
int stage_etc(const struct stage *st, struct strbuf *err);

/* Host files into the tree (stage/copy.c). */
/* Copies the host file at host_path into the tree at the same path,
 * recreating each symlink met on the way (e.g. Debian's /lib -> usr/lib) so
 * the guest resolves the path as the host does. 0 or -1 with err set. */
int stage_host_path(const struct stage *st, const char *host_path, struct strbuf *err);
/* Copies src (a host file, or a directory recursively, symlinks kept as
 * links) to guest_path. 0 or -1 with err set. */
int stage_copy_host(const struct stage *st, const char *src, const char *guest_path, struct strbuf *err);
/* Copies the file at guest_path (symlinks followed inside the tree) to
 * prefix + guest_path, e.g. /trusted/usr/bin/redis-server, as a regular
 * file. Returns the new guest path (caller frees), or NULL with err set. */
char *stage_copy_under(const struct stage *st, const char *guest_path, const char *prefix, struct strbuf *err);

#endif
