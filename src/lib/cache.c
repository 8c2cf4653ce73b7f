/* cache.c: where Lupine keeps unpacked sources and built kernels, and the locks that guard them. */
#include "lib/cache.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The value of NAME in envp ("K=V" strings), or NULL. */
static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

char *cache_root_pick(char *const *envp, uid_t euid, struct strbuf *err)
{
	const char *v;

	if ((v = env_get(envp, "LUPINE_CACHE")) && *v)
		return xstrdup(v);
	if ((v = env_get(envp, "XDG_CACHE_HOME")) && *v)
		return xasprintf("%s/lupine", v);
	if ((v = env_get(envp, "HOME")) && *v)
		return xasprintf("%s/.cache/lupine", v);
	/* a shared scratch place such as /var/tmp could be prepared by anyone:
	 * only root has a place of its own without a home */
	if (euid == 0)
		return xstrdup(CACHE_ROOT_SYSTEM);
	sb_addf(err, "no cache directory: LUPINE_CACHE, XDG_CACHE_HOME and HOME are all unset; "
		     "set LUPINE_CACHE to a directory of your own");
	return NULL;
}

static const char *kind_of(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISREG(mode))
		return "a file";
	return "a special file";
}

int cache_stat_check(const char *path, const struct stat *st, mode_t type, struct strbuf *err)
{
	const char *what = type == S_IFDIR ? "cache directory" : "cache file";

	if ((st->st_mode & S_IFMT) != type)
		sb_addf(err, "refusing %s '%s': it is %s; remove it, or set LUPINE_CACHE to a directory of your own",
			what, path, kind_of(st->st_mode));
	else if (st->st_uid != geteuid())
		sb_addf(err, "refusing %s '%s': it belongs to uid %u, not to uid %u; remove it, or set "
			     "LUPINE_CACHE to a directory of your own",
			what, path, (unsigned)st->st_uid, (unsigned)geteuid());
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		sb_addf(err, "refusing %s '%s': others can write to it (mode %04o); remove it, or "
			     "chmod go-w it if nobody else has written to it",
			what, path, (unsigned)(st->st_mode & 07777));
	else
		return 0;
	return -1;
}

int cache_check(const char *path, mode_t type, struct strbuf *err)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		sb_addf(err, "cannot check cache path '%s': %s", path, strerror(errno));
		return -1;
	}
	return cache_stat_check(path, &st, type, err) < 0 ? -1 : 1;
}

int cache_mkdir(const char *path, int parents, struct strbuf *err)
{
	int r = cache_check(path, S_IFDIR, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	/* 0755 under any umask: never writable by group or others */
	if ((parents ? mkdir_p(path, 0755) : mkdir(path, 0755)) < 0 && errno != EEXIST) {
		sb_addf(err, "cannot create cache directory '%s': %s; set LUPINE_CACHE to a directory you can write",
			path, strerror(errno));
		return -1;
	}
	return cache_check(path, S_IFDIR, err) == 1 ? 0 : -1;
}

const char *cache_root(void)
{
	static char *root;
	struct strbuf err = {0};

	if (root)
		return root;
	if (!(root = cache_root_pick(environ, geteuid(), &err)) || cache_mkdir(root, 1, &err) < 0)
		die("%s", err.buf);
	return root;
}

char *cache_dir(const char *sub)
{
	char *p = xasprintf("%s/%s", cache_root(), sub);
	struct strbuf err = {0};

	if (cache_mkdir(p, 0, &err) < 0)
		die("%s", err.buf);
	return p;
}

/* Opens (creating) the lock file path; dies, as cache_dir does, when it is not ours. */
static int lock_open(const char *path)
{
	struct strbuf err = {0};
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0 && errno == ELOOP)
		die("refusing cache file '%s': it is a symbolic link; remove it", path);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || cache_stat_check(path, &st, S_IFREG, &err) < 0)
		die("%s", err.buf ? err.buf : strerror(errno));
	return fd;
}

int cache_lock(const char *name, const char *what)
{
	char *dir = cache_dir("locks");
	char *path = xasprintf("%s/%s.lock", dir, name);
	int fd = lock_open(path);

	free(dir);
	free(path);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	note("waiting for another lupine that is %s ...", what);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

void cache_unlock(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}
