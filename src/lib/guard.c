/* guard.c: a guardian process removes registered temporary paths when lupine ends, however it ends. */
#include "lib/guard.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int guard_fd = -1;

/* The guardian, a child of its own: collect paths from its stdin (the
 * pipe) until it closes, then remove them. */
static int guardian(void *unused)
{
	struct strbuf paths = {0};
	char buf[4096];
	ssize_t n;

	(void)unused;
	/* Ctrl-C and hangups are for lupine; the guardian outlives them to clean up */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	while ((n = read(0, buf, sizeof(buf))) != 0)
		if (n > 0)
			sb_add(&paths, buf, (size_t)n);
	for (char *p = paths.buf, *nl; p && (nl = memchr(p, '\n', paths.len - (size_t)(p - paths.buf))); p = nl + 1) {
		*nl = 0;
		rm_rf(p);
	}
	return 0;
}

int guard_start(void)
{
	/* it must outlive lupine (that is its job), and hold no terminal or pipe
	 * of lupine's open: a reader must see EOF when lupine ends */
	struct proc_opts o = {.outlive = 1};
	int p[2];
	pid_t pid;

	if (guard_fd >= 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	o.in = p[0];
	o.out = o.err = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pid = proc_fork(guardian, NULL, &o);
	close(p[0]);
	if (o.out >= 0)
		close(o.out);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	guard_fd = p[1];
	return 0;
}

void guard_add(const char *path)
{
	char *line;

	if (guard_fd < 0 || strchr(path, '\n'))
		return;
	line = xasprintf("%s\n", path);
	if (write(guard_fd, line, strlen(line)) < 0) {
		/* the guardian is gone: nothing more we can do for this path */
	}
	free(line);
}

char *tmp_dir(const char *what)
{
	const char *base = getenv("TMPDIR");
	char *dir = xasprintf("%s/lupine-%s-XXXXXX", base && *base == '/' ? base : "/tmp", what);

	if (!mkdtemp(dir)) {
		int e = errno;
		free(dir);
		errno = e;
		return NULL;
	}
	guard_add(dir);
	return dir;
}
