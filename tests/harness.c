/* harness.c: running commands for tests and capturing what they print. */
#include "harness.h"
#include "lib/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
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

int dir_count(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && str_starts(de->d_name, prefix);
	if (d)
		closedir(d);
	return n;
}

char *probe_bundle(const char *name, const char *rootfs)
{
	char *root = probe_tree(), *src = xasprintf("dir:%s", root);
	char *out = xasprintf("%s/%s", test_tmpdir(), name);
	char *const args[] = {"build", src, "-o", out, "-q", "--rootfs", (char *)rootfs, "--", "/bin/probe", NULL};
	struct cmd_out o = run_lupine(args);

	CHECK_INT(o.status, 0);
	if (o.status)
		fprintf(stderr, "%s", o.err);
	cmd_out_free(&o);
	free(root);
	free(src);
	return out;
}

int test_sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int r;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		cmd = NULL;
	va_end(ap);
	r = cmd ? system(cmd) : -1;
	free(cmd);
	return r;
}
