/* test_apps.c: applications from Debian's packages, built from their recipes and checked by
 * real clients, each on its own manifest kernel (never only on lupine-general). */
#include "harness.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sources and recipes that cannot be: clear one-line errors before any work. */
static void test_bad_app_sources(void)
{
	struct { const char *src, *msg; } cases[] = {
		{"deb:", "name at least one package"},
		{"deb:nginx,Bad_Name", "'Bad_Name' is not a Debian package name"},
		{"app:nosuch", "no recipe for 'nosuch'"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = xasprintf("%s/bad.lupine", test_tmpdir());
		char *const args[] = {"build", (char *)cases[i].src, "-q", "-o", out, "--", "/bin/true", NULL};
		struct cmd_out o = run_lupine(args);
		CHECK_INT(o.status, 1);
		CHECK_CONTAINS(o.err, cases[i].msg);
		CHECK(!path_exists(out));
		cmd_out_free(&o);
		free(out);
	}
}

/* The recipes every `make test` proves on their own kernels: a web server, a
 * database, a key-value store and a language runtime. */
static void test_own_kernel_matrix(void)
{
	char *dir = xasprintf("%s/apps", test_tmpdir());
	char *const args[] = {"apps", "test", "-o", dir, "nginx", "postgres", "redis", "python", NULL};
	struct cmd_out o = run_lupine(args);
	const char *apps[] = {"nginx", "postgres", "redis", "python"};

	printf("%s", o.out ? o.out : "");
	CHECK_INT(o.status, 0);
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
		char *row = xasprintf("\n%-11s own", apps[i]);
		const char *p = o.out ? strstr(o.out, row) : NULL;
		CHECK(p != NULL);
		if (p)
			CHECK(strstr(p, "pass") && strstr(p, "pass") < strchr(p + 1, '\n'));
		free(row);
	}
	CHECK_CONTAINS(o.out, "4 of 4 applications passed on their own kernels");
	cmd_out_free(&o);
	free(dir);
}

const struct test apps_tests[] = {
	{"apps/bad-sources", test_bad_app_sources, 0},
	{"apps/own-kernel-matrix", test_own_kernel_matrix, 1},
	{0, 0, 0},
};
