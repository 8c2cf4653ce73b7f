/* test_run.c: `lupine build` and `lupine run` end to end: real kernels in QEMU, Debian's redis-server. */
#include "harness.h"
#include "lib/elf.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE "build/testguest/probe"

static char *build_probe(void)
{
	char *root = probe_tree(), *src = xasprintf("dir:%s", root);
	char *out = xasprintf("%s/probe.lupine", test_tmpdir());
	char *const args[] = {"build", src, "-o", out, "-q", "-e", "FOO=from-build", "--workdir", "/work",
			      "--", "/bin/probe", NULL};
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 0);
	if (o.status)
		fprintf(stderr, "%s", o.err);
	cmd_out_free(&o);
	free(root);
	free(src);
	return out;
}

static void test_probe_statuses(void)
{
	char *b = build_probe();
	struct { const char *a1, *a2; int want; const char *text; } cases[] = {
		{"hello", NULL, 0, "probe: hello from pid"},
		{"exit", "3", 3, NULL},
		{"segv", NULL, 139, NULL},
		{"kill", "15", 143, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *const args[] = {"run", b, "--timeout", "120", "--", (char *)cases[i].a1, (char *)cases[i].a2, NULL};
		struct cmd_out o = run_lupine(args);
		if (o.status != cases[i].want)
			check_fail(__FILE__, __LINE__, "probe %s: status %d, expected %d; stderr: %s; console: %s",
				   cases[i].a1, o.status, cases[i].want, o.err, o.out);
		if (cases[i].text)
			CHECK_CONTAINS(o.out, cases[i].text);
		cmd_out_free(&o);
	}
	free(b);
}

static void test_env_args_workdir(void)
{
	char *b = build_probe();
	char *const args[] = {"run", b, "-e", "EXTRA=from-run", "--timeout", "120", "--", "show", "a b", "c", NULL};
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: argv[0]=</bin/probe>");
	CHECK_CONTAINS(o.out, "probe: argv[2]=<a b>");
	CHECK_CONTAINS(o.out, "probe: argv[3]=<c>");
	CHECK_CONTAINS(o.out, "probe: FOO=<from-build> EXTRA=<from-run>");
	CHECK_CONTAINS(o.out, "probe: cwd=</work>");
	cmd_out_free(&o);
	/* the hostname resolves: the init adds it to /etc/hosts, once, after localhost */
	char *const hosts[] = {"run", b, "--timeout", "120", "--", "cat", "/etc/hosts", NULL};
	o = run_lupine(hosts);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "127.0.0.1\tlocalhost");
	CHECK_CONTAINS(o.out, "127.0.1.1\tlupine");
	CHECK(o.out && !strstr(strstr(o.out, "\tlupine") + 1, "\tlupine"));
	cmd_out_free(&o);
	free(b);
}

/* 127 for a program whose ELF interpreter is missing, 126 for a file that is not executable. */
static void test_cannot_start(void)
{
	char *root = probe_tree(), *src = xasprintf("dir:%s", root);
	char *noexec = xasprintf("%s/bin/notes", root), *out = xasprintf("%s/b.lupine", test_tmpdir());
	CHECK_INT(file_write_atomic(noexec, "just text\n", 10, 0644), 0);
	char *const build[] = {"build", src, "-q", "-o", out, "--add", "/usr/bin/true:/bin/dyn", "--", "/bin/dyn", NULL};
	struct cmd_out o = run_lupine(build);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	char *const run[] = {"run", out, "--timeout", "120", NULL};
	o = run_lupine(run);
	CHECK_INT(o.status, 127);
	/* the init's reasons are not the application's output: they come on stderr */
	CHECK_CONTAINS(o.err, "ld-linux-x86-64.so.2");
	cmd_out_free(&o);

	char *const build2[] = {"build", src, "-q", "-o", out, "--", "/bin/notes", NULL};
	o = run_lupine(build2);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	o = run_lupine(run);
	CHECK_INT(o.status, 126);
	cmd_out_free(&o);
	free(root);
	free(src);
	free(noexec);
	free(out);
}

static char *build_redis(const char *name)
{
	char *out = xasprintf("%s/%s", test_tmpdir(), name);
	char *const args[] = {"build", "/usr/bin/redis-server", "-q", "-o", out, NULL};
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 0);
	if (o.status)
		fprintf(stderr, "%s", o.err);
	cmd_out_free(&o);
	return out;
}

static void test_redis(void)
{
	char *b = build_redis("redis.lupine");
	int port = free_port();
	struct bg bg = run_redis_bg(b, port);
	CHECK(wait_pong(port, 120));
	check_redis(port, "k1");
	/* SHUTDOWN ends redis with status 0: lupine run must exit 0 */
	free(redis_cli(port, "SHUTDOWN", "NOSAVE", NULL));
	int st = wait_bg(&bg, 60);
	CHECK_INT(st, 0);
	if (st != 0) {
		char *log = file_read(bg.log, NULL);
		fprintf(stderr, "%s\n", log ? log : "");
		free(log);
	}
	free(bg.log);
	free(b);
}

static void test_two_at_once(void)
{
	char *b = build_redis("redis.lupine");
	int p1 = free_port(), p2;
	struct bg a = run_redis_bg(b, p1);
	do
		p2 = free_port();
	while (p2 == p1);
	struct bg c = run_redis_bg(b, p2);
	CHECK(wait_pong(p1, 180));
	CHECK(wait_pong(p2, 180));
	check_redis(p1, "one");
	check_redis(p2, "two");
	/* separate VMs: a key set in one is not in the other */
	char *r = redis_cli(p2, "EXISTS", "one", NULL);
	CHECK_CONTAINS(r, "0");
	free(r);
	free(redis_cli(p1, "SHUTDOWN", "NOSAVE", NULL));
	free(redis_cli(p2, "SHUTDOWN", "NOSAVE", NULL));
	CHECK_INT(wait_bg(&a, 60), 0);
	CHECK_INT(wait_bg(&c, 60), 0);
	free(a.log);
	free(c.log);
	free(b);
}

static void expect_build_error(char *const *args, const char *msg)
{
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, msg);
	if (strchr(o.err, '\n') != strrchr(o.err, '\n'))
		check_fail(__FILE__, __LINE__, "more than one line of error: %s", o.err);
	CHECK_INT(dir_count(test_tmpdir(), "out.lupine"), 0);
	cmd_out_free(&o);
}

static void test_bad_inputs(void)
{
	char *out = xasprintf("%s/out.lupine", test_tmpdir());
	char *notelf = xasprintf("%s/notes.txt", test_tmpdir());
	file_write_atomic(notelf, "hello\n", 6, 0644);

	/* -q: progress notes aside, the error itself must be one line */
	char *const a1[] = {"build", "/nonexistent/app", "-q", "-o", out, NULL};
	expect_build_error(a1, "cannot find source '/nonexistent/app'");
	char *const a2[] = {"build", notelf, "-q", "-o", out, NULL};
	expect_build_error(a2, "is not an ELF executable");
	char *const a3[] = {"build", PROBE, "-q", "--app", "nosuchapp", "-o", out, NULL};
	expect_build_error(a3, "unknown application manifest 'nosuchapp'");
	char *const a4[] = {"build", PROBE, "-q", "--source", "/nonexistent/linux.tar.xz", "-o", out, NULL};
	expect_build_error(a4, "cannot use kernel source '/nonexistent/linux.tar.xz'");
	char *const a5[] = {"run", out, NULL};
	struct cmd_out o = run_lupine(a5);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "is not a bundle directory");
	cmd_out_free(&o);

	/* a host port already taken */
	char *b = build_redis("redis.lupine");
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	listen(fd, 1);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	char *pspec = xasprintf("%d:6379", ntohs(sa.sin_port));
	char *const a6[] = {"run", b, "-p", pspec, NULL};
	o = run_lupine(a6);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "is not available");
	cmd_out_free(&o);
	close(fd);
	free(pspec);
	free(b);
	free(out);
	free(notelf);
}

/* A VM smaller than the kernel's load address + init_size + the initrd QEMU
 * puts above it cannot boot: lupine run says how much it needs instead of
 * starting QEMU. 20 MiB of xorshift noise keep the initrd 20 MiB (gzip
 * finds nothing to squeeze). */
static void test_memory_floor(void)
{
	char *root = probe_tree(), *src = xasprintf("dir:%s", root);
	char *noise = xasprintf("%s/noise", root), *out = xasprintf("%s/big.lupine", test_tmpdir());
	size_t n = 20 << 20;
	uint64_t *buf = xmalloc(n), x = 88172645463325252ull;

	for (size_t i = 0; i < n / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = x;
	}
	file_write_atomic(noise, buf, n, 0644);
	char *const build[] = {"build", src, "-q", "--rootfs", "initramfs", "-o", out, "--", "/bin/probe", "hello", NULL};
	struct cmd_out o = run_lupine(build);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	char *const small[] = {"run", out, "-m", "32", "--timeout", "120", NULL};
	o = run_lupine(small);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "-m 32 is too small for this kernel");
	CHECK_CONTAINS(o.err, "and the initrd 20.");
	CHECK(strstr(o.out, "probe:") == NULL); /* nothing booted */
	cmd_out_free(&o);
	char *const enough[] = {"run", out, "-m", "96", "--timeout", "120", NULL};
	o = run_lupine(enough);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: hello from pid");
	cmd_out_free(&o);
	/* the bundle boots the vmlinux (PVH) unless --bzimage says otherwise; both boot */
	char *kernel = xasprintf("%s/kernel", out);
	CHECK_INT(elf_probe(kernel), 1);
	char *const bz[] = {"build", src, "-q", "--bzimage", "--rootfs", "initramfs", "-o", out, "--", "/bin/probe", "hello", NULL};
	o = run_lupine(bz);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "bzImage");
	cmd_out_free(&o);
	CHECK_INT(elf_probe(kernel), 0);
	o = run_lupine(enough);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: hello from pid");
	cmd_out_free(&o);
	free(kernel);
	free(buf);
	free(noise);
	free(out);
	free(src);
	free(root);
}

/* lupine run's own failures: panic, init never reached, QEMU missing. */
static void test_vm_failures(void)
{
	char *b = build_probe();
	char *json = xasprintf("%s/lupine.json", b), *text = file_read(json, NULL);
	CHECK(text != NULL);
	if (!text)
		return;
	/* a kernel told to start an init that is not there panics */
	char *p = strstr(text, "\"cmdline\": \"\"");
	CHECK(p != NULL);
	if (p) {
		struct strbuf sb = {0};
		sb_add(&sb, text, (size_t)(p - text));
		sb_adds(&sb, "\"cmdline\": \"rdinit=/no-such-init\"");
		sb_adds(&sb, p + strlen("\"cmdline\": \"\""));
		file_write_atomic(json, sb.buf, sb.len, 0644);
		sb_release(&sb);
		char *const args[] = {"run", b, "--timeout", "120", NULL};
		struct cmd_out o = run_lupine(args);
		CHECK_INT(o.status, 123);
		CHECK_CONTAINS(o.err, "the guest kernel panicked");
		CHECK_CONTAINS(o.err, "Kernel panic");
		cmd_out_free(&o);
		file_write_atomic(json, text, strlen(text), 0644);
	}
	/* init not reached in time */
	char *const slow[] = {"run", b, "--boot-timeout", "0.05", NULL};
	struct cmd_out o = run_lupine(slow);
	CHECK_INT(o.status, 124);
	CHECK_CONTAINS(o.err, "did not reach init");
	cmd_out_free(&o);
	/* no QEMU */
	char *const plain[] = {(char *)lupine_bin(), "run", b, NULL};
	char *const env[] = {"LUPINE_QEMU=/nonexistent/qemu-system-x86_64", NULL};
	o = run_capture(plain, env);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "is QEMU installed?");
	cmd_out_free(&o);
	free(json);
	free(text);
	free(b);
}

const struct test run_tests[] = {
	{"run/vm-failures", test_vm_failures, 1},
	{"run/probe-statuses", test_probe_statuses, 1},
	{"run/env-args-workdir", test_env_args_workdir, 1},
	{"run/cannot-start-126-127", test_cannot_start, 1},
	{"run/bad-inputs", test_bad_inputs, 1},
	{"run/memory-floor", test_memory_floor, 1},
	{"run/redis", test_redis, 1},
	{"run/two-at-once", test_two_at_once, 1},
	{0, 0, 0},
};
