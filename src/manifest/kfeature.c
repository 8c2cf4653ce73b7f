/* kfeature.c: the feature table, cached per kernel source, looked up by name, and what a
 * program sees when a feature is left out. */
#include "manifest/kfeature.h"
#include "lib/cache.h"
#include "lib/hash.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bump when the scan changes what it writes, so old tables are regenerated. */
#define HEADER "# lupine kernel features 1"

static const char *const kind_names[] = {"syscall", "family", "fs"};

/* Absent features that do not show as ENOSYS, and so would be missed by
 * looking for ENOSYS alone: these are knowledge (read from the 6.1 stubs in
 * include/linux/fs.h, seccomp.h and the *_namespace.h headers, and from
 * mm/shmem.c), not generated. `names` lists the entries they are shown
 * with. Families (EAFNOSUPPORT) and filesystems (ENODEV) are said for every
 * entry of theirs. */
static const struct quirk {
	const char *names, *option, *what;
} quirks[] = {
    {" fcntl ", "FILE_LOCKING",
     "without CONFIG_FILE_LOCKING, fcntl F_SETLK, F_SETLKW and F_OFD_SETLK(W) fail "
     "with EACCES, F_GETLK, F_OFD_GETLK and F_SETLEASE with EINVAL"},
    {" prctl ", "SECCOMP", "without CONFIG_SECCOMP, prctl(PR_SET_SECCOMP) fails with EINVAL"},
    {" clone clone3 unshare ", "USER_NS", "without CONFIG_USER_NS, CLONE_NEWUSER fails with EINVAL"},
    {" clone clone3 unshare ", "PID_NS", "without CONFIG_PID_NS, CLONE_NEWPID fails with EINVAL"},
    {" clone clone3 unshare ", "NET_NS", "without CONFIG_NET_NS, CLONE_NEWNET fails with EINVAL"},
    {" clone clone3 unshare ", "UTS_NS", "without CONFIG_UTS_NS, CLONE_NEWUTS fails with EINVAL"},
    {" clone clone3 unshare ", "IPC_NS", "without CONFIG_IPC_NS, CLONE_NEWIPC fails with EINVAL"},
    {" clone clone3 unshare ", "TIME_NS", "without CONFIG_TIME_NS, CLONE_NEWTIME fails with EINVAL"},
    {" socket socketpair ", NULL,
     "a socket family the kernel leaves out fails with EAFNOSUPPORT, not ENOSYS "
     "(--explain-syscall AF_NAME names its option)"},
    {" mount fsopen ", NULL,
     "a filesystem type the kernel leaves out fails with ENODEV, not ENOSYS "
     "(--explain-syscall TYPE names its option)"},
    {" tmpfs ", "SHMEM", "without CONFIG_SHMEM, tmpfs is ramfs underneath: no size= limit, no swap"},
    {" tmpfs ", "TMPFS",
     "with CONFIG_SHMEM but not CONFIG_TMPFS, mounting tmpfs fails with EINVAL: the "
     "kernel keeps it for its own use (SB_NOUSER)"},
};

void kfeature_add(struct kfeature_table *t, enum kfeature_kind kind, const char *name, const char *option,
		  const char *file)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = (struct kfeature){kind, xstrdup(name), xstrdup(option), xstrdup(file)};
}

void kfeature_table_release(struct kfeature_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].option);
		free(t->v[i].file);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* src/KEY.features: the key the unpacked source has under trees/, so the two go together. */
static char *table_path(const struct ksource *ks)
{
	struct hash h;
	char key[65];

	hash_init(&h);
	hash_add_str(&h, ks->identity);
	hash_final_hex(&h, key);
	key[16] = 0;
	char *dir = cache_dir("src"), *path = xasprintf("%s/%s.features", dir, key);
	free(dir);
	return path;
}

/* Fills t from a cached table; -1 when it is for another source or damaged. */
static int table_parse(char *text, const char *identity, struct kfeature_table *t)
{
	char *save, *line = strtok_r(text, "\n", &save), kind[16], name[128], opt[128], file[512];
	char *want = xasprintf("%s %s", HEADER, identity);
	int ok = line && !strcmp(line, want);

	free(want);
	while (ok && (line = strtok_r(NULL, "\n", &save))) {
		size_t k = 0;
		ok = sscanf(line, "%15s %127s %127s %511s", kind, name, opt, file) == 4;
		while (k < ARRAY_SIZE(kind_names) && strcmp(kind, kind_names[k]))
			k++;
		if ((ok = ok && k < ARRAY_SIZE(kind_names)))
			kfeature_add(t, (enum kfeature_kind)k, name, opt, file);
	}
	return ok && t->n ? 0 : -1;
}

static char *table_format(const struct kfeature_table *t, const char *identity)
{
	struct strbuf sb = {0};

	sb_addf(&sb, "%s %s\n", HEADER, identity);
	for (size_t i = 0; i < t->n; i++) {
		const struct kfeature *f = &t->v[i];
		/* one word per field; a name with blanks could not be read back */
		if (!strpbrk(f->name, " \t\n") && !strpbrk(f->file, " \t\n"))
			sb_addf(&sb, "%s %s %s %s\n", kind_names[f->kind], f->name, f->option, f->file);
	}
	return sb_detach(&sb);
}

int kfeature_load(const struct ksource *ks, struct kfeature_table *t, int *cached, struct strbuf *err)
{
	char *path = table_path(ks), *text = file_read(path, NULL), *out = NULL;
	int ret = -1;

	memset(t, 0, sizeof(*t));
	if ((*cached = text && table_parse(text, ks->identity, t) == 0)) {
		ret = 0;
		goto out;
	}
	kfeature_table_release(t);
	note("lupine: reading which options build which features in %s (once) ...", ks->tree);
	if (kfeature_scan(ks->tree, t, err) < 0)
		goto out;
	out = table_format(t, ks->identity);
	/* the table is only a shortcut: without the cache the next call scans again */
	if (file_write_atomic(path, out, strlen(out), 0644) < 0)
		warning("cannot keep the feature table in '%s': %s", path, strerror(errno));
	ret = 0;
out:
	free(out);
	free(text);
	free(path);
	return ret;
}

/* "pf_inet6" and "PF_INET6" are asked for as AF_INET6, "signalfd4()" as signalfd4. */
static char *normalise(const char *name)
{
	char *n = xstrdup(name);

	if (str_ends(n, "()"))
		n[strlen(n) - 2] = 0;
	if (!strncasecmp(n, "AF_", 3) || !strncasecmp(n, "PF_", 3)) {
		n[0] = 'A';
		for (char *p = n + 1; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	}
	return n;
}

static void describe(const struct kfeature *f, struct strbuf *out)
{
	static const char *const missing[] = {
	    "only a stub in this tree: no definition for x86 (another architecture's, or removed), so ENOSYS",
	    "no implementation in this tree, so EAFNOSUPPORT", "no implementation in this tree"};

	if (!strcmp(f->option, KF_UNKNOWN) && !strcmp(f->file, "-"))
		sb_adds(out, missing[f->kind]);
	else if (!strcmp(f->option, KF_UNKNOWN))
		sb_addf(out, "defined in %s, but no #if or Makefile line there names an option", f->file);
	else if (!strcmp(f->option, KF_ALWAYS))
		sb_addf(out, "always built (%s)", f->file);
	else {
		sb_adds(out, "needs ");
		kfeature_options_text(f->option, out);
		sb_addf(out, " (%s)", f->file);
	}
}

void kfeature_options_text(const char *option, struct strbuf *out)
{
	for (const char *p = option;;) {
		size_t n = strcspn(p, ",");
		sb_add(out, p, n);
		if (!p[n])
			break;
		sb_adds(out, " and ");
		p += n + 1;
	}
}

/* What a program sees without the feature, when every definition has an
 * option: `one` when that is a single option. */
static void consequence(const struct kfeature *f, int all_options, int one, struct strbuf *out)
{
	const char *it = one ? "it" : "them";

	if (!all_options)
		return;
	if (f->kind == KF_SYSCALL)
		sb_addf(out, "  without %s, %s() returns ENOSYS\n", it, f->name);
	else if (f->kind == KF_FAMILY)
		sb_addf(out, "  without %s, socket(%s, ...) fails with EAFNOSUPPORT, not ENOSYS\n", it,
			f->name);
	else
		sb_addf(out, "  without %s, mounting %s fails with ENODEV, not ENOSYS\n", it, f->name);
}

/* One line for NAME's entries of one kind (sysfs and bpf are both a system
 * call and a filesystem: then each line says which it is about). */
static size_t explain_kind(const struct kfeature_table *t, const char *name, enum kfeature_kind kind,
			   int label, struct strbuf *out)
{
	static const char *const what[] = {" (system call)", " (socket family)", " (filesystem type)"};
	const struct kfeature *last = NULL;
	size_t count = 0, k = 0;
	int all_options = 1;

	for (size_t i = 0; i < t->n; i++)
		count += t->v[i].kind == kind && !strcmp(t->v[i].name, name);
	if (!count)
		return 0;
	sb_addf(out, "%s%s: ", name, label ? what[kind] : "");
	if (count > 1)
		sb_addf(out, "defined in %zu places: ", count);
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].kind != kind || strcmp(t->v[i].name, name))
			continue;
		sb_adds(out, k++ ? "; " : "");
		describe(&t->v[i], out);
		all_options &= str_starts(t->v[i].option, "CONFIG_");
		last = &t->v[i];
	}
	sb_adds(out, "\n");
	consequence(last, all_options, count == 1 && !strchr(last->option, ','), out);
	return 1 + all_options;
}

static size_t add_quirks(const char *name, struct strbuf *out)
{
	char *key = xasprintf(" %s ", name);
	size_t lines = 0;

	for (size_t i = 0; i < ARRAY_SIZE(quirks); i++) {
		if (strstr(quirks[i].names, key)) {
			sb_addf(out, "  %s\n", quirks[i].what);
			lines++;
		}
	}
	free(key);
	return lines;
}

const char *kfeature_option(const struct kfeature_table *t, enum kfeature_kind kind, const char *name)
{
	const char *first = NULL;

	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].kind != kind || strcmp(t->v[i].name, name))
			continue;
		if (str_starts(t->v[i].option, "CONFIG_"))
			return t->v[i].option;
		if (!first)
			first = t->v[i].option;
	}
	return first;
}

size_t kfeature_explain(const struct kfeature_table *t, const char *name, struct strbuf *out)
{
	char *n = normalise(name);
	int kinds = 0;
	size_t lines = 0;

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, n))
			kinds |= 1 << t->v[i].kind;
	for (int k = KF_SYSCALL; k <= KF_FS; k++)
		lines += explain_kind(t, n, (enum kfeature_kind)k, kinds & (kinds - 1), out);
	lines += add_quirks(n, out);
	free(n);
	return lines;
}

int kfeature_explain_in(const char *source, const char *name, struct strbuf *out, struct strbuf *err)
{
	struct ksource ks;
	struct kfeature_table t;
	int cached, ret = -1;

	if (ksource_open(&ks, source, err) < 0)
		return -1;
	if (kfeature_load(&ks, &t, &cached, err) == 0) {
		if (kfeature_explain(&t, name, out))
			ret = 0;
		else
			sb_addf(err, "unknown feature '%s': not a system call, socket family or filesystem type of "
				     "Linux %s", name, ks.version);
		kfeature_table_release(&t);
	}
	ksource_release(&ks);
	return ret;
}
