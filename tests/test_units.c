/* test_units.c: unit tests of small shared pieces: the ELF reader on lying files, the run
 * config in both its forms, port specs, the bzImage header's memory bound. */
#include "harness.h"
#include "bundle/bundle.h"
#include "bundle/ready.h"
#include "lib/bzimage.h"
#include "lib/elf.h"
#include "lib/proc.h"
#include "lib/util.h"
#include "source/source.h"
#include "vm/vmm.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* elf_open of bytes written to a file: 1, 0 or -1. */
static int elf_of(const void *data, size_t len, char *interp, size_t n)
{
	char *p = xasprintf("%s/elf", test_tmpdir());
	int fd, r;

	file_write_atomic(p, data, len, 0644);
	fd = open(p, O_RDONLY);
	struct elf_file ef;
	r = elf_open(&ef, fd);
	if (r == 1 && interp)
		r = elf_interp(&ef, interp, n) == 1 ? 1 : -1;
	close(fd);
	free(p);
	return r;
}

/* A header that claims one program header at phoff. */
static Elf64_Ehdr header(uint64_t phoff, uint16_t phnum)
{
	Elf64_Ehdr eh = {.e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			 .e_phoff = phoff, .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = phnum,
			 .e_ehsize = sizeof(Elf64_Ehdr)};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	return eh;
}

static void test_elf_lying(void)
{
	char interp[256];
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		char path[8];
	} f = {header(sizeof(Elf64_Ehdr), 1), {.p_type = PT_INTERP, .p_offset = offsetof(__typeof__(f), path),
					       .p_filesz = 8}, "/ld.so"};

	CHECK_INT(elf_of(&f, sizeof(f), interp, sizeof(interp)), 1);
	CHECK(!strcmp(interp, "/ld.so"));
	CHECK_INT(elf_of(&f, 10, NULL, 0), -1);                 /* truncated header */
	f.ph.p_filesz = 4096;                                  /* interpreter runs past the end */
	CHECK_INT(elf_of(&f, sizeof(f), interp, sizeof(interp)), -1);
	f.ph.p_filesz = 3;                                     /* no NUL inside the segment */
	CHECK_INT(elf_of(&f, sizeof(f), interp, sizeof(interp)), -1);
	f.eh = header(UINT64_MAX - 8, 2);                      /* table offset that wraps */
	CHECK_INT(elf_of(&f, sizeof(f), NULL, 0), -1);
	f.eh = header(sizeof(Elf64_Ehdr), 0xffff);             /* more headers than the file holds */
	CHECK_INT(elf_of(&f, sizeof(f), NULL, 0), -1);
	f.eh = header(sizeof(Elf64_Ehdr), 1);
	f.eh.e_phentsize = 8;                                  /* entries of the wrong size */
	CHECK_INT(elf_of(&f, sizeof(f), NULL, 0), -1);
	f.eh = header(sizeof(Elf64_Ehdr), 1);
	f.eh.e_ident[EI_CLASS] = ELFCLASS32;                   /* another class: not ours, not an error */
	CHECK_INT(elf_of(&f, sizeof(f), NULL, 0), 0);
	CHECK_INT(elf_of("#!/bin/sh\n", 10, NULL, 0), -1);
}

static void test_run_config_forms(void)
{
	struct run_config rc, back;
	struct strbuf err = {0};

	run_config_init(&rc);
	strlist_add(&rc.arg, "/bin/app");
	strlist_add(&rc.arg, "two\nlines\tand\\slash");
	run_config_setenv(&rc, "A=1");
	run_config_setenv(&rc, "A=2"); /* replaces */
	run_config_set(&rc.cwd, "/work");
	rc.uid = 1000;
	char *text = run_config_render(&rc);
	CHECK(!strcmp(text, "arg /bin/app\narg two\\nlines\\tand\\\\slash\nenv A=2\ncwd /work\nuid 1000\n"));
	json_t *j = run_config_to_json(&rc);
	run_config_init(&back);
	CHECK_INT(run_config_from_json(j, &back, &err), 0);
	CHECK(back.arg.n == 2 && !strcmp(back.arg.v[1], rc.arg.v[1]));
	CHECK(back.uid == 1000 && back.gid == -1 && !strcmp(back.cwd, "/work"));
	json_decref(j);
	run_config_release(&back);
	/* refused: unknown keys, wrong types, ids out of range, no command */
	const char *bad[] = {"{\"arg\":[\"/x\"],\"nope\":1}", "{\"arg\":\"/x\"}", "{\"arg\":[\"/x\"],\"uid\":-1}",
			     "{\"arg\":[\"/x\"],\"gid\":4294967295}", "{\"arg\":[]}", "[]"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		json_t *b = json_loads(bad[i], 0, NULL);
		run_config_init(&back);
		sb_release(&err);
		if (run_config_from_json(b, &back, &err) != -1 || !err.len)
			check_fail(__FILE__, __LINE__, "accepted %s", bad[i]);
		run_config_release(&back);
		json_decref(b);
	}
	free(text);
	run_config_release(&rc);
	sb_release(&err);
}

static void test_port_specs(void)
{
	struct strbuf err = {0};
	struct vm_port p;

	CHECK_INT(vm_port_parse("8080:80", &p, &err), 0);
	CHECK(p.host_port == 8080 && p.guest_port == 80 && !p.host_ip);
	vm_port_release(&p);
	CHECK_INT(vm_port_parse("127.0.0.2:1:65535", &p, &err), 0);
	CHECK(p.host_ip && !strcmp(p.host_ip, "127.0.0.2") && p.host_port == 1 && p.guest_port == 65535);
	vm_port_release(&p);
	const char *bad[] = {"99999:1", "1:0", "abc", "80", "8080:80x", "x.y:1:2", ":80", "+1:2", "1:-2"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		sb_release(&err);
		if (vm_port_parse(bad[i], &p, &err) != -1 || !strstr(err.buf, bad[i]))
			check_fail(__FILE__, __LINE__, "-p %s: accepted or not named", bad[i]);
	}
	sb_release(&err);
}

/* lupine.json: the current format loads; an older one or a bad file name is refused clearly. */
static void test_bundle_json(void)
{
	const char *dir = test_tmpdir();
	char *json = xasprintf("%s/lupine.json", dir);
	struct strbuf err = {0};
	struct bundle b;

	bundle_init(&b);
	b.kernel = xstrdup("kernel");
	b.rootfs = xstrdup("rootfs.ext4");
	b.rootfs_format = xstrdup("ext4");
	strlist_add(&b.run.arg, "/bin/app");
	b.run.uid = 7;
	CHECK_INT(bundle_write_json(dir, &b, &err), 0);
	bundle_release(&b);
	CHECK_INT(bundle_load(dir, &b, &err), 0);
	CHECK(b.run.arg.n == 1 && b.run.uid == 7 && b.run.gid == -1 && !strcmp(b.rootfs_format, "ext4"));
	bundle_release(&b);
	const char *v1 = "{\"lupine_bundle\":1,\"kernel\":{\"file\":\"kernel\"},\"rootfs\":{\"file\":\"r\"},"
			 "\"argv\":[\"/x\"]}";
	file_write_atomic(json, v1, strlen(v1), 0644);
	CHECK_INT(bundle_load(dir, &b, &err), -1);
	CHECK_CONTAINS(err.buf, "rebuild it with 'lupine build'");
	sb_release(&err);
	const char *escape = "{\"lupine_bundle\":2,\"kernel\":{\"file\":\"../k\"},\"rootfs\":{\"file\":\"r\"},"
			     "\"run\":{\"arg\":[\"/x\"]}}";
	file_write_atomic(json, escape, strlen(escape), 0644);
	CHECK_INT(bundle_load(dir, &b, &err), -1);
	CHECK_CONTAINS(err.buf, "plain names");
	sb_release(&err);
	free(json);
}


/* The one process API: exit statuses, signals, captured output and its
 * bound, a program that is not there, a child polled while it runs. */
static void test_processes(void)
{
	char *echo[] = {"sh", "-c", "printf 'out '; printf err >&2; exit 3", NULL};
	char *big[] = {"sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x", NULL};
	char *killed[] = {"sh", "-c", "kill -9 $$", NULL};
	char *missing[] = {"/nonexistent/lupine-test-program", NULL};
	char *sleeper[] = {"sleep", "0.3", NULL};
	struct proc_opts quiet = PROC_OPTS_INIT;
	struct strbuf out = {0};
	int st = -2;

	CHECK_INT(proc_capture(echo, 1 << 20, &out), 3);
	CHECK(out.buf && !strcmp(out.buf, "out err"));
	sb_release(&out);
	CHECK_INT(proc_capture(big, 1000, &out), 0);
	CHECK_INT(out.len, 1000);
	sb_release(&out);
	CHECK_INT(proc_run(killed, &quiet), 128 + 9);
	quiet.err = open("/dev/null", O_WRONLY | O_CLOEXEC);
	CHECK_INT(proc_run(missing, &quiet), 127);
	close(quiet.err);
	quiet.err = -1;
	pid_t pid = proc_spawn(sleeper, &quiet);
	CHECK(pid > 0);
	CHECK_INT(proc_poll(pid, &st), 0);
	CHECK_INT(proc_wait(pid), 0);
}


static int at_least(int m, void *ctx)
{
	int *need = ctx;
	need[1]++; /* trials */
	return m >= need[0];
}

/* Smallest-memory bisection finds the least m that works in (lo, hi], in
 * about log2(hi - lo) trials, for every answer from just above lo to hi. */
static void test_bisection(void)
{
	for (int want = 17; want <= 256; want++) {
		int need[2] = {want, 0};
		int got = ready_bisect(16, 256, at_least, need, NULL);
		if (got != want || need[1] > 8)
			check_fail(__FILE__, __LINE__, "bisect for %d: got %d in %d trials", want, got, need[1]);
	}
	int none[2] = {0, 0};
	CHECK_INT(ready_bisect(40, 41, at_least, none, NULL), 41);
	CHECK_INT(none[1], 0);
}

/* Bundle names from sources: the last path component, without a registry tag. */
static void test_default_names(void)
{
	const char *cases[][2] = {
		{"docker://127.0.0.1:5000/lupine/redis:7", "redis.lupine"}, {"docker://redis", "redis.lupine"},
		{"docker://debian@sha256:ab", "debian.lupine"}, {"oci:/images/nginx/", "nginx.lupine"},
		{"deb:nginx-light", "nginx-light.lupine"}, {"/usr/bin/true", "true.lupine"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *n = source_default_name(cases[i][0]);
		if (strcmp(n, cases[i][1]))
			check_fail(__FILE__, __LINE__, "'%s' named '%s', not '%s'", cases[i][0], n, cases[i][1]);
		free(n);
	}
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

/* The boot header's load address and init_size, as a 6.1 bzImage lays them
 * out; headers that are not one, or older than protocol 2.10, say 0. */
static void test_bzimage_header(void)
{
	unsigned char h[0x300] = {0};
	struct bzimage b;

	memcpy(h + 0x202, "HdrS", 4);
	put_le(h + 0x206, 0x020f, 2);
	put_le(h + 0x258, 0x1000000, 8);
	put_le(h + 0x260, 14389248, 4);
	CHECK_INT(bzimage_parse(h, sizeof(h), &b), 1);
	CHECK(b.pref_address == 0x1000000 && b.init_size == 14389248);
	CHECK_INT(bzimage_min_mib(&b, 0), 30); /* 16 + 13.72 MiB, rounded up */
	put_le(h + 0x258, 0x200000, 8);
	put_le(h + 0x260, 14 << 20, 4);
	CHECK_INT(bzimage_parse(h, sizeof(h), &b), 1);
	CHECK_INT(bzimage_min_mib(&b, 0), 16); /* exactly 2 + 14 */
	CHECK_INT(bzimage_min_mib(&b, 1), 17); /* a byte of initrd above it */
	CHECK_INT(bzimage_parse(h, 0x260, &b), 0); /* cut before init_size */
	put_le(h + 0x206, 0x0209, 2);
	CHECK_INT(bzimage_parse(h, sizeof(h), &b), 0);
	h[0x202] = 'X';
	CHECK_INT(bzimage_parse(h, sizeof(h), &b), 0);
	CHECK_INT(bzimage_read("/nonexistent/kernel", &b), -1);
	CHECK_INT(bzimage_floor_mib("/nonexistent/kernel"), 0);
	/* an x86-64 ELF file (a vmlinux booted through PVH; here this program,
	 * linked at 0): its PT_LOAD segments' extent */
	CHECK_INT(bzimage_read("/proc/self/exe", &b), 1);
	CHECK(b.pref_address == 0 && b.init_size > 4096);
	CHECK(bzimage_floor_mib("/proc/self/exe") >= 1);
	CHECK_INT(bzimage_read("/etc/hostname", &b), 0); /* neither */
}

/* Headers that lie: the 64-bit load address and a 4 GiB init_size are
 * added without wrapping and never cut to an int; what no VM can hold
 * gives no floor. */
static void test_bzimage_huge(void)
{
	unsigned char h[0x300] = {0};
	char *path = xasprintf("%s/huge-kernel", test_tmpdir());
	struct bzimage b;

	memcpy(h + 0x202, "HdrS", 4);
	put_le(h + 0x206, 0x020f, 2);
	put_le(h + 0x258, 0x1000000, 8);
	put_le(h + 0x260, 0xffffffff, 4);
	CHECK_INT(bzimage_parse(h, sizeof(h), &b), 1);
	CHECK(bzimage_min_mib(&b, 0) == 16 + 4096); /* 16 MiB + 4 GiB - 1 byte, rounded up */
	CHECK(bzimage_min_mib(&b, UINT64_MAX - 5) == UINT64_MAX);
	put_le(h + 0x258, 1ULL << 52, 8);
	CHECK_INT(bzimage_parse(h, sizeof(h), &b), 1);
	CHECK(bzimage_min_mib(&b, 0) == (1ULL << 32) + 4096);
	CHECK_INT(file_write_atomic(path, h, sizeof(h), 0644), 0);
	CHECK_INT(bzimage_floor_mib(path), 0);
	put_le(h + 0x258, UINT64_MAX - 0x1000, 8);
	CHECK_INT(bzimage_parse(h, sizeof(h), &b), 1);
	CHECK(bzimage_min_mib(&b, 0) == UINT64_MAX);
	free(path);
}

/* file_write_atomic under a planted link: links at the temporary names it
 * would use (a pid file's directory may be another user's) are never
 * followed; path itself, a link, is replaced by the file, not written through. */
static void test_write_atomic_links(void)
{
	char *dir = xasprintf("%s/atomic", test_tmpdir()), *victim = xasprintf("%s/victim", dir);
	char *path = xasprintf("%s/init.pid", dir), *text;
	char *planted[] = {xasprintf("%s.tmp.%d", path, (int)getpid()),
			   xasprintf("%s.tmp.%d.0", path, (int)getpid())};
	struct stat st;

	CHECK_INT(mkdir_p(dir, 0755), 0);
	CHECK_INT(file_write_atomic(victim, "host", 4, 0644), 0);
	for (size_t i = 0; i < ARRAY_SIZE(planted); i++)
		CHECK_INT(symlink(victim, planted[i]), 0);
	CHECK_INT(symlink(victim, path), 0);
	CHECK_INT(file_write_atomic(path, "1234", 4, 0644), 0);
	text = file_read(victim, NULL);
	CHECK(text && !strcmp(text, "host"));
	free(text);
	CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
	text = file_read(path, NULL);
	CHECK(text && !strcmp(text, "1234"));
	free(text);
	for (size_t i = 0; i < ARRAY_SIZE(planted); i++)
		free(planted[i]);
	free(path);
	free(victim);
	free(dir);
}

/* mkdir_p of "" (lupine-runc --root=) is an error, not a read past the
 * string: this runner is built with ASan. */
static void test_mkdir_empty(void)
{
	CHECK_INT(mkdir_p("", 0755), -1);
}

const struct test unit_tests[] = {
	{"unit/mkdir-empty", test_mkdir_empty, 0},
	{"unit/write-atomic-links", test_write_atomic_links, 0},
	{"unit/bzimage-header", test_bzimage_header, 0},
	{"unit/bzimage-huge", test_bzimage_huge, 0},
	{"unit/default-bundle-names", test_default_names, 0},
	{"unit/processes", test_processes, 0},
	{"unit/bisection", test_bisection, 0},
	{"unit/bundle-json", test_bundle_json, 0},
	{"unit/elf-lying-files", test_elf_lying, 0},
	{"unit/run-config-forms", test_run_config_forms, 0},
	{"unit/port-specs", test_port_specs, 0},
	{0, 0, 0},
};
