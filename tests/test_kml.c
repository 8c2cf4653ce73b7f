/* test_kml.c: Kernel Mode Linux: the guest test suite in ring 0 (and ring 3 as a control), exit
 * statuses, and Debian's redis-server in ring 0 answering redis-cli. The KML kernel is cached. */
#include "harness.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const suite[] = {"cpl", "stack", "segv", "alarm", "kill9", "threads", "redzone", "forkexec",
				    "latency", "runall"};

/* A tree with the KML tests under /trusted/ (ring 0) and /opt/ (ring 3). */
static char *kml_bundle(void)
{
	char *root = xasprintf("%s/tree", test_tmpdir()), *out = xasprintf("%s/kml.lupine", test_tmpdir());
	for (size_t i = 0; i < sizeof(suite) / sizeof(suite[0]); i++) {
		char *src = xasprintf("build/kml/%s", suite[i]);
		char *t = xasprintf("%s/trusted/%s", root, suite[i]), *o = xasprintf("%s/opt/%s", root, suite[i]);
		char *td = xasprintf("%s/trusted", root), *od = xasprintf("%s/opt", root);
		mkdir_p(td, 0755);
		mkdir_p(od, 0755);
		CHECK_INT(file_copy(src, t, 0755), 0);
		CHECK_INT(file_copy(src, o, 0755), 0);
		free(src);
		free(t);
		free(o);
		free(td);
		free(od);
	}
	char *src = xasprintf("dir:%s", root);
	char *const args[] = {"build", src, "-q", "--kml", "--app", "redis", "-o", out, "--", "/opt/runall", NULL};
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 0);
	if (o.status)
		fprintf(stderr, "%s", o.err);
	cmd_out_free(&o);
	free(src);
	free(root);
	return out;
}

static struct cmd_out run_suite(const char *bundle, const char *dir, const char *only)
{
	char *const args[] = {"run", (char *)bundle, "--timeout", "600", "--", (char *)dir, "3000000",
			      (char *)only, NULL};
	return run_lupine(args);
}

static void test_suite_ring0(void)
{
	char *b = kml_bundle();
	struct cmd_out o = run_suite(b, "/trusted", NULL);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "PASS cpl: /trusted/cpl runs at CPL 0");
	CHECK_CONTAINS(o.out, "PASS cpl-sysinfo");        /* the kernel published its call entry */
	CHECK_CONTAINS(o.out, "PASS cpl-call");           /* and a call through it works */
	CHECK_CONTAINS(o.out, "PASS redzone");            /* no corruption under timer interrupts */
	CHECK_CONTAINS(o.out, "0 corrupted");
	CHECK_CONTAINS(o.out, "PASS stack-growth");
	CHECK_CONTAINS(o.out, "PASS segv-caught");
	CHECK_CONTAINS(o.out, "PASS segv-uncaught");
	CHECK_CONTAINS(o.out, "PASS sigalrm");
	CHECK_CONTAINS(o.out, "PASS fork");
	CHECK_CONTAINS(o.out, "PASS exec-kml");
	CHECK_CONTAINS(o.out, "PASS exec-user");
	CHECK_CONTAINS(o.out, "PASS threads");
	CHECK_CONTAINS(o.out, "PASS kill9-spin");
	CHECK_CONTAINS(o.out, "PASS kill9-blocked");
	CHECK_CONTAINS(o.out, "runall /trusted: 0 failed");
	CHECK_NOT_CONTAINS(o.out, "FAIL ");
	if (o.status)
		fprintf(stderr, "%s\n", o.out);
	cmd_out_free(&o);
	/* the same programs from /opt run in ring 3 on the same kernel */
	o = run_suite(b, "/opt", "cpl stack segv threads");
	CHECK_CONTAINS(o.out, "/opt/cpl runs at CPL 3");
	cmd_out_free(&o);
	free(b);
}

/* Exit statuses propagate from ring 0 exactly as from ring 3. */
static void test_exit_statuses(void)
{
	char *root = xasprintf("%s/p", test_tmpdir()), *bin = xasprintf("%s/bin", root);
	char *dst = xasprintf("%s/probe", bin), *src = xasprintf("dir:%s", root);
	char *out = xasprintf("%s/probe-kml.lupine", test_tmpdir());
	mkdir_p(bin, 0755);
	CHECK_INT(file_copy("build/testguest/probe", dst, 0755), 0);
	char *const b[] = {"build", src, "-q", "--kml", "--app", "redis", "-o", out, "--", "/bin/probe", NULL};
	struct cmd_out o = run_lupine(b);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	struct { const char *a1, *a2; int want; } cases[] = {
		{"hello", NULL, 0}, {"exit", "3", 3}, {"segv", NULL, 139}, {"kill", "9", 137}, {"exit", "255", 255},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *const r[] = {"run", out, "--timeout", "120", "--", (char *)cases[i].a1, (char *)cases[i].a2, NULL};
		o = run_lupine(r);
		if (o.status != cases[i].want)
			check_fail(__FILE__, __LINE__, "%s %s: status %d, expected %d", cases[i].a1,
				   cases[i].a2 ? cases[i].a2 : "", o.status, cases[i].want);
		cmd_out_free(&o);
	}
	free(root);
	free(bin);
	free(dst);
	free(src);
	free(out);
}

/* Debian's redis-server, unmodified glibc binary, in ring 0. */
static void test_redis_kml(void)
{
	char *out = xasprintf("%s/redis-kml.lupine", test_tmpdir());
	char *const b[] = {"build", "/usr/bin/redis-server", "-q", "--kml", "--app", "redis", "-o", out,
			   "--add", "build/kml/cplprobe.so:/lib/cplprobe.so", "-e", "LD_PRELOAD=/lib/cplprobe.so", NULL};
	struct cmd_out o = run_lupine(b);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "/trusted/usr/bin/redis-server runs in ring 0");
	cmd_out_free(&o);
	int port = free_port();
	struct bg bg = run_redis_bg(out, port);
	CHECK(wait_pong(port, 120));
	check_redis(port, "kml");
	free(redis_cli(port, "SHUTDOWN", "NOSAVE", NULL));
	CHECK_INT(wait_bg(&bg, 60), 0);
	char *log = file_read(bg.log, NULL);
	CHECK_CONTAINS(log, "cplprobe: /trusted/usr/bin/redis-server");
	CHECK_CONTAINS(log, "runs at CPL 0");
	free(log);
	free(bg.log);
	free(out);
}

const struct test kml_tests[] = {
	{"kml/suite-ring0", test_suite_ring0, 1},
	{"kml/exit-statuses", test_exit_statuses, 1},
	{"kml/redis-ring0", test_redis_kml, 1},
	{0, 0, 0},
};
