/* test_bench.c: the comparison kernels (baselines) and `lupine bench report`. */
#include "harness.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct cmd_out print_config(const char *baseline, char *const env[])
{
	char *argv[] = {(char *)lupine_bin(), "kernel", "--baseline", (char *)baseline, "--print-config", NULL};
	return run_capture(argv, env);
}

static int count_y(const char *config)
{
	int n = 0;
	for (const char *p = config; p && (p = strstr(p, "=y\n")); p += 3)
		n++;
	return n;
}

/* Both baselines resolve to their own configs with Lupine's additions, from
 * the tree without Lupine's patches. */
static void test_baseline_configs(void)
{
	struct cmd_out mv = print_config("microvm", NULL), deb = print_config("debian", NULL);

	CHECK_INT(mv.status, 0);
	CHECK_CONTAINS(mv.out, "\nCONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y\n");
	CHECK_CONTAINS(mv.out, "\n# CONFIG_MODULES is not set\n");
	/* Firecracker's file sets 1238 options to y; olddefconfig may move a few */
	CHECK(count_y(mv.out) > 1200 && count_y(mv.out) < 1280);
	CHECK_INT(deb.status, 0);
	CHECK_CONTAINS(deb.out, "\nCONFIG_VIRTIO_BLK=y\n");
	CHECK_CONTAINS(deb.out, "\nCONFIG_EXT4_FS=y\n");
	CHECK_CONTAINS(deb.out, "\nCONFIG_MODULES=y\n");
	CHECK_CONTAINS(deb.out, "\nCONFIG_DEBUG_INFO_NONE=y\n");
	CHECK(count_y(deb.out) > 2400);
	cmd_out_free(&mv);
	cmd_out_free(&deb);
}

static void test_baseline_errors(void)
{
	char *env[] = {"LUPINE_DEBIAN_CONFIG=/nonexistent/config.xz", NULL};
	struct cmd_out o = print_config("debian", env);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "/nonexistent/config.xz");
	CHECK_CONTAINS(o.err, "linux-config-6.1");
	CHECK_INT(strlen(o.out), 0);
	cmd_out_free(&o);

	o = print_config("fedora", NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "unknown baseline 'fedora'; the baselines are microvm, debian");
	cmd_out_free(&o);

	char *with_app[] = {"kernel", "--baseline", "microvm", "--app", "redis", NULL};
	o = run_lupine(with_app);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "complete config of its own");
	cmd_out_free(&o);
}

const struct test bench_tests[] = {
	{"bench/baseline-configs", test_baseline_configs, 0},
	{"bench/baseline-errors", test_baseline_errors, 0},
	{0, 0, 0},
};
