/* copy.c: host files into a staged root: a program's closure path by path, trees for
 * --add and directory sources, and KML's copy under /trusted/. */
#include "stage/stage.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
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

/* One step of stage_host_path: the symlink at host path next is recreated
 * and its target spliced in front of rest (in todo). */
static int follow_link(const struct stage *st, const char *next, char *cur, char *todo, size_t size,
		       const char **rest, struct strbuf *err)
{
	char target[PATH_MAX], spliced[PATH_MAX * 2];
	ssize_t n = readlink(next, target, sizeof(target) - 1);

	if (n < 0) {
		sb_addf(err, "cannot read link '%s': %s", next, strerror(errno));
		return -1;
	}
	target[n] = 0;
	if (!lexists(st, next) && stage_symlink(st, next, target, err) < 0)
		return -1;
	if (target[0] == '/')
		cur[0] = 0;
	snprintf(spliced, sizeof(spliced), "%s%s", target, *rest);
	snprintf(todo, size, "%s", spliced);
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
	snprintf(todo, sizeof(todo), "%s", host_path);
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
		snprintf(next, sizeof(next), "%s/%.*s", cur, (int)clen, rest);
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
		snprintf(cur, sizeof(cur), "%s", next);
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
	ssize_t n;

	(void)ftw;
	if (type == FTW_SL) {
		if ((n = readlink(path, target, sizeof(target) - 1)) < 0) {
			sb_addf(cp.err, "cannot read link '%s': %s", path, strerror(errno));
			ret = -1;
		} else {
			target[n] = 0;
			ret = stage_symlink(cp.st, guest, target, cp.err);
		}
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
