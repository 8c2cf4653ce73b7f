/* test_hostile.c: hostile images: every way out of the root refused, nothing written outside,
 * bad blobs caught, and no bundle left behind by a refused build. */
#include "harness.h"
#include "imagekit.h"
#include "lib/util.h"
#include "source/source.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *tpath(const char *name)
{
	return xasprintf("%s/%s", test_tmpdir(), name);
}

/* Unpacks a hostile image; it must fail with msg and leave outside/ empty. */
static void expect_refused(const char *src, const char *msg)
{
	char *root = tpath("root"), *outside = tpath("outside");
	struct source_info cfg;
	struct strbuf err = {0};
	rm_rf(root);
	mkdir_p(root, 0755);
	CHECK_INT(kit_unpack(src, root, &cfg, &err), -1);
	CHECK_CONTAINS(err.buf, msg);
	DIR *d = opendir(outside);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	CHECK_INT(n, 0);
	CHECK(!path_exists("/tmp/lupine-pwned"));
	source_info_release(&cfg);
	sb_release(&err);
	free(root);
	free(outside);
}

static char *one_layer_oci(const char *name, const struct kit_entry *e, size_t n)
{
	char *dir = tpath(name), *lname = xasprintf("%s.tar.gz", name);
	const char *layer = kit_layer(test_tmpdir(), lname, e, n, 1);
	struct kit_image img = {&layer, 1, "{\"Cmd\":[\"/x\"]}", NULL};
	kit_oci(dir, &img);
	char *src = xasprintf("oci:%s", dir);
	free((char *)layer);
	free(lname);
	free(dir);
	return src;
}

/* Entries that would land outside the root: refused, nothing written outside. */
static void test_hostile_paths(void)
{
	char *outside = tpath("outside");
	mkdir_p(outside, 0755);
	char *abs_target = xasprintf("%s", outside);

	struct kit_entry dotdot[] = {{'f', "../outside/pwned", "x", 0, 0, 0}};
	char *s = one_layer_oci("dotdot", dotdot, 1);
	expect_refused(s, "has a '..' component");
	free(s);

	struct kit_entry absolute[] = {{'f', "/tmp/lupine-pwned", "x", 0, 0, 0}};
	s = one_layer_oci("absolute", absolute, 1);
	expect_refused(s, "has an absolute path");
	free(s);

	struct kit_entry sym_abs[] = {{'l', "evil", abs_target, 0, 0, 0}, {'f', "evil/pwned", "x", 0, 0, 0}};
	s = one_layer_oci("symabs", sym_abs, 2);
	expect_refused(s, "entry 'evil/pwned'");
	free(s);

	struct kit_entry sym_rel[] = {{'l', "evil", "../outside", 0, 0, 0}, {'f', "evil/pwned", "x", 0, 0, 0}};
	s = one_layer_oci("symrel", sym_rel, 2);
	expect_refused(s, "entry 'evil/pwned'");
	free(s);

	struct kit_entry hard[] = {{'h', "pwned", "../outside/secret", 0, 0, 0}};
	s = one_layer_oci("hard", hard, 1);
	expect_refused(s, "hard link to a path outside");
	free(s);

	struct kit_entry hard_sym[] = {{'l', "up", "..", 0, 0, 0}, {'h', "pwned", "up/outside/secret", 0, 0, 0}};
	s = one_layer_oci("hardsym", hard_sym, 2);
	expect_refused(s, "entry 'pwned' is a hard link");
	free(s);

	free(abs_target);
	free(outside);
}

/* Blobs that do not match their digests, are missing or are cut short. */
static void test_hostile_blobs(void)
{
	char *s;

	/* digest mismatch: change a layer blob after the manifest was written */
	struct kit_entry ok[] = {{'f', "hello", "hello", 0, 0, 0}};
	s = one_layer_oci("mismatch", ok, 1);
	{
		char *blob = NULL, *dir = tpath("mismatch/blobs/sha256");
		DIR *d = opendir(dir);
		struct dirent *de;
		char *layer = tpath("mismatch.tar.gz");
		char *ld = kit_digest(layer);
		while (d && (de = readdir(d)))
			if (!strcmp(de->d_name, ld + 7))
				blob = xasprintf("%s/%s", dir, de->d_name);
		closedir(d);
		CHECK(blob != NULL);
		if (blob)
			file_write_atomic(blob, "tampered", 8, 0644);
		expect_refused(s, "digest mismatch for layer");
		/* missing blob */
		if (blob)
			unlink(blob);
		expect_refused(s, "image is missing layer");
		free(blob);
		free(dir);
		free(layer);
		free(ld);
	}
	free(s);

	/* truncated layer whose digest matches what is there: caught while reading */
	struct kit_entry big[] = {{'f', "big", NULL, "/usr/bin/redis-check-rdb", 0755, 0}, {'f', "after", "x", 0, 0, 0}};
	char *lp = kit_layer(test_tmpdir(), "trunc.tar.gz", big, 2, 1);
	size_t len;
	char *data = file_read(lp, &len);
	file_write_atomic(lp, data, len / 2, 0644);
	const char *layer = lp;
	struct kit_image img = {&layer, 1, "{\"Cmd\":[\"/x\"]}", NULL};
	char *dir = tpath("trunc");
	kit_oci(dir, &img);
	s = xasprintf("oci:%s", dir);
	expect_refused(s, "truncated or corrupt");
	free(s);
	free(dir);
	free(data);
	free(lp);
}

/* A hostile image through the CLI: one-line error, no bundle, nothing outside. */
static void test_hostile_cli(void)
{
	char *outside = tpath("outside");
	mkdir_p(outside, 0755);
	struct kit_entry sym_rel[] = {{'l', "evil", "../outside", 0, 0, 0}, {'f', "evil/pwned", "x", 0, 0, 0}};
	char *src = one_layer_oci("symcli", sym_rel, 2), *out = tpath("bad.lupine");
	char *const args[] = {"build", src, "-q", "-o", out, NULL};
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "entry 'evil/pwned'");
	CHECK(strchr(o.err, '\n') == strrchr(o.err, '\n'));
	CHECK(!path_exists(out));
	DIR *d = opendir(test_tmpdir());
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (str_starts(de->d_name, "bad.lupine"))
			check_fail(__FILE__, __LINE__, "left behind: %s", de->d_name);
	if (d)
		closedir(d);
	char *pw = tpath("outside/pwned");
	CHECK(!path_exists(pw));
	cmd_out_free(&o);
	free(pw);
	free(src);
	free(out);
	free(outside);
}

const struct test hostile_tests[] = {
	{"hostile/paths-refused", test_hostile_paths, 0},
	{"hostile/blobs-refused", test_hostile_blobs, 0},
	{"hostile/cli-no-bundle", test_hostile_cli, 0},
	{0, 0, 0},
};
