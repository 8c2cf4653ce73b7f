/* test_stdio.c: the application's stdin, stdout and stderr on ports of their own:
 * byte-exact, separate, and complete up to the last byte before the VM ends. */
#include "harness.h"
#include "lib/proc.h"
#include "lib/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A bundle of the host's sh with cat, head and sleep, on lupine-general. */
static char *shell_bundle(void)
{
	char *out = xasprintf("%s/sh.lupine", test_tmpdir());
	char *const args[] = {"build", "sh", "-q", "-o", out, "--add", "/usr/bin/cat", "--add", "/usr/bin/head",
			      "--add", "/usr/bin/sleep", NULL};
	struct cmd_out o = run_lupine(args);

	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	return out;
}

/* lupine run -i BUNDLE -- -c SCRIPT with stdin from the file in (or
 * /dev/null), stdout and stderr to files; its status. */
static int run_files(const char *bundle, const char *script, const char *in, const char *out, const char *err)
{
	char *const argv[] = {(char *)lupine_bin(), "run", "-i", "--timeout", "120", (char *)bundle, "--", "-c",
			      (char *)script, NULL};
	struct proc_opts po = PROC_OPTS_INIT;
	int st;

	po.in = open(in ? in : "/dev/null", O_RDONLY | O_CLOEXEC);
	po.out = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	po.err = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	st = proc_run(argv, &po);
	close(po.in);
	close(po.out);
	close(po.err);
	return st;
}

static char *slurp(const char *path, size_t *n)
{
	char *s = file_read(path, n);
	return s ? s : xstrdup("");
}

/* Every byte value through stdin and back on stdout, no \r added; stderr apart. */
static void test_bytes(void)
{
	char *b = shell_bundle(), in[256];
	const char *dir = test_tmpdir();
	char *fin = xasprintf("%s/in", dir), *fout = xasprintf("%s/out", dir), *ferr = xasprintf("%s/err", dir);
	size_t n_out = 0, n_err = 0;

	for (int i = 0; i < 256; i++)
		in[i] = (char)i;
	CHECK_INT(file_write_atomic(fin, in, sizeof(in), 0644), 0);
	CHECK_INT(run_files(b, "cat; echo to-err >&2; exit 3", fin, fout, ferr), 3);
	char *out = slurp(fout, &n_out), *err = slurp(ferr, &n_err);
	CHECK_INT(n_out, 256);
	CHECK(n_out == 256 && !memcmp(out, in, 256));
	CHECK_CONTAINS(err, "to-err\n");
	CHECK(!memmem(out, n_out, "to-err", 6));
	free(out);
	free(err);
	free(fin);
	free(fout);
	free(ferr);
	free(b);
}

/* Megabytes each way: 3 MiB of random bytes through cat come back whole,
 * and 5 MiB written just before the application ends all arrive. */
static void test_bulk(void)
{
	char *b = shell_bundle();
	const char *dir = test_tmpdir();
	char *fin = xasprintf("%s/rnd", dir), *fout = xasprintf("%s/out", dir), *ferr = xasprintf("%s/err", dir);
	size_t len = 3 << 20, n = 0;
	char *data = xmalloc(len);
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	CHECK(fd >= 0 && read(fd, data, len) == (ssize_t)len);
	close(fd);
	CHECK_INT(file_write_atomic(fin, data, len, 0644), 0);
	CHECK_INT(run_files(b, "cat", fin, fout, ferr), 0);
	char *out = slurp(fout, &n);
	CHECK_INT(n, len);
	CHECK(n == len && !memcmp(out, data, len));
	free(out);
	CHECK_INT(run_files(b, "head -c 5242880 /dev/zero; head -c 1000 /dev/zero >&2", NULL, fout, ferr), 0);
	struct stat so, se;
	CHECK(stat(fout, &so) == 0 && so.st_size == 5 << 20);
	CHECK(stat(ferr, &se) == 0 && se.st_size == 1000);
	free(data);
	free(fin);
	free(fout);
	free(ferr);
	free(b);
}


/* lupine's own CPU time (user + system) in seconds; -1 if gone. */
static double cpu_secs(pid_t pid)
{
	struct proc_stat st;
	return proc_stat_read(pid, &st) == 0 ? (double)st.ticks / (double)sysconf(_SC_CLK_TCK) : -1;
}

/* With stdin at its end (the shut stdin port, as under a CRI or Docker
 * container without stdin), lupine waits for the VM without spinning: it
 * once polled QEMU's hang-up of that socket in a loop, at ~60% of a core. */
static void test_idle_after_eof(void)
{
	char *b = shell_bundle(), *out = xasprintf("%s/idle.out", test_tmpdir());
	char *const argv[] = {(char *)lupine_bin(), "run", "-i", "--timeout", "120", b, "--", "-c",
			      "echo ready; sleep 6; echo done", NULL};
	struct proc_opts po = PROC_OPTS_INIT;
	pid_t pid;

	po.in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	po.out = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK((pid = proc_spawn(argv, &po)) > 0);
	close(po.in), close(po.out);
	int ready = 0;
	for (double end = now_sec() + 120; pid > 0 && !ready && now_sec() < end; usleep(100000)) {
		char *text = file_read(out, NULL);
		ready = text && strstr(text, "ready\n");
		free(text);
	}
	CHECK(ready);
	double c0 = cpu_secs(pid);
	sleep(4);
	double c1 = cpu_secs(pid);
	printf("    lupine's CPU time over 4 s of an idle VM with stdin ended: %.2f s\n", c1 - c0);
	CHECK(c0 >= 0 && c1 >= 0 && c1 - c0 < 1.0);
	CHECK_INT(pid > 0 ? proc_wait(pid) : -1, 0);
	char *text = file_read(out, NULL);
	CHECK_CONTAINS(text, "ready\ndone\n");
	free(text), free(out), free(b);
}

const struct test stdio_tests[] = {
	{"stdio/bytes-exact-and-apart", test_bytes, 1},
	{"stdio/bulk-complete", test_bulk, 1},
	{"stdio/idle-after-stdin-eof", test_idle_after_eof, 1},
	{NULL, NULL, 0},
};
