/* test_guest.c: what the guest says is data. Kernel notes an application
 * forged (it is root: it can write "lupine-used: ..." into /dev/kmsg) go
 * through knotes, kderive and the fragment they render without naming an
 * option the guest chose or a value at all, on the real kernel tree. */
#include "harness.h"
#include "kernel/kindex.h"
#include "kernel/ksource.h"
#include "manifest/kderive.h"
#include "manifest/knote_check.h"
#include "lib/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The note that once ran a command on the host: its option name carries a
 * string value and a comment, and the fragment parser read them as such. */
#define FORGED "option CONFIG_INITRAMFS_SOURCE=\"/x`touch${IFS}/tmp/pwned`\"#:ok 1 app"

/* Stderr into a file until stderr_back, which returns what was written (caller frees). */
static int stderr_to_file(void)
{
	char *path = xasprintf("%s/stderr", test_tmpdir());
	int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	free(path);
	return saved;
}

static char *stderr_back(int saved)
{
	char *path = xasprintf("%s/stderr", test_tmpdir()), *text;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	text = file_read(path, NULL);
	free(path);
	return text ? text : xstrdup("");
}

static size_t lines_of(const char *text)
{
	size_t n = 0;

	for (const char *p = text; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

/* The default kernel tree's Kconfig index, or NULL (the test is skipped). */
static struct kindex *tree_index(void)
{
	struct strbuf err = {0};
	struct ksource ks;
	struct kindex *idx = NULL;

	if (ksource_open(&ks, NULL, &err) == 0) {
		idx = kindex_load(ks.tree, "x86", &err);
		ksource_release(&ks);
	}
	if (!idx)
		test_skip(err.buf ? err.buf : "no kernel tree");
	sb_release(&err);
	return idx;
}

/* Notes as kernel/missing.patch makes them. */
static const char *const good_notes[] = {
    "syscall #289 30 app",
    "syscall sys_signalfd4 30 app",
    "family #10 31 nginx",
    "fs tmpfs 1 sh",
    "fs fuse.sshfs 2 sshfs",
    "option CONFIG_FILE_LOCKING:fcntl(F_SETLK) 30 app",
    "option CONFIG_PROC_SYSCTL:/proc/sys 3 x",
    "option CONFIG_SECCOMP:prctl(PR_SET_SECCOMP) 3 x",
    "option CONFIG_UTS_NS:CLONE_NEWUTS 4 unshare",
    "syscall #1 5 my app",
    "syscall #1 4194304 ",
};
/* Forged or broken ones. */
static const char *const bad_notes[] = {
    FORGED,
    "option CONFIG_INITRAMFS_SOURCE:x 1 app",
    "option CONFIG_NR_CPUS:x 1 app",
    "option CONFIG_NO_SUCH_OPTION:x 1 app",
    "option CONFIG_X;reboot:x 1 app",
    "option CONFIG_EVENTFD 1 app",
    "option CONFIG_EVENTFD=y\nCONFIG_MODULES:x 1 app",
    "option CONFIG_SIGNALFD:CONFIG_EVENTFD 1 app",
    "option CONFIG_SIGNALFD:a`id` 1 app",
    "option EVENTFD:x 1 app",
    "syscall $(reboot) 1 app",
    "fs a`b` 1 app",
    "syscall x;y 1 app",
    "family AF_INET 1 app",
    "module x 1 app",
    "syscall CONFIG_X 1 a",
    "syscall read abc app",
    "syscall read -1 app",
    "syscall read 99999999999999999999 app",
    "syscall read 0x10 app",
    "syscall read 4194305 app",
    "syscall read 0 app",
    "syscall read +5 app",
    "syscall read 1 a\x1b[2Jb",
    "syscall read 1 a\nb",
    "syscall #99999999999 1 app",
    "syscall #-1 1 app",
    "syscall # 1 app",
    "fs #3 1 app",
    "syscall read",
    "syscall read 1",
    "",
    " syscall read 1 app",
    "syscall  read 1 app",
};

/* Each note as the kernel prints it passes; each forgery is refused with a reason. */
static void test_note_forms(void)
{
	struct strbuf err = {0};
	struct ksource ks;
	struct knote_fields f;

	if (ksource_open(&ks, NULL, &err) < 0) {
		test_skip(err.buf);
		sb_release(&err);
		return;
	}
	struct knote_kconfig kc = {.tree = ks.tree, .err = &err};
	for (size_t i = 0; i < ARRAY_SIZE(good_notes); i++) {
		const char *why = knote_check(good_notes[i], &f, &kc);
		if (why)
			check_fail(__FILE__, __LINE__, "'%s' refused: %s", good_notes[i], why);
	}
	CHECK(knote_check("syscall #289 30 my app", &f, &kc) == NULL && f.nr == 289 && f.pid == 30);
	CHECK(!strcmp(f.comm, "my app") && !strcmp(f.kind, "syscall") && !strcmp(f.name, "#289"));
	for (size_t i = 0; i < ARRAY_SIZE(bad_notes); i++)
		if (!knote_check(bad_notes[i], &f, &kc))
			check_fail(__FILE__, __LINE__, "'%s' taken", bad_notes[i]);
	char *name = xasprintf("syscall %0200d 1 app", 7), *comm = xasprintf("syscall read 1 %0100d", 7);
	CHECK(knote_check(name, &f, &kc) != NULL);
	CHECK(knote_check(comm, &f, &kc) != NULL);
	CHECK(!kc.failed);
	free(name);
	free(comm);
	kindex_free(kc.idx);
	ksource_release(&ks);
	sb_release(&err);
}

/* The notes of a recording run where the application forged notes among
 * the kernel's own, then 100,000 more. */
static void forged_run(struct strlist *used)
{
	static const char *const notes[] = {
	    FORGED,
	    "syscall #289 30 app",
	    "option CONFIG_INITRAMFS_SOURCE:x 1 app",
	    "option CONFIG_FILE_LOCKING:fcntl(F_SETLK) 30 app",
	    "option CONFIG_NR_CPUS:x 1 app",
	    "option CONFIG_CMDLINE=\"x\":y 1 app",
	    "syscall $(touch${IFS}/tmp/pwned) 1 app",
	    "option CONFIG_SIGNALFD:x\nCONFIG_MODULES=y 1 app",
	    "syscall #290 abc app",
	    "syscall #290 99999999999999999999999 app",
	    "syscall #290 1 a\nCONFIG_MODULES=y",
	};
	size_t n = ARRAY_SIZE(notes);

	/* filled at once: strlist_add reallocates at each line */
	used->v = xcalloc(n + 100000 + 1, sizeof(*used->v));
	for (size_t i = 0; i < n; i++)
		used->v[used->n++] = xstrdup(notes[i]);
	for (int i = 0; i < 100000; i++)
		used->v[used->n++] = i % 2 ? xasprintf("syscall s%d %d app", i, i + 1)
					   : xasprintf("option CONFIG_LUPINE_FORGED_%d:y %d app", i, i + 1);
}

/* Every line a comment or CONFIG_NAME=y with NAME a bool or tristate of the tree. */
static void check_fragment(const char *text, const struct kindex *idx)
{
	char *copy = xstrdup(text), *save = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t n = strspn(l + 7, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (l[0] == '#' && !str_starts(l, "# CONFIG_"))
			continue;
		if (!str_starts(l, "CONFIG_") || !n || strcmp(l + 7 + n, "=y")) {
			check_fail(__FILE__, __LINE__,
				   "a derived line neither a comment nor CONFIG_NAME=y: %s", l);
			continue;
		}
		l[7 + n] = 0;
		if (!kindex_is_bool(idx, l + 7))
			check_fail(__FILE__, __LINE__, "derived CONFIG_%s, not a bool or tristate", l + 7);
	}
	free(copy);
}

static void test_forged_notes_derive(void)
{
	struct kindex *idx = tree_index();
	struct strlist used = {0};
	struct strbuf err = {0};
	struct knotes k = {0};
	struct kderivation d = {0};

	if (!idx)
		return;
	forged_run(&used);
	clock_t c0 = clock();
	int saved = stderr_to_file(), r = knotes_resolve(NULL, NULL, &used, &k, &err);
	char *said = stderr_back(saved);
	double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
	CHECK_INT(r, 0);
	CHECK(cpu < 30); /* bounded work: 10,000 notes of a list at most */
	CHECK(k.n <= 10000);
	CHECK_INT(lines_of(said), 2);
	CHECK_CONTAINS(said, "lupine: dropped 5004 malformed kernel notes from the guest, the first: "
			     "'option CONFIG_INITRAMFS_SOURCE=\"/x`touch${IFS}/tmp/pwned`\"#:ok 1 app' (");
	CHECK_CONTAINS(said, "lupine: dropped 90011 kernel notes from the guest past the first 10000");
	for (size_t i = 0; i < k.n; i++)
		CHECK(!strstr(k.v[i].option, "INITRAMFS") && !strstr(k.v[i].option, "NR_CPUS"));
	/* kderive checks on its own what it is given */
	static const char *const options[] = {"CONFIG_INITRAMFS_SOURCE=\"/x`id`\"#", "CONFIG_NR_CPUS",
					      "CONFIG_EVENTFD,CONFIG_INITRAMFS_SOURCE",
					      "CONFIG_Y\nCONFIG_MODULES"};
	k.v = xrealloc(k.v, (k.n + ARRAY_SIZE(options)) * sizeof(*k.v));
	for (size_t i = 0; i < ARRAY_SIZE(options); i++)
		k.v[k.n++] = (struct knote){.kind = xstrdup("option"),
					    .feature = xstrdup("x\nCONFIG_MODULES=y"),
					    .option = xstrdup(options[i]),
					    .comm = xstrdup("app"),
					    .pid = 1};
	CHECK_INT(kderive(NULL, &k, 0, 1, &d, &err), 0);
	char *text = kderive_render(&d, "# test\n", NULL);
	check_fragment(text, idx);
	CHECK_CONTAINS(text, "\nCONFIG_SIGNALFD=y\n");
	CHECK_CONTAINS(text, "# fcntl(F_SETLK) by app\nCONFIG_FILE_LOCKING=y\n");
	CHECK_CONTAINS(text, "# x?CONFIG_MODULES=y by app\nCONFIG_EVENTFD=y\n");
	CHECK_NOT_CONTAINS(text, "INITRAMFS_SOURCE");
	CHECK_NOT_CONTAINS(text, "pwned");
	CHECK_NOT_CONTAINS(text, "NR_CPUS");
	CHECK_NOT_CONTAINS(text, "\nCONFIG_MODULES");
	/* and what was rendered parses as a fragment */
	struct kconfig_frag f = {0};
	CHECK_INT(kconfig_frag_parse(&f, "derived", text, 1, &err), 0);
	kconfig_frag_release(&f);
	free(text);
	free(said);
	kderivation_release(&d);
	knotes_release(&k);
	strlist_release(&used);
	sb_release(&err);
	kindex_free(idx);
}

/* One forged note among the kernel's: one line on stderr, the honest notes kept. */
static void test_forged_note_said(void)
{
	struct strlist missing = {0};
	struct strbuf err = {0};
	struct knotes k = {0};
	char long_note[300];

	snprintf(long_note, sizeof(long_note), "option CONFIG_X:%0150d\x1b 1 a", 1);
	strlist_add(&missing, "syscall sys_signalfd4 30 postgres");
	strlist_add(&missing, long_note);
	int saved = stderr_to_file(), r = knotes_resolve(NULL, &missing, NULL, &k, &err);
	char *said = stderr_back(saved);
	if (r < 0) {
		test_skip(err.buf);
	} else {
		CHECK_INT(k.n, 1);
		CHECK(!strcmp(k.v[0].option, "CONFIG_SIGNALFD") && !strcmp(k.v[0].feature, "signalfd4"));
		CHECK_INT(lines_of(said), 1);
		CHECK_CONTAINS(
		    said, "lupine: dropped a malformed kernel note from the guest: 'option CONFIG_X:000");
		CHECK_CONTAINS(said, "000...' (");
		CHECK(strlen(said) < 200);
	}
	free(said);
	knotes_release(&k);
	strlist_release(&missing);
	sb_release(&err);
}

const struct test guest_tests[] = {
    {"guest/note-forms", test_note_forms, 0},
    {"guest/forged-note-said", test_forged_note_said, 0},
    {"guest/forged-notes-derive", test_forged_notes_derive, 0},
    {0, 0, 0},
};
