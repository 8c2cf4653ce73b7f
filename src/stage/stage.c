/* stage.c: the staged root, written only through its directory fd (openat2 RESOLVE_IN_ROOT). */
#include "stage/stage.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int stage_open(struct stage *st, const char *path, struct strbuf *err)
{
	st->path = xstrdup(path);
	st->resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	st->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (st->fd < 0) {
		sb_addf(err, "cannot open '%s': %s", path, strerror(errno));
		free(st->path);
		st->path = NULL;
		return -1;
	}
	return 0;
}

void stage_close(struct stage *st)
{
	if (st->fd >= 0)
		close(st->fd);
	free(st->path);
	st->path = NULL;
	st->fd = -1;
}

/* openat2 of the first len bytes of rel ("" is the root itself). */
static int resolve_n(const struct stage *st, const char *rel, size_t len, int flags)
{
	struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC), .resolve = st->resolve};
	char buf[4096];

	if (len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, rel, len);
	buf[len] = 0;
	return (int)syscall(SYS_openat2, st->fd, len ? buf : ".", &how, sizeof(how));
}

static const char *relative(const char *guest_path)
{
	while (*guest_path == '/')
		guest_path++;
	return guest_path;
}

int stage_resolve(const struct stage *st, const char *guest_path, int flags)
{
	const char *rel = relative(guest_path);
	return resolve_n(st, rel, strlen(rel), flags);
}

static int mkdirs_n(const struct stage *st, const char *rel, size_t len, mode_t mode, int hops);

/* comp in pfd is a symlink that leads nowhere yet: make the directory it
 * names, as a container runtime would (inside the root: an absolute target
 * starts there). parent is comp's directory, relative to the root. */
static int mkdirs_link(const struct stage *st, int pfd, const char *comp, const char *parent, size_t plen,
		       mode_t mode, int hops)
{
	char target[4096], *path;
	ssize_t n = readlinkat(pfd, comp, target, sizeof(target) - 1);
	int fd;

	if (n <= 0 || hops >= 40) {
		errno = n <= 0 ? ENOENT : ELOOP;
		return -1;
	}
	target[n] = 0;
	path = target[0] == '/' ? xstrdup(target) : xasprintf("%.*s/%s", (int)plen, parent, target);
	fd = mkdirs_n(st, relative(path), strlen(relative(path)), mode, hops + 1);
	free(path);
	if (fd >= 0)
		close(fd);
	return fd < 0 ? -1 : 0;
}

/* The directory rel[0..len), made (with mode) where missing: a descriptor or -1. */
static int mkdirs_n(const struct stage *st, const char *rel, size_t len, mode_t mode, int hops)
{
	int fd = resolve_n(st, rel, len, O_PATH | O_DIRECTORY);
	size_t up = len, name;
	char comp[256];
	struct stat s;

	while (len && rel[len - 1] == '/')
		len--;
	if (fd >= 0 || errno != ENOENT || !len)
		return fd;
	/* make the parent first, then this one inside it */
	while (up && rel[up - 1] != '/')
		up--;
	name = up;
	while (up && rel[up - 1] == '/')
		up--;
	if (len - name >= sizeof(comp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(comp, rel + name, len - name);
	comp[len - name] = 0;
	int pfd = mkdirs_n(st, rel, up, mode, hops);
	if (pfd < 0)
		return -1;
	int r = mkdirat(pfd, comp, mode);
	if (r < 0 && errno == EEXIST && fstatat(pfd, comp, &s, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(s.st_mode))
		r = mkdirs_link(st, pfd, comp, rel, up, mode, hops);
	else if (r < 0 && errno == EEXIST)
		r = 0;
	close(pfd);
	return r < 0 ? -1 : resolve_n(st, rel, len, O_PATH | O_DIRECTORY);
}

int stage_parent(const struct stage *st, const char *guest_path, int create, const char **base)
{
	const char *rel = relative(guest_path), *slash = strrchr(rel, '/');
	size_t plen = slash ? (size_t)(slash - rel) : 0;

	*base = slash ? slash + 1 : rel;
	if (!**base || !strcmp(*base, ".") || !strcmp(*base, "..")) {
		errno = EINVAL;
		return -1;
	}
	return create ? mkdirs_n(st, rel, plen, 0755, 0) : resolve_n(st, rel, plen, O_PATH | O_DIRECTORY);
}

int stage_exists(const struct stage *st, const char *guest_path)
{
	int fd = stage_resolve(st, guest_path, O_PATH);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int stage_mkdirs(const struct stage *st, const char *guest_dir, mode_t mode, struct strbuf *err)
{
	const char *rel = relative(guest_dir);
	size_t len = strlen(rel);

	while (len && rel[len - 1] == '/')
		len--;
	int fd = mkdirs_n(st, rel, len, mode, 0);
	if (fd < 0) {
		sb_addf(err, "cannot create directory '/%s' in the root filesystem: %s", rel, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* Data for a new file: a buffer or a descriptor to copy from. */
struct content {
	const void *data;
	size_t len;
	int fd;
};

static int fill(int out, const struct content *c)
{
	if (c->fd >= 0)
		return fd_copy(c->fd, out);
	for (size_t done = 0; done < c->len;) {
		ssize_t n = write(out, (const char *)c->data + done, c->len - done);
		if (n < 0 && errno != EINTR)
			return -1;
		done += n > 0 ? (size_t)n : 0;
	}
	return 0;
}

static int write_entry(const struct stage *st, const char *guest_path, const struct content *c, mode_t mode,
		       struct strbuf *err)
{
	static unsigned seq;
	const char *base;
	char tmp[64];
	int pfd = stage_parent(st, guest_path, 1, &base), out = -1, ret = -1;

	if (pfd < 0)
		goto fail;
	snprintf(tmp, sizeof(tmp), ".lupine-tmp-%d-%u", (int)getpid(), seq++);
	out = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		goto fail;
	if (fill(out, c) < 0 || fchmod(out, mode & 07777) < 0 || close(out) < 0) {
		out = -1;
		unlinkat(pfd, tmp, 0);
		goto fail;
	}
	out = -1;
	if (renameat(pfd, tmp, pfd, base) < 0) {
		unlinkat(pfd, tmp, 0);
		goto fail;
	}
	ret = 0;
	goto out;
fail:
	sb_addf(err, "cannot write '/%s' in the root filesystem: %s", relative(guest_path), strerror(errno));
out:
	if (out >= 0)
		close(out);
	if (pfd >= 0)
		close(pfd);
	return ret;
}

int stage_write(const struct stage *st, const char *guest_path, const void *data, size_t len, mode_t mode,
		struct strbuf *err)
{
	struct content c = {.data = data, .len = len, .fd = -1};
	return write_entry(st, guest_path, &c, mode, err);
}

int stage_write_fd(const struct stage *st, const char *guest_path, int in_fd, mode_t mode, struct strbuf *err)
{
	struct content c = {.fd = in_fd};
	return write_entry(st, guest_path, &c, mode, err);
}

int stage_symlink(const struct stage *st, const char *guest_path, const char *target, struct strbuf *err)
{
	static unsigned seq;
	const char *base;
	char tmp[64];
	int pfd = stage_parent(st, guest_path, 1, &base), ret = -1;

	snprintf(tmp, sizeof(tmp), ".lupine-ln-%d-%u", (int)getpid(), seq++);
	if (pfd >= 0 && symlinkat(target, pfd, tmp) == 0) {
		if (renameat(pfd, tmp, pfd, base) == 0)
			ret = 0;
		else
			unlinkat(pfd, tmp, 0);
	}
	if (ret < 0)
		sb_addf(err, "cannot create symlink '/%s' in the root filesystem: %s", relative(guest_path),
			strerror(errno));
	if (pfd >= 0)
		close(pfd);
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

int stage_etc(const struct stage *st, struct strbuf *err)
{
	if (stage_mkdirs(st, "/etc", 0755, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++)
		if (!stage_exists(st, etc_files[i].path) &&
		    stage_write(st, etc_files[i].path, etc_files[i].text, strlen(etc_files[i].text), 0644, err) < 0)
			return -1;
	return 0;
}
