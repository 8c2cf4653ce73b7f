/* test_diagnose.c: a run on a kernel without a feature names the option the
 * application needed (kernel/missing.patch, the init's notes, lupine run's
 * diagnosis), on the real base kernel in QEMU. */
#include "harness.h"
#include "manifest/kderive.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEATURES "build/testguest/features"

/* A directory source (under test_tmpdir()) with the features program at
 * /bin/features: "dir:PATH"; caller frees. */
static char *features_source(void)
{
	char *root = xasprintf("%s/tree", test_tmpdir()), *bin = xasprintf("%s/bin", root);
	char *dst = xasprintf("%s/features", bin), *src = xasprintf("dir:%s", root);
	mkdir_p(bin, 0755);
	CHECK_INT(file_copy(FEATURES, dst, 0755), 0);
	free(root);
	free(bin);
	free(dst);
	return src;
}

/* A bundle of the features program on the base kernel (an empty fragment). */
static char *build_features(void)
{
	char *src = features_source(), *frag = xasprintf("%s/base-only.config", test_tmpdir());
	char *out = xasprintf("%s/features.lupine", test_tmpdir());
	CHECK_INT(file_write_atomic(frag, "# nothing: the base kernel alone\n", 33, 0644), 0);
	char *const args[] = {"build", src, "--config", frag, "-o", out, "-q", "--", "/bin/features", NULL};
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 0);
	if (o.status)
		fprintf(stderr, "%s", o.err);
	cmd_out_free(&o);
	free(src);
	free(frag);
	return out;
}

/* Each feature the base kernel leaves out is named with its option, after the app's own output. */
static void test_base_features(void)
{
	static const char *const want[][2] = {
	    {"inotify_init1()", "CONFIG_INOTIFY_USER"}, {"timerfd_create()", "CONFIG_TIMERFD"},
	    {"eventfd2()", "CONFIG_EVENTFD"},           {"mq_open()", "CONFIG_POSIX_MQUEUE"},
	    {"shmget()", "CONFIG_SYSVIPC"},
	};
	char *b = build_features();
	char *const args[] = {"run", b, "--timeout", "120", NULL};
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.out, "features: inotify: Function not implemented");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *line = xasprintf("features (pid ");
		char *what = xasprintf(") called %s, which this kernel leaves out: it needs %s", want[i][0], want[i][1]);
		CHECK_CONTAINS(o.err, line);
		CHECK_CONTAINS(o.err, what);
		free(line);
		free(what);
	}
	/* a manifest that has the option is suggested */
	CHECK_CONTAINS(o.err, "CONFIG_EVENTFD (add it with lupine build --config FRAGMENT; the manifests of httpd, ");
	cmd_out_free(&o);
	/* one feature asked for: only that one is named */
	char *const one[] = {"run", b, "--timeout", "120", "--", "shm", NULL};
	o = run_lupine(one);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "called shmget(), which this kernel leaves out: it needs CONFIG_SYSVIPC");
	CHECK_NOT_CONTAINS(o.err, "inotify");
	cmd_out_free(&o);
	free(b);
}

/* Features that fail with something other than ENOSYS: an fcntl lock
 * (EACCES) on base, an IPv6 socket (EAFNOSUPPORT) on redis's kernel, which
 * has IPv4 only. */
static void test_lock_and_family(void)
{
	char *b = build_features();
	char *const lock[] = {"run", b, "--timeout", "120", "--", "lock", NULL};
	struct cmd_out o = run_lupine(lock);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "called fcntl(F_SETLK), which this kernel leaves out: it needs CONFIG_FILE_LOCKING");
	cmd_out_free(&o);
	char *src = features_source(), *out = xasprintf("%s/redis-kernel.lupine", test_tmpdir());
	char *const build[] = {"build", src, "--app", "redis", "-o", out, "-q", "--", "/bin/features", NULL};
	o = run_lupine(build);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	char *const inet6[] = {"run", out, "--timeout", "120", "--", "inet6", NULL};
	o = run_lupine(inet6);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.out, "features: inet6: Address family not supported by protocol");
	CHECK_CONTAINS(o.err, "opened an AF_INET6 socket, which this kernel leaves out: it needs CONFIG_IPV6");
	CHECK_CONTAINS(o.err, "the manifest of nginx has it");
	cmd_out_free(&o);
	free(src);
	free(out);
	free(b);
}

/* A run that succeeds says nothing about features, unless --verbose asks. */
static void test_quiet_on_success(void)
{
	char *b = build_features();
	/* nothing asked for that fails: "none" matches no feature, so it exits 0 */
	char *const ok[] = {"run", b, "--timeout", "120", "--", "none", NULL};
	struct cmd_out o = run_lupine(ok);
	CHECK_INT(o.status, 0);
	CHECK_NOT_CONTAINS(o.err, "leaves out");
	cmd_out_free(&o);
	/* a failure the app survives: silent, but named with -v */
	char *const quiet[] = {"run", b, "--timeout", "120", "--", "eventfd", "exit0", NULL};
	o = run_lupine(quiet);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "features: eventfd: Function not implemented");
	CHECK_NOT_CONTAINS(o.err, "leaves out");
	cmd_out_free(&o);
	char *const verbose[] = {"run", b, "--verbose", "--timeout", "120", "--", "eventfd", "exit0", NULL};
	o = run_lupine(verbose);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.err, "called eventfd2(), which this kernel leaves out: it needs CONFIG_EVENTFD");
	cmd_out_free(&o);
	free(b);
}

/* lupine build --auto: the recording run on lupine-general derives each
 * option the program used; the kernel built from base + that alone runs it. */
static void test_auto_manifest(void)
{
	static const char *const want[][2] = {
	    {"CONFIG_INOTIFY_USER=y", "inotify_init1() by features"}, {"CONFIG_TIMERFD=y", "timerfd_create() by features"},
	    {"CONFIG_EVENTFD=y", "eventfd2() by features"},           {"CONFIG_POSIX_MQUEUE=y", "mq_open() by features"},
	    {"CONFIG_SYSVIPC=y", "shmget() by features"},
	};
	char *src = features_source();
	char *out = xasprintf("%s/auto.lupine", test_tmpdir()), *frag = xasprintf("%s/manifest.config", out);
	char *const build[] = {"build", src, "--auto", "-o", out, "--", "/bin/features", NULL};
	struct cmd_out o = run_lupine(build);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.err, "manifest: running it with the kernel recording");
	CHECK_CONTAINS(o.out, "manifest.config (derived by --auto)");
	char *text = file_read(frag, NULL);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_CONTAINS(text, want[i][0]);
		CHECK_CONTAINS(text, want[i][1]);
	}
	/* nothing the base kernel has already, and no network for a program without sockets */
	CHECK_NOT_CONTAINS(text, "CONFIG_PRINTK=y");
	CHECK_NOT_CONTAINS(text, "CONFIG_VIRTIO_NET=y");
	cmd_out_free(&o);
	char *const run[] = {"run", out, "--timeout", "120", NULL};
	o = run_lupine(run);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "features: shm: ok");
	CHECK_NOT_CONTAINS(o.out, "Function not implemented");
	cmd_out_free(&o);
	free(text);
	free(src);
	free(out);
	free(frag);
}

/* --prune keeps an option the program fails without and drops one it
 * survives without (each trial is a kernel; base + nothing is base, cached). */
static void test_prune(void)
{
	char *src = features_source(), *frag = xasprintf("%s/pruned.config", test_tmpdir());
	/* it exits 0 without eventfd: dropped */
	char *const survives[] = {"manifest", src, "--prune", "-o", frag, "--", "/bin/features", "eventfd", "exit0", NULL};
	struct cmd_out o = run_lupine(survives);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.err, "without CONFIG_EVENTFD the workload passes: dropped");
	char *text = file_read(frag, NULL);
	CHECK_CONTAINS(text, "# pruned: CONFIG_EVENTFD");
	CHECK_NOT_CONTAINS(text, "CONFIG_EVENTFD=y");
	free(text);
	cmd_out_free(&o);
	/* it exits 1 without eventfd: kept */
	char *const needs[] = {"manifest", src, "--prune", "-o", frag, "--", "/bin/features", "eventfd", NULL};
	o = run_lupine(needs);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.err, "without CONFIG_EVENTFD the workload fails: kept");
	text = file_read(frag, NULL);
	CHECK_CONTAINS(text, "# eventfd2() by features\nCONFIG_EVENTFD=y");
	free(text);
	cmd_out_free(&o);
	free(src);
	free(frag);
}

/* A feature the recording kernel left out and the workload survived is not
 * derived (mariadb's get_mempolicy would bring NUMA, and NUMA SMP, which base
 * rules out); one it used is, and so is a left-out one when the app failed. */
static void test_derive_skips_survived(void)
{
	struct knote v[] = {
		/* a compiled-out call is noted as used (at entry) and as missing (its stub) */
		{.missing = 0, .kind = "syscall", .feature = "get_mempolicy", .option = "CONFIG_NUMA", .comm = "mariadbd", .pid = 30},
		{.missing = 1, .kind = "syscall", .feature = "get_mempolicy", .option = "CONFIG_NUMA", .comm = "mariadbd", .pid = 30},
		{.missing = 0, .kind = "syscall", .feature = "signalfd4", .option = "CONFIG_SIGNALFD", .comm = "postgres", .pid = 31},
	};
	struct knotes k = {.v = v, .n = 3};
	struct kderivation d;
	struct strbuf err = {0};

	CHECK_INT(kderive(NULL, &k, 0, 1, &d, &err), 0);
	char *text = kderive_render(&d, "# test\n", NULL);
	CHECK_CONTAINS(text, "\nCONFIG_SIGNALFD=y\n");
	CHECK_NOT_CONTAINS(text, "CONFIG_NUMA=y");
	CHECK_NOT_CONTAINS(text, "CONFIG_SMP=y");
	CHECK_CONTAINS(text, "# not derived: get_mempolicy (CONFIG_NUMA)");
	free(text);
	/* features in why, the options depending on it in needed_by */
	for (size_t i = 0; i < d.n; i++) {
		CHECK_INT(d.v[i].dependency, d.v[i].why.n == 0);
		CHECK(!d.v[i].dependency || d.v[i].needed_by.n > 0);
		for (size_t j = 0; j < d.v[i].why.n; j++)
			CHECK(!str_starts(d.v[i].why.v[j], "needed by "));
	}
	kderivation_release(&d);

	/* the application failed on the recording kernel: what it lacked may be why */
	struct knote failed[] = {
		{.missing = 0, .kind = "syscall", .feature = "timerfd_create", .option = "CONFIG_TIMERFD", .comm = "features", .pid = 30},
		{.missing = 1, .kind = "syscall", .feature = "timerfd_create", .option = "CONFIG_TIMERFD", .comm = "features", .pid = 30},
	};
	k = (struct knotes){.v = failed, .n = 2};
	CHECK_INT(kderive(NULL, &k, 0, 0, &d, &err), 0);
	text = kderive_render(&d, "# test\n", NULL);
	CHECK_CONTAINS(text, "\nCONFIG_TIMERFD=y\n");
	CHECK_NOT_CONTAINS(text, "not derived");
	free(text);
	kderivation_release(&d);
	sb_release(&err);
}

const struct test diagnose_tests[] = {
    {"diagnose/derive-skips-survived", test_derive_skips_survived, 0},
    {"diagnose/base-features", test_base_features, 1},
    {"diagnose/lock-and-family", test_lock_and_family, 1},
    {"diagnose/quiet-on-success", test_quiet_on_success, 1},
    {"diagnose/auto-manifest", test_auto_manifest, 1},
    {"diagnose/prune", test_prune, 1},
    {0, 0, 0},
};
