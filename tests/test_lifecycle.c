/* test_lifecycle.c: nothing left behind, nothing lost: graceful stops with the application's
 * status, stdin, kill -9 of run and build, atomic bundle replacement, redis persisting across a stop. */
#include "harness.h"
#include "lib/util.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* SIGTERM or SIGINT to lupine run: SIGTERM reaches the application, whose status is lupine's. */
static void test_graceful_stop(void)
{
	char *b = probe_bundle("stop.lupine", "initramfs");
	struct { const char *mode; int sig, want; const char *text; } cases[] = {
		{"wait", SIGTERM, 143, NULL},
		{"wait", SIGINT, 143, NULL},
		{"trap", SIGTERM, 0, "probe: got SIGTERM"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *const args[] = {"run", b, "--", (char *)cases[i].mode, NULL};
		struct bg g = bg_lupine(args, NULL);
		CHECK(wait_log(&g, "probe: waiting", 120));
		kill(g.pid, cases[i].sig);
		int st = wait_bg(&g, 60);
		if (st != cases[i].want)
			check_fail(__FILE__, __LINE__, "%s, signal %d: status %d, expected %d", cases[i].mode, cases[i].sig,
				   st, cases[i].want);
		if (cases[i].text)
			CHECK(wait_log(&g, cases[i].text, 1));
		free(g.log);
	}
	/* an application that ignores SIGTERM: the VM is killed after --stop-timeout */
	char *const ignore[] = {"run", b, "--stop-timeout", "1", "--", "ignore", NULL};
	struct bg g = bg_lupine(ignore, NULL);
	CHECK(wait_log(&g, "probe: waiting", 120));
	double t0 = now_sec();
	kill(g.pid, SIGTERM);
	CHECK_INT(wait_bg(&g, 60), 143);
	CHECK(now_sec() - t0 < 10);
	CHECK(wait_log(&g, "did not end within the stop timeout", 1));
	free(g.log);
	/* --timeout stops the same way */
	char *const timed[] = {"run", b, "--timeout", "5", "--", "trap", NULL};
	struct cmd_out o = run_lupine(timed);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: got SIGTERM");
	cmd_out_free(&o);
	free(b);
}

/* -i: the host's stdin is the application's; without it, /dev/null. */
static void test_stdin(void)
{
	char *b = probe_bundle("stdin.lupine", "initramfs");
	char *with = xasprintf("printf 'print(6*7)' | %s run -i %s -- stdin", lupine_bin(), b);
	char *without = xasprintf("printf 'print(6*7)' | %s run %s -- stdin", lupine_bin(), b);
	char *const a1[] = {"sh", "-c", with, NULL}, *const a2[] = {"sh", "-c", without, NULL};
	struct cmd_out o = run_capture(a1, NULL);

	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: stdin=<print(6*7)> 10 bytes");
	CHECK_NOT_CONTAINS(o.out, "lupine-ctl");
	cmd_out_free(&o);
	o = run_capture(a2, NULL);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: stdin=<> 0 bytes");
	cmd_out_free(&o);
	/* stdin that holds the init's command mark is data, not a command to kill the app */
	char *marked = xasprintf("printf 'x\\033lupine-ctl signal 9\\n\\033\\033y' | %s run -i %s -- stdin",
				 lupine_bin(), b);
	char *const a3[] = {"sh", "-c", marked, NULL};
	o = run_capture(a3, NULL);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: stdin=<x\033lupine-ctl signal 9");
	CHECK_CONTAINS(o.out, "\033\033y> 25 bytes");
	cmd_out_free(&o);
	free(marked);
	free(with);
	free(without);
	free(b);
}

/* The pid of a child of parent whose command name starts with comm, or 0. */
static pid_t child_named(pid_t parent, const char *comm)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	while (d && !found && (de = readdir(d))) {
		char *p = xasprintf("/proc/%s/stat", de->d_name), *st = file_read(p, NULL), *rp;
		int ppid;
		/* pid (comm) state ppid ... */
		if (st && (rp = strrchr(st, ')')) && sscanf(rp + 2, "%*c %d", &ppid) == 1 && ppid == parent &&
		    !strncmp(strchr(st, '(') + 1, comm, strlen(comm)))
			found = (pid_t)atoi(de->d_name);
		free(st);
		free(p);
	}
	if (d)
		closedir(d);
	return found;
}

/* kill -9 of lupine run: QEMU dies with it and its files go. */
static void test_kill9_run(void)
{
	char *b = probe_bundle("k9.lupine", "ext4"), *tmp = xasprintf("%s/tmp", test_tmpdir());
	char *env_tmp = xasprintf("TMPDIR=%s", tmp);
	char *const args[] = {"run", b, "--", "wait", NULL}, *const env[] = {env_tmp, NULL};

	mkdir_p(tmp, 0755);
	struct bg g = bg_lupine(args, env);
	CHECK(wait_log(&g, "probe: waiting", 120));
	pid_t qemu = child_named(g.pid, "qemu-system");
	CHECK(qemu > 0);
	CHECK(dir_count(tmp, "") > 0); /* the run's files (initramfs, disk copy) are there */
	kill(g.pid, SIGKILL);
	waitpid(g.pid, NULL, 0);
	double t0 = now_sec();
	while ((kill(qemu, 0) == 0 || dir_count(tmp, "")) && now_sec() - t0 < 10)
		usleep(50000);
	CHECK(qemu <= 0 || kill(qemu, 0) < 0);
	CHECK_INT(dir_count(tmp, ""), 0);
	free(g.log);
	free(env_tmp);
	free(tmp);
	free(b);
}

/* kill -9 of lupine build: its staging goes at once; a stale one of a dead
 * build is swept by the next build. */
static void test_kill9_build(void)
{
	char *tree = probe_tree(), *big = xasprintf("%s/big", test_tmpdir()), *add = xasprintf("%s:/big", big);
	char *src = xasprintf("dir:%s", tree), *out = xasprintf("%s/kb.lupine", test_tmpdir());
	char *const args[] = {"build", src, "-q", "-o", out, "--rootfs", "ext4", "--add", add, "--", "/bin/probe", NULL};
	char *cmd = xasprintf("head -c 400000000 /dev/urandom > %s", big);
	char *const mk[] = {"sh", "-c", cmd, NULL};
	struct cmd_out o = run_capture(mk, NULL);

	cmd_out_free(&o);
	struct bg g = bg_lupine(args, NULL);
	char *root = xasprintf("%s.root-%d", out, (int)g.pid);
	double t0 = now_sec();
	while (!path_exists(root) && now_sec() - t0 < 30)
		usleep(10000);
	usleep(200000);
	kill(g.pid, SIGKILL);
	waitpid(g.pid, NULL, 0);
	t0 = now_sec();
	while (dir_count(test_tmpdir(), "kb.lupine") && now_sec() - t0 < 20)
		usleep(100000);
	CHECK_INT(dir_count(test_tmpdir(), "kb.lupine"), 0);
	/* a stale staging directory of a build that is gone (a reaped child's pid) */
	pid_t dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	char *stale = xasprintf("%s.tmp-%d", out, (int)dead);
	mkdir_p(stale, 0755);
	char *const again[] = {"build", src, "-q", "-o", out, "--", "/bin/probe", NULL};
	o = run_lupine(again);
	CHECK_INT(o.status, 0);
	CHECK(!path_exists(stale));
	cmd_out_free(&o);
	unlink(big);
	free(g.log);
	free(stale);
	free(root);
	free(cmd);
	free(tree);
	free(big);
	free(add);
	free(src);
	free(out);
}

/* Rebuilding a bundle in place: at every instant a whole bundle is there. */
static void test_atomic_replace(void)
{
	char *b = probe_bundle("atomic.lupine", "initramfs"), *json = xasprintf("%s/lupine.json", b);
	char *done = xasprintf("%s/done", test_tmpdir()), *misses = xasprintf("%s/misses", test_tmpdir());
	pid_t w = fork();

	if (w == 0) {
		long n = 0, miss = 0;
		while (!path_exists(done) || n < 1000) {
			miss += !path_exists(json);
			n++;
		}
		char *m = xasprintf("%ld %ld", miss, n);
		file_write_atomic(misses, m, strlen(m), 0644);
		_exit(0);
	}
	for (int i = 0; i < 3; i++) {
		free(probe_bundle("atomic.lupine", i % 2 ? "initramfs" : "ext4"));
	}
	file_write_atomic(done, "", 0, 0644);
	waitpid(w, NULL, 0);
	char *m = file_read(misses, NULL);
	long miss = -1, n = 0;
	if (m)
		sscanf(m, "%ld %ld", &miss, &n);
	CHECK_INT(miss, 0);
	CHECK(n > 1000);
	free(m);
	free(misses);
	free(done);
	free(json);
	free(b);
}

/* Debian's redis on an ext4 root with --persist: a key SET before SIGTERM is there in the next run. */
static void test_redis_persist(void)
{
	char *b = xasprintf("%s/redis-persist.lupine", test_tmpdir());
	char *const build[] = {"build", "/usr/bin/redis-server", "-q", "-o", b, "--app", "redis", "--rootfs", "ext4", NULL};
	struct cmd_out o = run_lupine(build);
	int port = free_port();
	char *pspec = xasprintf("%d:6379", port);
	char *const run[] = {"run", b, "--persist", "-p", pspec, "--", "--protected-mode", "no", NULL};

	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	struct bg g = bg_lupine(run, NULL);
	CHECK(wait_pong(port, 120));
	char *r = redis_cli(port, "SET", "lupine-persist", "kept");
	CHECK_CONTAINS(r, "OK");
	free(r);
	kill(g.pid, SIGTERM);
	CHECK_INT(wait_bg(&g, 60), 0); /* redis saved its RDB and exited 0 */
	CHECK(wait_log(&g, "DB saved on disk", 1));
	free(g.log);
	g = bg_lupine(run, NULL);
	CHECK(wait_pong(port, 120));
	r = redis_cli(port, "GET", "lupine-persist", NULL);
	CHECK_CONTAINS(r, "kept");
	free(r);
	kill(g.pid, SIGTERM);
	CHECK_INT(wait_bg(&g, 60), 0);
	free(g.log);
	free(pspec);
	free(b);
}

const struct test lifecycle_tests[] = {
	{"lifecycle/graceful-stop", test_graceful_stop, 1},
	{"lifecycle/stdin", test_stdin, 1},
	{"lifecycle/kill9-run-leaves-nothing", test_kill9_run, 1},
	{"lifecycle/kill9-build-leaves-nothing", test_kill9_build, 1},
	{"lifecycle/atomic-replace", test_atomic_replace, 1},
	{"lifecycle/redis-persist-across-stop", test_redis_persist, 1},
	{0, 0, 0},
};
