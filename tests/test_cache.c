/* test_cache.c: the cache cannot be planted: where its root is, roots and directories
 * that are not the user's or that others can write, unfinished or planted source
 * trees, and cached kernels changed after they were built. */
#include "harness.h"
#include "kernel/kcache.h"
#include "lib/cache.h"
#include "lib/util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OTHER_UID 65534 /* nobody: the owner of what another user planted */

/* Whether s is one line ending in a newline. */
static int one_line(const char *s)
{
	return s && *s && strchr(s, '\n') == s + strlen(s) - 1;
}

/* cache_root_pick on envp for euid: its answer, or "ERR: message". Caller frees. */
static char *pick(char *const *envp, uid_t euid)
{
	struct strbuf err = {0};
	char *root = cache_root_pick(envp, euid, &err);

	if (!root)
		root = xasprintf("ERR: %s", err.buf ? err.buf : "(no message)");
	sb_release(&err);
	return root;
}

static void check_pick(char *const *envp, uid_t euid, const char *want)
{
	char *got = pick(envp, euid);
	CHECK_CONTAINS(got, want);
	CHECK_INT(strlen(got), strlen(want));
	free(got);
}

static void test_root_default(void)
{
	char *none[] = {NULL};
	char *empty[] = {"HOME=", "XDG_CACHE_HOME=", "LUPINE_CACHE=", "HOMEDIR=/h", NULL};
	char *home[] = {"PATH=/bin", "HOME=/h", NULL};
	char *xdg[] = {"HOME=/h", "XDG_CACHE_HOME=/x", NULL};
	char *all[] = {"HOME=/h", "XDG_CACHE_HOME=/x", "LUPINE_CACHE=/l", NULL};

	/* root without a home (containerd under systemd): its own place, not /var/tmp */
	check_pick(none, 0, "/var/cache/lupine");
	check_pick(NULL, 0, "/var/cache/lupine");
	check_pick(empty, 0, "/var/cache/lupine");
	check_pick(home, 0, "/h/.cache/lupine");
	check_pick(xdg, 0, "/x/lupine");
	check_pick(all, 0, "/l");
	check_pick(home, 1000, "/h/.cache/lupine");
	check_pick(all, 1000, "/l");
	/* anyone else without a home is asked for LUPINE_CACHE, in one line */
	char *err = pick(empty, 1000);
	CHECK_CONTAINS(err, "ERR: no cache directory");
	CHECK_CONTAINS(err, "set LUPINE_CACHE to a directory of your own");
	CHECK(!strchr(err, '\n'));
	free(err);
}

/* cache_check's message on path (type), "(missing)", or NULL when it is accepted. */
static char *refusal(const char *path, mode_t type)
{
	struct strbuf err = {0};
	int r = cache_check(path, type, &err);

	if (r == 0)
		sb_addf(&err, "(missing)");
	if (r == 1)
		sb_release(&err);
	return r == 1 ? NULL : sb_detach(&err);
}

static void test_root_writable(void)
{
	static const mode_t open_modes[] = {0775, 0757, 0777, 0720, 0702};
	char *root = xasprintf("%s/cache", test_tmpdir());
	struct strbuf err = {0};

	CHECK_INT(cache_mkdir(root, 1, &err), 0);
	CHECK(refusal(root, S_IFDIR) == NULL);
	for (size_t i = 0; i < ARRAY_SIZE(open_modes); i++) {
		chmod(root, open_modes[i]);
		char *why = refusal(root, S_IFDIR);
		CHECK_CONTAINS(why, root);
		CHECK_CONTAINS(why, "others can write to it");
		CHECK_CONTAINS(why, "chmod go-w");
		CHECK_INT(cache_mkdir(root, 1, &err), -1);
		free(why);
	}
	chmod(root, 0700);
	CHECK(refusal(root, S_IFDIR) == NULL);
	sb_release(&err);
	free(root);
}

static void test_foreign_and_links(void)
{
	char *dir = xasprintf("%s/theirs", test_tmpdir()), *file = xasprintf("%s/f", dir);
	char *link = xasprintf("%s/link", test_tmpdir());

	if (geteuid() != 0) {
		test_skip("needs root to give a directory to another uid");
		goto out;
	}
	CHECK_INT(mkdir(dir, 0755), 0);
	CHECK_INT(file_write_atomic(file, "x", 1, 0644), 0);
	CHECK_INT(chown(file, OTHER_UID, OTHER_UID), 0);
	char *why = refusal(file, S_IFREG);
	CHECK_CONTAINS(why, "refusing cache file");
	CHECK_CONTAINS(why, "belongs to uid 65534");
	free(why);
	CHECK_INT(chown(dir, OTHER_UID, OTHER_UID), 0);
	why = refusal(dir, S_IFDIR);
	CHECK_CONTAINS(why, "refusing cache directory");
	CHECK_CONTAINS(why, "belongs to uid 65534");
	free(why);
	/* a symbolic link where a directory belongs, even to one of ours */
	CHECK_INT(symlink(test_tmpdir(), link), 0);
	CHECK_CONTAINS((why = refusal(link, S_IFDIR)), "it is a symbolic link");
	free(why);
	CHECK_CONTAINS((why = refusal(file, S_IFDIR)), "it is a file");
	free(why);
out:
	free(link);
	free(file);
	free(dir);
}

/* A tarball of a two-file "kernel tree" whose make only appends "tarball" to stamp. */
static char *tiny_tarball(const char *stamp)
{
	char *top = xasprintf("%s/t", test_tmpdir()), *linux = xasprintf("%s/linux", top);
	char *mk = xasprintf("%s/Makefile", linux), *kc = xasprintf("%s/Kconfig", linux);
	char *rules = xasprintf("allnoconfig olddefconfig:\n\t@echo tarball >> %s\n", stamp);
	char *tar = xasprintf("%s/tiny.tar", test_tmpdir());
	char *argv[] = {"tar", "-cf", tar, "-C", top, "linux", NULL};

	mkdir_p(linux, 0755);
	CHECK_INT(file_write_atomic(mk, rules, strlen(rules), 0644), 0);
	CHECK_INT(file_write_atomic(kc, "# nothing\n", 10, 0644), 0);
	struct cmd_out o = run_capture(argv, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	free(rules);
	free(kc);
	free(mk);
	free(linux);
	free(top);
	return tar;
}

/* `lupine kernel --baseline microvm --source tar --print-config` on the cache
 * root: a config resolved by running make in the unpacked tree. */
static struct cmd_out print_config(const char *root, const char *tar)
{
	char *env_cache = xasprintf("LUPINE_CACHE=%s", root), *env[] = {env_cache, NULL};
	char *argv[] = {(char *)lupine_bin(), "kernel", "--baseline", "microvm", "--source", (char *)tar,
			"--print-config", "-q", NULL};
	struct cmd_out o = run_capture(argv, env);

	free(env_cache);
	return o;
}

/* A root others can write, or a directory in it of another user's: lupine
 * stops before using it, in one line that names it and says what to do. */
static void test_refused_by_lupine(void)
{
	char *root = xasprintf("%s/cache", test_tmpdir()), *trees = xasprintf("%s/trees", root);
	char *stamp = xasprintf("%s/stamp", test_tmpdir()), *tar = tiny_tarball(stamp);

	CHECK_INT(mkdir(root, 0777), 0);
	chmod(root, 0777);
	struct cmd_out o = print_config(root, tar);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "refusing cache directory");
	CHECK_CONTAINS(o.err, root);
	CHECK(one_line(o.err));
	CHECK(!path_exists(trees) && !path_exists(stamp));
	cmd_out_free(&o);
	chmod(root, 0755);
	if (geteuid() == 0) {
		CHECK_INT(mkdir(trees, 0755), 0);
		CHECK_INT(chown(trees, OTHER_UID, OTHER_UID), 0);
		o = print_config(root, tar);
		CHECK_INT(o.status, 1);
		CHECK_CONTAINS(o.err, trees);
		CHECK_CONTAINS(o.err, "belongs to uid 65534");
		CHECK(one_line(o.err));
		CHECK(!path_exists(stamp));
		cmd_out_free(&o);
	}
	free(tar);
	free(stamp);
	free(trees);
	free(root);
}

/* The one entry of dir not starting with '.', or NULL. Caller frees. */
static char *only_entry(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *found = NULL;
	int n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && ++n == 1)
			found = xasprintf("%s/%s", dir, de->d_name);
	if (d)
		closedir(d);
	if (n != 1) {
		free(found);
		found = NULL;
	}
	return found;
}

/* Takes the marker off the unpacked tree and gives it a Makefile that appends "planted" to stamp. */
static void plant(const char *tree, const char *stamp)
{
	char *done = xasprintf("%s/.lupine-done", tree), *mk = xasprintf("%s/linux/Makefile", tree);
	char *rules = xasprintf("allnoconfig olddefconfig:\n\t@echo planted >> %s\n", stamp);

	CHECK_INT(unlink(done), 0);
	CHECK_INT(file_write_atomic(mk, rules, strlen(rules), 0644), 0);
	unlink(stamp);
	free(rules);
	free(mk);
	free(done);
}

/* An unpacked tree is used only with the marker written last when lupine
 * made it: without it, one of ours is made again, anyone else's refused. */
static void test_planted_tree(void)
{
	char *root = xasprintf("%s/cache", test_tmpdir()), *trees = xasprintf("%s/trees", root);
	char *stamp = xasprintf("%s/stamp", test_tmpdir()), *tar = tiny_tarball(stamp), *tree, *ran;

	struct cmd_out o = print_config(root, tar);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	if (!(tree = only_entry(trees))) {
		check_fail(__FILE__, __LINE__, "no unpacked tree in '%s'", trees);
		goto out;
	}
	plant(tree, stamp);
	o = print_config(root, tar);
	CHECK_INT(o.status, 0);
	ran = file_read(stamp, NULL);
	CHECK_CONTAINS(ran, "tarball");
	CHECK_NOT_CONTAINS(ran, "planted");
	free(ran);
	cmd_out_free(&o);
	if (geteuid() == 0) {
		plant(tree, stamp);
		CHECK_INT(chown(tree, OTHER_UID, OTHER_UID), 0);
		o = print_config(root, tar);
		CHECK_INT(o.status, 1);
		CHECK_CONTAINS(o.err, tree);
		CHECK_CONTAINS(o.err, "belongs to uid 65534");
		CHECK(one_line(o.err));
		CHECK(!path_exists(stamp));
		cmd_out_free(&o);
	}
	free(tree);
out:
	free(tar);
	free(stamp);
	free(trees);
	free(root);
}

/* DIR/NAME with text. */
static void write_file(const char *dir, const char *name, const char *text)
{
	char *p = kcache_file(dir, name);
	CHECK_INT(file_write_atomic(p, text, strlen(text), 0644), 0);
	free(p);
}

/* A cache entry as kbuild stores one, for the config text config of src. */
static char *fake_entry(struct kbuild_req *req, struct kbuild_result *res, const char *config)
{
	static const char *const files[] = {"bzImage", "vmlinux", "build.log"};
	char *dir;

	memset(res, 0, sizeof(*res));
	kcache_config_hash(req, config, res->hash);
	dir = xasprintf("%s/kernels/%s", test_tmpdir(), res->hash);
	CHECK_INT(mkdir_p(dir, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		write_file(dir, files[i], files[i]);
	write_file(dir, "config", config);
	CHECK_INT(kcache_info_write(dir, res, req), 0);
	return dir;
}

/* kcache_open on dir for a fresh result with hash: 1, 0 or -1 (message in why). */
static int open_entry(const struct kbuild_req *req, const char *hash, const char *dir, char **why)
{
	struct kbuild_result res = {0};
	struct strbuf err = {0};
	int r;

	memcpy(res.hash, hash, 65);
	r = kcache_open(&res, req, dir, &err);
	kbuild_result_release(&res);
	free(*why);
	*why = sb_detach(&err);
	return r;
}

static void test_tampered_kernel(void)
{
	struct ksource src = {.tree = "/nonexistent", .version = "6.1.0", .identity = "test-source"};
	struct kbuild_req req = {.src = &src, .label = "test"};
	struct kbuild_result res;
	char *dir = fake_entry(&req, &res, "CONFIG_A=y\n"), *why = NULL, *info;

	CHECK_INT(open_entry(&req, res.hash, dir, &why), 1);
	info = kcache_file(dir, "info.json");
	char *text = file_read(info, NULL);
	CHECK_CONTAINS(text, "bzimage_sha256");
	free(text);
	/* a bzImage swapped after the build: refused, saying how to remove it */
	write_file(dir, "bzImage", "another kernel");
	CHECK_INT(open_entry(&req, res.hash, dir, &why), -1);
	CHECK_CONTAINS(why, "was changed after it was built");
	CHECK_CONTAINS(why, "bzImage's SHA-256");
	CHECK_CONTAINS(why, dir);
	CHECK_CONTAINS(why, "rm -r");
	CHECK(why && !strchr(why, '\n'));
	write_file(dir, "bzImage", "bzImage");
	CHECK_INT(open_entry(&req, res.hash, dir, &why), 1);
	/* a config that is not the one the entry is named after */
	write_file(dir, "config", "CONFIG_B=y\n");
	CHECK_INT(open_entry(&req, res.hash, dir, &why), -1);
	CHECK_CONTAINS(why, "its config no longer hashes to its name");
	write_file(dir, "config", "CONFIG_A=y\n");
	CHECK_INT(open_entry(&req, res.hash, dir, &why), 1);
	if (geteuid() == 0) {
		char *bz = kcache_file(dir, "bzImage");
		CHECK_INT(chown(bz, OTHER_UID, OTHER_UID), 0);
		CHECK_INT(open_entry(&req, res.hash, dir, &why), -1);
		CHECK_CONTAINS(why, "belongs to uid 65534");
		free(bz);
	}
	free(info);
	free(why);
	free(dir);
}

/* Entries built before bzImage (and vmlinux) hashes were recorded are taken
 * on their config hash and get their images' recorded then; from there on a change is caught. */
static void test_old_entry(void)
{
	struct ksource src = {.tree = "/nonexistent", .version = "6.1.0", .identity = "test-source"};
	struct kbuild_req req = {.src = &src, .label = "test"};
	struct kbuild_result res;
	char *dir = fake_entry(&req, &res, "CONFIG_A=y\n"), *why = NULL;
	char *old = xasprintf("{\"hash\": \"%s\", \"label\": \"test\", \"bzimage_bytes\": 7, \"text\": 1, "
			      "\"data\": 1, \"bss\": 1, \"options_y\": 1, \"build_sec\": 1.0}\n", res.hash);

	write_file(dir, "info.json", old);
	CHECK_INT(open_entry(&req, res.hash, dir, &why), 1);
	char *info = kcache_file(dir, "info.json"), *text = file_read(info, NULL);
	CHECK_CONTAINS(text, "bzimage_sha256");
	CHECK_CONTAINS(text, "vmlinux_sha256");
	write_file(dir, "vmlinux", "another kernel"); /* it boots too (PVH): checked as the bzImage is */
	CHECK_INT(open_entry(&req, res.hash, dir, &why), -1);
	CHECK_CONTAINS(why, "was changed after it was built (its vmlinux's SHA-256");
	/* a build killed before its info.json: incomplete, to be made again */
	unlink(info);
	CHECK_INT(open_entry(&req, res.hash, dir, &why), 0);
	free(text);
	free(info);
	free(old);
	free(why);
	free(dir);
}

const struct test cache_tests[] = {
	{"cache/root-default", test_root_default, 0},
	{"cache/root-writable-refused", test_root_writable, 0},
	{"cache/foreign-or-link-refused", test_foreign_and_links, 0},
	{"cache/refused-by-lupine", test_refused_by_lupine, 0},
	{"cache/planted-tree-not-used", test_planted_tree, 0},
	{"cache/tampered-kernel-refused", test_tampered_kernel, 0},
	{"cache/old-entry-hash-recorded", test_old_entry, 0},
	{0, 0, 0},
};
