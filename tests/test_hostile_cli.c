/* test_hostile_cli.c: hostile input through the command line: images whose symlinks point at
 * the host, built as root in both formats and read back in the guest; lying ELF files; bad numbers;
 * a comma in a path QEMU is given; Debian package names that are apt options and a bundle
 * path that mke2fs could take for options; bundles whose files are links to host files,
 * FIFOs, devices. */
#include "harness.h"
#include "imagekit.h"
#include "lib/util.h"
#include "rootfs/rootfs.h"
#include "source/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char *tpath(const char *name)
{
	return xasprintf("%s/%s", test_tmpdir(), name);
}

/* An image whose symlinks point at a host directory (the sentinel), with
 * lib -> /usr/lib and a UTF-8 file name, as an OCI layout. */
static char *escaping_image(const char *sentinel)
{
	static const char cert[] = "certs/F\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny.crt";
	struct kit_entry e[] = {
		{'l', "etc", sentinel, 0, 0, 0},          {'l', "trusted", sentinel, 0, 0, 0},
		{'d', "bin", 0, 0, 0, 0},                 {'f', "bin/probe", NULL, "build/testguest/probe", 0755, 0},
		{'d', "usr/lib", 0, 0, 0, 0},             {'l', "lib", "/usr/lib", 0, 0, 0},
		{'f', "lib/marker", "from-lib", 0, 0, 0}, {'f', cert, "cert-bytes", 0, 0, 0},
	};
	char *dir = tpath("escaping"), *src;
	const char *layer = kit_layer(test_tmpdir(), "escaping.tar.gz", e, sizeof(e) / sizeof(e[0]), 1);
	struct kit_image img = {&layer, 1, "{\"Entrypoint\":[\"/bin/probe\"]}", NULL, NULL};

	kit_oci(dir, &img);
	src = xasprintf("oci:%s", dir);
	free((char *)layer);
	free(dir);
	return src;
}

/* `lupine build` of an image whose etc and trusted point at a host
 * directory, with --add into /etc, as root, in both formats (and KML): it
 * builds, nothing lands in the host directory, and the guest sees its own
 * /etc, lib -> /usr/lib and the UTF-8 name. */
static void test_escapes_cli(void)
{
	char *sentinel = tpath("sentinel"), *src = escaping_image(sentinel), *out = tpath("esc.lupine");
	char *added = tpath("added"), *addspec = xasprintf("%s:/etc/added", added);
	const char *formats[] = {"initramfs", "ext4"};
	struct { const char *file, *want; } reads[] = {
		{"/etc/passwd", "<root:x:0:0"}, {"/etc/added", "<added-file>"}, {"/lib/marker", "<from-lib>"},
		{"/certs/F\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny.crt", "<cert-bytes>"}};

	mkdir_p(sentinel, 0755);
	file_write_atomic(added, "added-file", 10, 0644);
	for (int f = 0; f < 2; f++) {
		char *const build[] = {"build", src, "-q", "-o", out, "--rootfs", (char *)formats[f], "--add", addspec, NULL};
		struct cmd_out o = run_lupine(build);
		CHECK_INT(o.status, 0);
		if (o.status)
			fprintf(stderr, "%s", o.err);
		cmd_out_free(&o);
		CHECK_INT(dir_count(sentinel, ""), 0);
		for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
			char *const run[] = {"run", out, "--timeout", "120", "--", "cat", (char *)reads[i].file, NULL};
			o = run_lupine(run);
			CHECK_INT(o.status, 0);
			CHECK_CONTAINS(o.out, reads[i].want);
			cmd_out_free(&o);
		}
	}
	char *const kml[] = {"build", src, "-q", "-o", out, "--kml", "--app", "redis", NULL};
	struct cmd_out o = run_lupine(kml);
	CHECK_INT(o.status, 0);
	CHECK_INT(dir_count(sentinel, ""), 0);
	cmd_out_free(&o);
	free(addspec);
	free(added);
	free(out);
	free(src);
	free(sentinel);
}

/* An image whose /etc/passwd is a symlink to a host file: lupine's own
 * /etc/passwd replaces the link; the host file is never written. */
static void test_passwd_link_cli(void)
{
	char *sentinel = tpath("sentinel2"), *target = xasprintf("%s/passwd", sentinel), *out = tpath("pl.lupine");
	struct kit_entry e[] = {{'d', "etc", 0, 0, 0, 0}, {'l', "etc/passwd", target, 0, 0, 0},
				{'f', "bin/probe", NULL, "build/testguest/probe", 0755, 0}};
	char *src = kit_one_layer_oci("plink", e, 3);
	char *const build[] = {"build", src, "-q", "-o", out, "--cmd", "/bin/probe cat /etc/passwd", NULL};

	mkdir_p(sentinel, 0755);
	struct cmd_out o = run_lupine(build);
	CHECK_INT(o.status, 0);
	CHECK_INT(dir_count(sentinel, ""), 0);
	cmd_out_free(&o);
	char *const run[] = {"run", out, "--timeout", "120", NULL};
	o = run_lupine(run);
	CHECK_CONTAINS(o.out, "<root:x:0:0");
	cmd_out_free(&o);
	free(src);
	free(out);
	free(target);
	free(sentinel);
}

/* A file that starts like an ELF and lies after: a one-line error, no bundle. */
static void test_lying_elf_cli(void)
{
	char *p = tpath("lying"), *out = tpath("lying.lupine");
	char junk[256] = "\x7f" "ELF\x02\x01\x01";

	memset(junk + 8, 0xff, sizeof(junk) - 8);
	file_write_atomic(p, junk, sizeof(junk), 0755);
	char *const args[] = {"build", p, "-q", "-o", out, NULL};
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "is not a readable x86_64 ELF file");
	CHECK(o.err && strchr(o.err, '\n') == strrchr(o.err, '\n'));
	CHECK(!path_exists(out));
	cmd_out_free(&o);
	free(p);
	free(out);
}

/* Numbers and commands are parsed strictly: each bad one names its flag. */
static void test_bad_numbers_cli(void)
{
	struct { const char *a[6]; int status; const char *msg; } cases[] = {
		{{"run", "x.lupine", "--timeout", "abc"}, 125, "--timeout 'abc'"},
		{{"run", "x.lupine", "-m", "12x"}, 125, "-m '12x'"},
		{{"run", "x.lupine", "-p", "99999:1"}, 125, "-p '99999:1'"},
		{{"run", "x.lupine", "--stop-timeout", "-1"}, 125, "--stop-timeout '-1'"},
		{{"build", "/bin/true", "--cmd", " "}, 1, "--cmd ' ': the command is empty"},
		{{"build", "/bin/true", "-j", "0"}, 1, "-j '0'"},
		{{"build", "/bin/true", "-m", "99999999999"}, 1, "-m '99999999999'"},
		{{"manifest"}, 1, "no source given"},
		{{"manifest", "/bin/true", "--workload", "true"}, 1, "--workload needs the application's port"},
		{{"manifest", "app:nosuch"}, 1, "no recipe for 'nosuch'"},
		{{"manifest", "/bin/true", "--timeout", "x"}, 1, "--timeout 'x'"},
		{{"build", "/bin/true", "--auto", "--app", "redis"}, 1, "--auto derives the kernel options"},
		{{"build", "/bin/true", "--auto", "-e", "A=1"}, 1, "--auto derives from SOURCE and the arguments"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cmd_out o = run_lupine((char *const *)cases[i].a);
		if (o.status != cases[i].status || !o.err || !strstr(o.err, cases[i].msg))
			check_fail(__FILE__, __LINE__, "%s %s %s: status %d, stderr %s", cases[i].a[0], cases[i].a[2],
				   cases[i].a[3], o.status, o.err);
		cmd_out_free(&o);
	}
}

/* A bundle path with a comma: QEMU's option syntax is escaped. */
static void test_comma_path(void)
{
	char *root = probe_tree(), *src = xasprintf("dir:%s", root), *out = tpath("a,b.lupine");
	char *const build[] = {"build", src, "-q", "-o", out, "--rootfs", "ext4", "--", "/bin/probe", NULL};
	char *const run[] = {"run", out, "--persist", "--timeout", "120", "--", "hello", NULL};
	struct cmd_out o = run_lupine(build);

	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	o = run_lupine(run);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: hello");
	cmd_out_free(&o);
	free(root);
	free(src);
	free(out);
}

/* Debian package names as policy has them; nothing apt could take for an option. */
static void test_deb_names(void)
{
	static const char *const good[] = {"hello", "nginx-light", "g++", "libc6", "0ad", "python3.11", "xz-utils"};
	static const char *const bad[] = {"--allow-unauthenticated", "-y", "-oAPT::Get::Trivial-Only=1", "+x", ".x",
					  "a", "", "Hello", "pkg=1.0", "pkg:amd64", "a b", "./x.deb", "?essential"};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!deb_name_valid(good[i]))
			check_fail(__FILE__, __LINE__, "'%s' refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (deb_name_valid(bad[i]))
			check_fail(__FILE__, __LINE__, "'%s' taken for a package name", bad[i]);
}

/* A package "name" that is an apt option: a one-line error naming it, no bundle. */
static void test_deb_option_cli(void)
{
	char *out = tpath("opt.lupine");
	char *const args[] = {"build", "deb:--allow-unauthenticated,hello", "-q", "-o", out, NULL};
	struct cmd_out o = run_lupine(args);

	CHECK(o.status != 0);
	CHECK_CONTAINS(o.err, "'--allow-unauthenticated' is not a Debian package name");
	CHECK(o.err && strchr(o.err, '\n') == strrchr(o.err, '\n'));
	CHECK_NOT_CONTAINS(o.err, "mmdebstrap");
	CHECK(!path_exists(out));
	cmd_out_free(&o);
	free(out);
}

/* A bundle path that starts with '-' (lupine build -o -F.lupine): mke2fs takes the
 * image's path for a path, not for options. */
static void test_ext4_dash_path(void)
{
	char *root = probe_tree(), *cwd = getcwd(NULL, 0);
	struct strbuf err = {0};

	CHECK(cwd && chdir(test_tmpdir()) == 0);
	CHECK_INT(rootfs_ext4.pack(root, "-F.ext4", &err), 0);
	if (err.len)
		fprintf(stderr, "    %s\n", err.buf);
	CHECK(path_exists("-F.ext4"));
	CHECK(cwd && chdir(cwd) == 0);
	sb_release(&err);
	free(cwd);
	free(root);
}

/* Whether the files at a and b hold the same bytes. */
static int same_bytes(const char *a, const char *b)
{
	size_t na = 0, nb = 0;
	char *x = file_read(a, &na), *y = file_read(b, &nb);
	int same = x && y && na == nb && !memcmp(x, y, na);

	free(x);
	free(y);
	return same;
}

/* Puts what kind says at the bundle's file (the original moved to orig, a
 * copy of it at host): 0, or -1 when this host cannot make it. */
static int swap_in(const char *file, char kind, const char *orig, const char *host)
{
	CHECK_INT(rename(file, orig), 0);
	CHECK_INT(file_copy(orig, host, 0644), 0);
	switch (kind) {
	case 'l': return symlink(host, file);
	case 'f': return mkfifo(file, 0644);
	case 'd': return mkdir(file, 0755);
	default: return mknod(file, S_IFCHR | 0644, makedev(1, 3)); /* /dev/null's */
	}
}

/* A bundle whose kernel, rootfs or lupine.json is a symlink to a host file
 * (a copy of the real one, so it would boot), a FIFO, a directory or a
 * device: `lupine run` refuses it, 125 and one line naming the file, before
 * any VM; the host file is never written, even with --persist. */
static void test_bundle_file_swaps(void)
{
	struct { const char *name; char kind; const char *what; int persist; } cases[] = {
		{"rootfs.ext4", 'l', "is a symbolic link", 1},
		{"kernel", 'l', "is a symbolic link", 0},
		{"lupine.json", 'l', "is a symbolic link", 0},
		{"rootfs.ext4", 'f', "is a FIFO", 0},
		{"kernel", 'd', "is a directory", 0},
		{"rootfs.ext4", 'c', "is a character device", 1},
	};
	char *b = probe_bundle("swap.lupine", "ext4"), *orig = tpath("swap-orig");
	char *host = tpath("host-file");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *file = xasprintf("%s/%s", b, cases[i].name);
		char *want = xasprintf("'%s' %s", file, cases[i].what);
		/* timeout(1): a FIFO opened for real would block lupine forever */
		char *const run[] = {"timeout", "120", (char *)lupine_bin(), "run", b, "--timeout", "60",
				     cases[i].persist ? "--persist" : "--ro", "--", "write", "/pwned", "x",
				     NULL};
		if (swap_in(file, cases[i].kind, orig, host) == 0) {
			struct cmd_out o = run_capture(run, NULL);
			CHECK_INT(o.status, 125);
			CHECK_CONTAINS(o.err, want);
			CHECK(o.err && strchr(o.err, '\n') == strrchr(o.err, '\n'));
			CHECK(same_bytes(orig, host));
			cmd_out_free(&o);
		}
		CHECK_INT(rm_rf(file), 0);
		CHECK_INT(rename(orig, file), 0);
		free(want);
		free(file);
	}
	free(host);
	free(orig);
	free(b);
}

const struct test hostile_cli_tests[] = {
	{"hostile/ext4-dash-path", test_ext4_dash_path, 0},
	{"hostile/deb-names", test_deb_names, 0},
	{"hostile/deb-option-cli", test_deb_option_cli, 0},
	{"hostile/escapes-cli-both-formats", test_escapes_cli, 1},
	{"hostile/passwd-link-cli", test_passwd_link_cli, 1},
	{"hostile/lying-elf-cli", test_lying_elf_cli, 0},
	{"hostile/bad-numbers-cli", test_bad_numbers_cli, 0},
	{"hostile/comma-in-bundle-path", test_comma_path, 1},
	{"hostile/bundle-file-swaps", test_bundle_file_swaps, 1},
	{0, 0, 0},
};
