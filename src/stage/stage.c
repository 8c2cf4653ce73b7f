/* stage.c: build the root filesystem tree of a bundle in a staging directory. */
#include "stage/stage.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int copy_file(const char *src, const char *dst, mode_t mode, struct strbuf *err)
{
	char buf[65536];
	ssize_t n;
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, ret = -1;

	if (in < 0) {
		sb_addf(err, "cannot read '%s': %s", src, strerror(errno));
		return -1;
	}
	unlink(dst);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
	if (out < 0)
		goto fail;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			goto fail;
	if (n < 0 || fchmod(out, mode & 07777) < 0)
		goto fail;
	ret = 0;
	goto out;
fail:
	sb_addf(err, "cannot copy '%s' to '%s': %s", src, dst, strerror(errno));
out:
	close(in);
	if (out >= 0 && close(out) < 0 && ret == 0) {
		sb_addf(err, "cannot write '%s': %s", dst, strerror(errno));
		ret = -1;
	}
	return ret;
}

/* Drops the last component of an absolute path in place ("/a/b" -> "/a", "/a" -> ""). */
static void path_pop(char *p)
{
	char *slash = strrchr(p, '/');
	if (slash)
		*slash = 0;
}

int stage_host_path(const char *root, const char *host_path, struct strbuf *err)
{
	char todo[PATH_MAX * 2], cur[PATH_MAX] = "";
	int hops = 0;

	if (host_path[0] != '/') {
		sb_addf(err, "'%s' is not an absolute path", host_path);
		return -1;
	}
	snprintf(todo, sizeof(todo), "%s", host_path);
	/* walk the components left to right; a symlink is recreated in root and
	 * its target spliced in front of what is left to walk */
	char *rest = todo;
	while (*rest) {
		while (*rest == '/')
			rest++;
		if (!*rest)
			break;
		size_t clen = strcspn(rest, "/");
		char comp[NAME_MAX + 1];
		snprintf(comp, sizeof(comp), "%.*s", (int)clen, rest);
		rest += clen;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			path_pop(cur);
			continue;
		}
		char next[PATH_MAX], dst[PATH_MAX * 2];
		struct stat st;
		snprintf(next, sizeof(next), "%s/%s", cur, comp);
		snprintf(dst, sizeof(dst), "%s%s", root, next);
		if (lstat(next, &st) < 0) {
			sb_addf(err, "cannot stage '%s': '%s': %s", host_path, next, strerror(errno));
			return -1;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX], spliced[PATH_MAX * 2];
			ssize_t n = readlink(next, target, sizeof(target) - 1);
			if (n < 0 || ++hops > 40) {
				sb_addf(err, "cannot stage '%s': too many symlinks or unreadable link '%s'", host_path, next);
				return -1;
			}
			target[n] = 0;
			if (!path_exists(dst) && symlink(target, dst) < 0) {
				sb_addf(err, "cannot create symlink '%s': %s", dst, strerror(errno));
				return -1;
			}
			if (target[0] == '/')
				cur[0] = 0;
			snprintf(spliced, sizeof(spliced), "%s%s", target, rest);
			snprintf(todo, sizeof(todo), "%s", spliced);
			rest = todo;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (mkdir(dst, st.st_mode & 07777) < 0 && errno != EEXIST) {
				sb_addf(err, "cannot create '%s': %s", dst, strerror(errno));
				return -1;
			}
		} else if (*rest) {
			sb_addf(err, "cannot stage '%s': '%s' is not a directory", host_path, next);
			return -1;
		} else if (!path_exists(dst) && copy_file(next, dst, st.st_mode, err) < 0) {
			return -1;
		}
		snprintf(cur, sizeof(cur), "%s", next);
	}
	return 0;
}

/* nftw has no user pointer; the copy's state lives here while it runs. */
static struct {
	size_t src_len;
	const char *dst;
	struct strbuf *err;
} cp;

static int copy_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char *dst = xasprintf("%s%s", cp.dst, path + cp.src_len);
	int ret = 0;

	(void)ftw;
	if (type == FTW_SL) {
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n < 0 || (target[n] = 0, unlink(dst), symlink(target, dst) < 0)) {
			sb_addf(cp.err, "cannot copy symlink '%s': %s", path, strerror(errno));
			ret = -1;
		}
	} else if (type == FTW_D) {
		if (mkdir(dst, (st->st_mode & 07777) | 0700) < 0 && errno != EEXIST) {
			sb_addf(cp.err, "cannot create '%s': %s", dst, strerror(errno));
			ret = -1;
		}
	} else if (type == FTW_F && S_ISREG(st->st_mode)) {
		ret = copy_file(path, dst, st->st_mode, cp.err);
	} else if (type == FTW_DNR || type == FTW_NS) {
		sb_addf(cp.err, "cannot read '%s'", path);
		ret = -1;
	} /* devices, sockets and FIFOs are not copied: devtmpfs provides /dev */
	free(dst);
	return ret;
}

int stage_copy(const char *root, const char *src, const char *guest_path, struct strbuf *err)
{
	char *dst = xasprintf("%s/%s", root, guest_path[0] == '/' ? guest_path + 1 : guest_path);
	char *parent = xstrdup(dst);
	struct stat st;
	int ret = -1;

	path_pop(parent);
	if (stat(src, &st) < 0) {
		sb_addf(err, "cannot add '%s': %s", src, strerror(errno));
		goto out;
	}
	if (mkdir_p(parent, 0755) < 0) {
		sb_addf(err, "cannot create '%s': %s", parent, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		ret = copy_file(src, dst, st.st_mode, err);
		goto out;
	}
	cp.src_len = strlen(src);
	while (cp.src_len > 1 && src[cp.src_len - 1] == '/')
		cp.src_len--;
	cp.dst = dst;
	cp.err = err;
	ret = nftw(src, copy_one, 32, FTW_PHYS) == 0 ? 0 : -1;
	if (ret < 0 && !err->len)
		sb_addf(err, "cannot copy '%s': %s", src, strerror(errno));
out:
	free(parent);
	free(dst);
	return ret;
}

static const struct {
	const char *path, *text;
} etc_files[] = {
	{"/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"},
	{"/etc/group", "root:x:0:\nnogroup:x:65534:\n"},
	{"/etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n"},
	{"/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n"},
	{"/etc/resolv.conf", "nameserver 10.0.2.3\n"},
};

int stage_etc(const char *root, struct strbuf *err)
{
	char *etc = xasprintf("%s/etc", root);
	int ret = 0;

	if (mkdir_p(etc, 0755) < 0) {
		sb_addf(err, "cannot create '%s': %s", etc, strerror(errno));
		ret = -1;
	}
	for (size_t i = 0; ret == 0 && i < ARRAY_SIZE(etc_files); i++) {
		char *p = xasprintf("%s%s", root, etc_files[i].path);
		if (!path_exists(p) &&
		    file_write_atomic(p, etc_files[i].text, strlen(etc_files[i].text), 0644) < 0) {
			sb_addf(err, "cannot write '%s': %s", p, strerror(errno));
			ret = -1;
		}
		free(p);
	}
	free(etc);
	return ret;
}

int stage_exists(const char *root, const char *guest_path)
{
	char *p = xasprintf("%s%s", root, guest_path);
	int r = path_exists(p);
	free(p);
	return r;
}

char *stage_copy_under(const char *root, const char *guest_path, const char *prefix, struct strbuf *err)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	char *dst_guest = xasprintf("%s%s", prefix, guest_path), *dst = xasprintf("%s%s", root, dst_guest);
	char *parent = xstrdup(dst), buf[65536];
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), in = -1, out = -1, ok = 0;
	struct stat st;
	ssize_t n;

	path_pop(parent);
	/* symlinks resolve as they would inside the guest, never to host files */
	if (rootfd >= 0)
		in = (int)syscall(SYS_openat2, rootfd, guest_path, &how, sizeof(how));
	if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		sb_addf(err, "cannot read '%s' in the root filesystem: %s", guest_path,
			in < 0 ? strerror(errno) : "not a regular file");
		goto out;
	}
	if (mkdir_p(parent, 0755) < 0 ||
	    (out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 07777)) < 0) {
		sb_addf(err, "cannot create '%s': %s", dst, strerror(errno));
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	ok = n == 0 && fchmod(out, st.st_mode & 07777) == 0;
	if (!ok)
		sb_addf(err, "cannot copy '%s' to '%s': %s", guest_path, dst_guest, strerror(errno));
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (rootfd >= 0)
		close(rootfd);
	free(parent);
	free(dst);
	if (!ok) {
		free(dst_guest);
		return NULL;
	}
	return dst_guest;
}
