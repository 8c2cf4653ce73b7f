/* copy.c: host files into a staged root: a program's closure path by path, trees for
 * --add and directory sources, and KML's copy under /trusted/. */
#include "stage/stage.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether the entry guest_path itself exists (a final symlink not followed). */
static int lexists(const struct stage *st, const char *guest_path)
{
	const char *base;
	struct stat s;
	int pfd = stage_parent(st, guest_path, 0, &base), r;

	if (pfd < 0)
		return 0;
	r = fstatat(pfd, base, &s, AT_SYMLINK_NOFOLLOW) == 0;
	close(pfd);
	return r;
}

static int copy_host_file(const struct stage *st, const char *src, const char *guest_path, mode_t mode,
			  struct strbuf *err)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), r;

	if (in < 0) {
		sb_addf(err, "cannot read '%s': %s", src, strerror(errno));
		return -1;
	}
	r = stage_write_fd(st, guest_path, in, mode, err);
	close(in);
	return r;
}

/* Drops the last component of an absolute path in place ("/a/b" -> "/a", "/a" -> ""). */
static void path_pop(char *p)
{
	char *slash = strrchr(p, '/');
	if (slash)
		*slash = 0;
}

/* snprintf into buf, or -1 with err naming path when it does not fit: a
 * path cut short would name another file. */
static int __attribute__((format(printf, 5, 6)))
path_fmt(char *buf, size_t size, const char *path, struct strbuf *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		sb_addf(err, "cannot stage '%s': %s (more than %zu bytes)", path, strerror(ENAMETOOLONG), size - 1);
		return -1;
	}
	return 0;
}

/* readlink into target (PATH_MAX), or -1 with err: a target that fills it may be cut short. */
static int read_link(const char *path, char *target, struct strbuf *err)
{
	ssize_t n = readlink(path, target, PATH_MAX);

	if (n < 0 || n >= PATH_MAX) {
		sb_addf(err, "cannot read link '%s': %s", path, strerror(n < 0 ? errno : ENAMETOOLONG));
		return -1;
	}
	target[n] = 0;
	return 0;
}

/* One step of stage_host_path: the symlink at host path next is recreated
 * and its target spliced in front of rest (in todo). */
static int follow_link(const struct stage *st, const char *next, char *cur, char *todo, size_t size,
		       const char **rest, struct strbuf *err)
{
	char target[PATH_MAX], spliced[PATH_MAX * 2];

	if (read_link(next, target, err) < 0)
		return -1;
	if (!lexists(st, next) && stage_symlink(st, next, target, err) < 0)
		return -1;
	if (target[0] == '/')
		cur[0] = 0;
	if (path_fmt(spliced, sizeof(spliced), next, err, "%s%s", target, *rest) < 0 ||
	    path_fmt(todo, size, next, err, "%s", spliced) < 0)
		return -1;
	*rest = todo;
	return 0;
}

int stage_host_path(const struct stage *st, const char *host_path, struct strbuf *err)
{
	char todo[PATH_MAX * 2], cur[PATH_MAX] = "", next[PATH_MAX];
	const char *rest = todo;
	int hops = 0;
	struct stat s;

	if (host_path[0] != '/') {
		sb_addf(err, "'%s' is not an absolute path", host_path);
		return -1;
	}
	if (path_fmt(todo, sizeof(todo), host_path, err, "%s", host_path) < 0)
		return -1;
	/* walk the components left to right, as the kernel would */
	while (*rest) {
		size_t clen;
		while (*rest == '/')
			rest++;
		if (!*rest)
			break;
		clen = strcspn(rest, "/");
		if (clen == 1 && rest[0] == '.') {
			rest += clen;
			continue;
		}
		if (clen == 2 && !strncmp(rest, "..", 2)) {
			path_pop(cur);
			rest += clen;
			continue;
		}
		if (path_fmt(next, sizeof(next), host_path, err, "%s/%.*s", cur, (int)clen, rest) < 0)
			return -1;
		rest += clen;
		if (lstat(next, &s) < 0) {
			sb_addf(err, "cannot stage '%s': '%s': %s", host_path, next, strerror(errno));
			return -1;
		}
		if (S_ISLNK(s.st_mode)) {
			if (++hops > 40) {
				sb_addf(err, "cannot stage '%s': too many symlinks", host_path);
				return -1;
			}
			if (follow_link(st, next, cur, todo, sizeof(todo), &rest, err) < 0)
				return -1;
			continue;
		}
		if (S_ISDIR(s.st_mode)) {
			if (stage_mkdirs(st, next, s.st_mode & 07777, err) < 0)
				return -1;
		} else if (*rest) {
			sb_addf(err, "cannot stage '%s': '%s' is not a directory", host_path, next);
			return -1;
		} else if (!lexists(st, next) && copy_host_file(st, next, next, s.st_mode, err) < 0) {
			return -1;
		}
		memcpy(cur, next, strlen(next) + 1); /* next fits in as many bytes as cur */
	}
	return 0;
}

/* nftw has no user pointer; the copy's state lives here while it runs. */
static struct {
	const struct stage *st;
	size_t src_len;
	const char *guest;
	struct strbuf *err;
} cp;

static int copy_one(const char *path, const struct stat *s, int type, struct FTW *ftw)
{
	char *guest = xasprintf("%s%s", cp.guest, path + cp.src_len), target[PATH_MAX];
	int ret = 0;

	(void)ftw;
	if (type == FTW_SL) {
		ret = read_link(path, target, cp.err) < 0 ? -1 : stage_symlink(cp.st, guest, target, cp.err);
	} else if (type == FTW_D) {
		ret = stage_mkdirs(cp.st, guest, (s->st_mode & 07777) | 0700, cp.err);
	} else if (type == FTW_F && S_ISREG(s->st_mode)) {
		ret = copy_host_file(cp.st, path, guest, s->st_mode, cp.err);
	} else if (type == FTW_DNR || type == FTW_NS) {
		sb_addf(cp.err, "cannot read '%s'", path);
		ret = -1;
	} /* devices, sockets and FIFOs are not copied: devtmpfs provides /dev */
	free(guest);
	return ret;
}

int stage_copy_host(const struct stage *st, const char *src, const char *guest_path, struct strbuf *err)
{
	struct stat s;
	int ret;

	if (stat(src, &s) < 0) {
		sb_addf(err, "cannot add '%s': %s", src, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(s.st_mode))
		return copy_host_file(st, src, guest_path, s.st_mode, err);
	cp.st = st;
	cp.src_len = strlen(src);
	while (cp.src_len > 1 && src[cp.src_len - 1] == '/')
		cp.src_len--;
	/* "/" as the destination: the tree's own paths, without a doubled slash */
	cp.guest = strcmp(guest_path, "/") ? guest_path : "";
	cp.err = err;
	ret = nftw(src, copy_one, 32, FTW_PHYS) == 0 ? 0 : -1;
	if (ret < 0 && !err->len)
		sb_addf(err, "cannot copy '%s': %s", src, strerror(errno));
	return ret;
}

char *stage_copy_under(const struct stage *st, const char *guest_path, const char *prefix, struct strbuf *err)
{
	char *dst = xasprintf("%s%s", prefix, guest_path);
	int in = stage_resolve(st, guest_path, O_RDONLY);
	struct stat s;

	if (in < 0 || fstat(in, &s) < 0 || !S_ISREG(s.st_mode)) {
		sb_addf(err, "cannot read '%s' in the root filesystem: %s", guest_path,
			in < 0 ? strerror(errno) : "not a regular file");
		goto fail;
	}
	if (stage_write_fd(st, dst, in, s.st_mode, err) < 0)
		goto fail;
	close(in);
	return dst;
fail:
	if (in >= 0)
		close(in);
	free(dst);
	return NULL;
}
