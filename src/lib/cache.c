/* cache.c: where Lupine keeps unpacked sources and built kernels, and the locks that guard them. */
#include "lib/cache.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

const char *cache_root(void)
{
	static char *root;
	const char *env;

	if (root)
		return root;
	if ((env = getenv("LUPINE_CACHE")) && *env)
		root = xstrdup(env);
	else if ((env = getenv("XDG_CACHE_HOME")) && *env)
		root = xasprintf("%s/lupine", env);
	else if ((env = getenv("HOME")) && *env)
		root = xasprintf("%s/.cache/lupine", env);
	else
		root = xstrdup("/var/tmp/lupine-cache");
	if (mkdir_p(root, 0755) < 0)
		die("cannot create cache directory '%s': %s (set LUPINE_CACHE to a writable directory)",
		    root, strerror(errno));
	return root;
}

char *cache_dir(const char *sub)
{
	char *p = xasprintf("%s/%s", cache_root(), sub);
	if (mkdir_p(p, 0755) < 0)
		die("cannot create '%s': %s", p, strerror(errno));
	return p;
}

int cache_lock(const char *name, const char *what)
{
	char *dir = cache_dir("locks");
	char *path = xasprintf("%s/%s.lock", dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

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
