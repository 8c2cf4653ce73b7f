/* runner.c: runs the test tables, prints one line per test and the closing
 * "N passed, N failed, N skipped" line; exits 1 when anything failed.
 * usage: runner [SUBSTRING]...   (run only tests whose name contains one;
 *        a TEST_MANUAL test runs only when named in full) */
#include "harness.h"
#include "lib/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct test *const tables[] = {unit_tests, structure_tests, kconfig_tests, guest_tests, channel_tests, kfeature_tests, manifest_tests, cache_tests, kernel_tests, diagnose_tests, run_tests, stdio_tests, vmm_tests, image_tests, registry_tests, hostile_tests, hostile_cli_tests, lifecycle_tests, apps_tests, kml_tests, bench_tests, oci_tests, volumes_fast_tests, runc_tests, volumes_vm_tests, containerd_tests, process_tests, hooks_tests, hooks_runc_tests, docker_tests, net_tests, cni_tests, tty_tests, cri_tests, cri_sandbox_tests, cri_cold_tests, exec_tests, warm_tests};

static int failures, skipped;
static char *skip_reason, *tmpdir;

void check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

void test_skip(const char *reason)
{
	free(skip_reason);
	skip_reason = xstrdup(reason);
	skipped = 1;
}

const char *test_tmpdir(void)
{
	if (!tmpdir) {
		char t[] = "/tmp/lupine-test-XXXXXX";
		if (!mkdtemp(t))
			die("cannot create a temporary directory");
		tmpdir = xstrdup(t);
	}
	return tmpdir;
}

const char *lupine_bin(void)
{
	const char *b = getenv("LUPINE_BIN");
	return b && *b ? b : "./lupine";
}

static int selected(const struct test *tc, int argc, char **argv)
{
	if (argc < 2)
		return tc->slow != TEST_MANUAL;
	for (int i = 1; i < argc; i++)
		if (tc->slow == TEST_MANUAL ? !strcmp(tc->name, argv[i]) : !!strstr(tc->name, argv[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, nskipped = 0;
	int fast = getenv("LUPINE_TEST_FAST") && *getenv("LUPINE_TEST_FAST") == '1';

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		for (const struct test *tc = tables[t]; tc->name; tc++) {
			if (!selected(tc, argc, argv))
				continue;
			if (tc->slow && fast) {
				printf("SKIP %s: LUPINE_TEST_FAST=1\n", tc->name);
				nskipped++;
				continue;
			}
			failures = skipped = 0;
			double t0 = now_sec();
			printf("RUN  %s\n", tc->name);
			tc->fn();
			double dt = now_sec() - t0;
			if (tmpdir) {
				if (getenv("LUPINE_TEST_KEEP"))
					printf("     kept %s\n", tmpdir);
				else
					rm_rf(tmpdir);
				free(tmpdir);
				tmpdir = NULL;
			}
			if (failures) {
				printf("FAIL %s (%.1fs)\n", tc->name, dt);
				failed++;
			} else if (skipped) {
				printf("SKIP %s: %s\n", tc->name, skip_reason);
				nskipped++;
			} else {
				printf("PASS %s (%.1fs)\n", tc->name, dt);
				passed++;
			}
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, nskipped);
	return failed ? 1 : 0;
}
