/* test_apps.c: applications from Debian's packages, built from their recipes and checked by
 * real clients, each on its own manifest kernel (never only on lupine-general). */
#include "apps/recipe.h"
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

/* A recipe's memory is what lupine run -m takes (16 MiB to 1 TiB, or none),
 * its check's timeout a positive time, its build command not empty: the
 * values fuzz/regressions/recipe/ holds were taken as they were (-56 MiB;
 * 4294967312 wrapped to 16; "build": {"run": ""}, a recipe with nothing to
 * run). Every shipped recipe still loads. */
static void test_recipe_fields(void)
{
	static const char *const bad[] = {"\"memory\": -56", "\"memory\": 8", "\"memory\": 4294967312",
					  "\"memory\": 1048577", "\"check\": {\"expect\": \"x\", \"timeout\": 0}",
					  "\"check\": {\"expect\": \"x\", \"timeout\": -1}"};
	static const char *const good[] = {"\"memory\": 16", "\"memory\": 1048576", "\"memory\": 0",
					   "\"check\": {\"expect\": \"x\", \"timeout\": 0.5}"};
	struct strbuf err = {0};
	struct strlist names = {0};
	struct recipe r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) + sizeof(good) / sizeof(good[0]); i++) {
		int ok = i >= sizeof(bad) / sizeof(bad[0]);
		const char *field = ok ? good[i - sizeof(bad) / sizeof(bad[0])] : bad[i];
		int check = !strncmp(field, "\"check\"", 7);
		char *text = xasprintf("{\"source\": \"deb:x\", \"cmd\": [\"/x\"], %s%s}", field,
				       check ? "" : ", \"check\": {\"expect\": \"x\"}");
		sb_release(&err);
		int got = recipe_parse("t", text, &r, &err);
		CHECK_INT(got, ok ? 0 : -1);
		if (got == 0)
			recipe_release(&r);
		if (!ok)
			CHECK_CONTAINS(err.buf, check ? "timeout" : "memory");
		free(text);
	}
	for (int run = 0; run <= 1; run++) {
		char *text = xasprintf("{\"source\": \"build:prog\", \"build\": {\"run\": \"%s\", \"files\": {}}, "
				       "\"check\": {\"expect\": \"x\"}}", run ? "cc -o prog prog.c" : "");
		sb_release(&err);
		int got = recipe_parse("t", text, &r, &err);
		CHECK_INT(got, run ? 0 : -1);
		if (got == 0)
			recipe_release(&r);
		if (!run)
			CHECK_CONTAINS(err.buf, "build.run");
		free(text);
	}
	recipe_names(&names);
	CHECK(names.n > 0);
	for (size_t i = 0; i < names.n; i++) {
		CHECK_INT(recipe_load(names.v[i], &r, &err), 0);
		recipe_release(&r);
	}
	strlist_release(&names);
	sb_release(&err);
}

/* `lupine apps test` of apps, on their own kernels or on lupine-general: each
 * row says pass. */
static void check_matrix(const char *const *apps, size_t n, int general)
{
	char *dir = xasprintf("%s/apps-%s", test_tmpdir(), general ? "general" : "own");
	char *args[32] = {"apps", "test", "-o", dir};
	int k = 4;

	if (general)
		args[k++] = "--general";
	for (size_t i = 0; i < n && k < 31; i++)
		args[k++] = (char *)apps[i];
	struct cmd_out o = run_lupine(args);
	printf("%s", o.out ? o.out : "");
	CHECK_INT(o.status, 0);
	for (size_t i = 0; i < n; i++) {
		char *row = xasprintf("\n%-11s %s", apps[i], general ? "general" : "own");
		const char *p = o.out ? strstr(o.out, row) : NULL;
		CHECK(p != NULL);
		if (p)
			CHECK(strstr(p, "pass") && strstr(p, "pass") < strchr(p + 1, '\n'));
		free(row);
	}
	char *total = xasprintf("%zu of %zu applications passed on %s kernels", n, n, general ? "the general" : "their own");
	CHECK_CONTAINS(o.out, total);
	free(total);
	cmd_out_free(&o);
	free(dir);
}

/* The recipes every `make test` proves on their own kernels: a web server
 * and a key-value store. `make test-apps` runs them all; CI keeps to these
 * two (each own kernel cost ~7 min in a cold .ci/run of 72 min, which had
 * postgres and python here too). */
static void test_own_kernel_matrix(void)
{
	const char *apps[] = {"nginx", "redis"};
	check_matrix(apps, 2, 0);
}

/* Other recipes on lupine-general, which the suite builds anyway: their
 * roots cost a few minutes of mmdebstrap cold, their own kernels would cost
 * ~7 min each (`make test-apps` runs every recipe on its own kernel).
 * openjdk, rabbitmq and wordpress, the largest roots and slowest to answer
 * (30-75 s), are left to `make test-apps`. */
static void test_general_matrix(void)
{
	const char *apps[] = {"golang", "hello-world", "memcached", "haproxy", "httpd", "influxdb", "mariadb",
			      "mysql", "node", "php", "postgres", "python"};
	check_matrix(apps, sizeof(apps) / sizeof(apps[0]), 1);
}

const struct test apps_tests[] = {
	{"apps/bad-sources", test_bad_app_sources, 0},
	{"apps/recipe-fields", test_recipe_fields, 0},
	{"apps/own-kernel-matrix", test_own_kernel_matrix, 1},
	{"apps/general-matrix", test_general_matrix, 1},
	{0, 0, 0},
};
