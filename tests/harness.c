/* harness.c: running commands for tests and capturing what they print. */
#include "harness.h"
#include "lib/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *slurp_fd(int fd)
{
	struct strbuf sb = {0};
	char buf[8192];
	ssize_t n;
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_add(&sb, buf, (size_t)n);
	return sb_detach(&sb);
}

struct cmd_out run_capture(char *const argv[], char *const env[])
{
	struct cmd_out o = {0};
	char outp[] = "/tmp/lupine-out-XXXXXX", errp[] = "/tmp/lupine-err-XXXXXX";
	int ofd = mkstemp(outp), efd = mkstemp(errp), st;
	double t0 = now_sec();
	pid_t pid;

	unlink(outp);
	unlink(errp);
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(ofd, 1);
		dup2(efd, 2);
		for (char *const *e = env; e && *e; e++)
			putenv(*e);
		execvp(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	o.secs = now_sec() - t0;
	o.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	o.out = slurp_fd(ofd);
	o.err = slurp_fd(efd);
	close(ofd);
	close(efd);
	return o;
}

void cmd_out_free(struct cmd_out *o)
{
	free(o->out);
	free(o->err);
	memset(o, 0, sizeof(*o));
}

struct cmd_out run_lupine(char *const *args)
{
	char *argv[32] = {(char *)lupine_bin()};
	int n = 1;
	for (; args[n - 1] && n < 31; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	return run_capture(argv, NULL);
}

/* A directory source with the probe at /bin/probe and a /work directory. */
char *probe_tree(void)
{
	char *root = xasprintf("%s/tree", test_tmpdir()), *bin = xasprintf("%s/bin", root);
	char *work = xasprintf("%s/work", root), *dst = xasprintf("%s/probe", bin);
	mkdir_p(bin, 0755);
	mkdir_p(work, 0755);
	CHECK_INT(file_copy("build/testguest/probe", dst, 0755), 0);
	free(bin);
	free(work);
	free(dst);
	return root;
}
