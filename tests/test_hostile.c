/* test_hostile.c: hostile images: every way out of the root refused, nothing written outside,
 * bad blobs caught, and no bundle left behind by a refused build. */
#include "harness.h"
#include "imagekit.h"
#include "lib/util.h"
#include "source/source.h"

#include <dirent.h>
#include <sys/stat.h>
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

/* Unpacks an image whose symlinks point out of it: it must apply, with the
 * write landing inside the root at landed, and nothing in outside/. */
static void expect_confined(const char *src, const char *landed)
{
	char *root = tpath("root"), *outside = tpath("outside"), *in = xasprintf("%s/%s", root, landed);
	struct source_info cfg;
	struct strbuf err = {0};
	rm_rf(root);
	mkdir_p(root, 0755);
	CHECK_INT(kit_unpack(src, root, &cfg, &err), 0);
	if (err.len)
		check_fail(__FILE__, __LINE__, "%s", err.buf);
	CHECK(path_exists(in));
	CHECK_INT(dir_count(outside, ""), 0);
	source_info_release(&cfg);
	sb_release(&err);
	free(in);
	free(root);
	free(outside);
}

/* Entries that would land outside the root: refused, or (through symlinks) confined to it. */
static void test_hostile_paths(void)
{
	char *outside = tpath("outside");
	mkdir_p(outside, 0755);
	char *abs_target = xasprintf("%s", outside);

	struct kit_entry dotdot[] = {{'f', "../outside/pwned", "x", 0, 0, 0}};
	char *s = kit_one_layer_oci("dotdot", dotdot, 1);
	expect_refused(s, "has a '..' component");
	free(s);

	struct kit_entry absolute[] = {{'f', "/tmp/lupine-pwned", "x", 0, 0, 0}};
	s = kit_one_layer_oci("absolute", absolute, 1);
	expect_refused(s, "has an absolute path");
	free(s);

	/* a symlink means what it means in the container: an absolute target
	 * starts at the image root, ".." stops there */
	struct kit_entry sym_abs[] = {{'l', "evil", abs_target, 0, 0, 0}, {'f', "evil/pwned", "x", 0, 0, 0}};
	s = kit_one_layer_oci("symabs", sym_abs, 2);
	char *landed = xasprintf("%s/pwned", abs_target);
	expect_confined(s, landed);
	free(landed);
	free(s);

	struct kit_entry sym_rel[] = {{'l', "evil", "../../outside", 0, 0, 0}, {'f', "evil/pwned", "x", 0, 0, 0}};
	s = kit_one_layer_oci("symrel", sym_rel, 2);
	expect_confined(s, "outside/pwned");
	free(s);

	struct kit_entry lib[] = {{'d', "usr/lib", 0, 0, 0, 0}, {'l', "lib", "/usr/lib", 0, 0, 0},
				  {'f', "lib/libx.so", "x", 0, 0, 0}};
	s = kit_one_layer_oci("libusr", lib, 3);
	expect_confined(s, "usr/lib/libx.so");
	free(s);

	struct kit_entry hard[] = {{'h', "pwned", "../outside/secret", 0, 0, 0}};
	s = kit_one_layer_oci("hard", hard, 1);
	expect_refused(s, "hard link to a path outside");
	free(s);

	struct kit_entry hard_sym[] = {{'l', "up", "..", 0, 0, 0}, {'h', "pwned", "up/outside/secret", 0, 0, 0}};
	s = kit_one_layer_oci("hardsym", hard_sym, 2);
	expect_refused(s, "entry 'pwned' is a hard link");
	free(s);

	const char *bad_wh[] = {"etc/.wh.", "etc/.wh..", "etc/.wh.."};
	for (size_t i = 0; i < 2; i++) {
		struct kit_entry wh[] = {{'d', "etc", 0, 0, 0, 0}, {'f', bad_wh[i], "", 0, 0, 0}};
		s = kit_one_layer_oci(i ? "whdotdot" : "whempty", wh, 2);
		expect_refused(s, "is a whiteout of no valid name");
		free(s);
	}

	free(abs_target);
	free(outside);
}

/* Blobs that do not match their digests, are missing or are cut short. */
static void test_hostile_blobs(void)
{
	char *s;

	/* digest mismatch: change a layer blob after the manifest was written */
	struct kit_entry ok[] = {{'f', "hello", "hello", 0, 0, 0}};
	s = kit_one_layer_oci("mismatch", ok, 1);
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
	struct kit_image img = {&layer, 1, "{\"Cmd\":[\"/x\"]}", NULL, NULL};
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
	struct kit_entry dotdot[] = {{'f', "../outside/pwned", "x", 0, 0, 0}};
	char *src = kit_one_layer_oci("dotcli", dotdot, 1), *out = tpath("bad.lupine");
	char *const args[] = {"build", src, "-q", "-o", out, NULL};
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "entry '../outside/pwned'");
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

/* File names are bytes: a UTF-8 pax name (as in Debian's ca-certificates)
 * and a name that is no UTF-8 at all arrive exactly, in the C locale. */
static void test_names_are_bytes(void)
{
	static const char utf8[] = "certs/NetLock_Arany_=Class_Gold=_F\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny.crt";
	static const char latin1[] = "certs/caf\xe9";
	struct kit_entry e[] = {{'f', utf8, "utf8", 0, 0, 0}, {'f', latin1, "latin1", 0, 0, 0}};
	char *src = kit_one_layer_oci("names", e, 2), *root = tpath("root"), *a, *b;
	struct source_info cfg;
	struct strbuf err = {0};

	mkdir_p(root, 0755);
	CHECK_INT(kit_unpack(src, root, &cfg, &err), 0);
	if (err.len)
		check_fail(__FILE__, __LINE__, "%s", err.buf);
	a = xasprintf("%s/%s", root, utf8);
	b = xasprintf("%s/%s", root, latin1);
	char *ta = file_read(a, NULL), *tb = file_read(b, NULL);
	CHECK(ta && !strcmp(ta, "utf8"));
	CHECK(tb && !strcmp(tb, "latin1"));
	source_info_release(&cfg);
	sb_release(&err);
	free(ta);
	free(tb);
	free(a);
	free(b);
	free(root);
	free(src);
}

/* Owner first, then mode: setuid and setgid bits survive the chown. */
static void test_setuid_kept(void)
{
	struct kit_entry e[] = {{'d', "shared", 0, 0, 02775, 0}, {'f', "bin/su", "x", 0, 04755, 0},
				{'f', "bin/wall", "x", 0, 02755, 5}};
	char *src = kit_one_layer_oci("suid", e, 3), *root = tpath("root"), *p;
	struct source_info cfg;
	struct strbuf err = {0};
	struct stat st;

	if (geteuid() != 0) {
		test_skip("needs root to give files their owners");
		free(src);
		free(root);
		return;
	}
	mkdir_p(root, 0755);
	CHECK_INT(kit_unpack(src, root, &cfg, &err), 0);
	p = xasprintf("%s/bin/su", root);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 04755);
	free(p);
	p = xasprintf("%s/bin/wall", root);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 02755 && st.st_gid == 5);
	free(p);
	p = xasprintf("%s/shared", root);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 02775);
	free(p);
	source_info_release(&cfg);
	sb_release(&err);
	free(root);
	free(src);
}

/* A docker archive's outer tar holds blobs, not a layer: ".wh." there is a plain name. */
static void test_docker_outer_plain(void)
{
	struct kit_entry e[] = {{'f', "hello", "hi", 0, 0, 0}};
	const char *layer = kit_layer(test_tmpdir(), "plain.tar", e, 1, 0);
	struct kit_image img = {&layer, 1, "{\"Cmd\":[\"/hello\"]}", NULL, ".wh.layer.tar"};
	char *tar = tpath("outer.tar"), *src = xasprintf("docker-archive:%s", tar), *root = tpath("root");
	struct source_info cfg;
	struct strbuf err = {0};

	kit_docker_archive(tar, &img);
	mkdir_p(root, 0755);
	CHECK_INT(kit_unpack(src, root, &cfg, &err), 0);
	if (err.len)
		check_fail(__FILE__, __LINE__, "%s", err.buf);
	source_info_release(&cfg);
	sb_release(&err);
	free((char *)layer);
	free(tar);
	free(src);
	free(root);
}

/* The image's own /etc/passwd and /etc/group decide ids; lines with empty
 * or out-of-range ids are refused, never read as 0. */
static void test_passwd_lines(void)
{
	struct kit_entry e[] = {
		{'f', "etc/passwd", "app::1000:1001::/:\nempty:x::5::/:\nhuge:x:99999999999:1::/:\nnogid:x:7\n", 0, 0, 0},
		{'f', "etc/group", "grp:x:42:\nbadgrp:x:-3:\n", 0, 0, 0}};
	char *src = kit_one_layer_oci("passwd", e, 2), *root = tpath("root");
	struct source_info cfg;
	struct strbuf err = {0};
	struct source_user u = {0};

	mkdir_p(root, 0755);
	CHECK_INT(kit_unpack(src, root, &cfg, &err), 0);
	CHECK_INT(kit_resolve_user(root, "app", &u, &err), 0);
	CHECK(u.uid == 1000 && u.gid == 1001);
	CHECK_INT(kit_resolve_user(root, "app:grp", &u, &err), 0);
	CHECK(u.uid == 1000 && u.gid == 42);
	CHECK_INT(kit_resolve_user(root, "77:78", &u, &err), 0);
	CHECK(u.uid == 77 && u.gid == 78 && !u.groups.n);
	const char *bad[] = {"empty", "huge", "nogid", "app:badgrp", "nobody", "4294967295", "app:nogroup"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sb_release(&err);
		if (kit_resolve_user(root, bad[i], &u, &err) != -1 || !err.len)
			check_fail(__FILE__, __LINE__, "user '%s' accepted as %ld:%ld", bad[i], u.uid, u.gid);
	}
	strlist_release(&u.groups);
	source_info_release(&cfg);
	sb_release(&err);
	free(root);
	free(src);
}

const struct test hostile_tests[] = {
	{"hostile/names-are-bytes", test_names_are_bytes, 0},
	{"hostile/setuid-kept", test_setuid_kept, 0},
	{"hostile/docker-outer-plain", test_docker_outer_plain, 0},
	{"hostile/passwd-lines", test_passwd_lines, 0},
	{"hostile/paths-refused", test_hostile_paths, 0},
	{"hostile/blobs-refused", test_hostile_blobs, 0},
	{"hostile/cli-no-bundle", test_hostile_cli, 0},
	{0, 0, 0},
};
