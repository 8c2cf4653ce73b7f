/* kfeature_scan.c: generate the feature table from a kernel tree's own source.
 *
 * The system calls that can be compiled out are those with a weak stub in
 * kernel/sys_ni.c (COND_SYSCALL), and the posix timer calls that
 * kernel/time/posix-stubs.c turns into ENOSYS (SYS_NI); each one's option
 * is the innermost `#ifdef CONFIG_X` around its SYSCALL_DEFINE and the
 * Makefile line that builds the defining file. Socket families (include/linux/socket.h) are read
 * the same way from the file that registers their struct net_proto_family,
 * filesystem types from their struct file_system_type. */
#include "manifest/kfeature_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The names of kernel/sys_ni.c's COND_SYSCALL(name) lines, in order. */
static void cond_syscalls(const char *text, struct strlist *out)
{
	for (const char *p = text; (p = strstr(p, "COND_SYSCALL(")); p += 13) {
		/* skips the #define of the macro itself */
		if (p != text && p[-1] != '\n')
			continue;
		char *name = xstrndup(p + 13, strspn(p + 13, KF_IDENT));
		if (*name && !strlist_has(out, name))
			strlist_add(out, name);
		free(name);
	}
}

/* x86-64's syscall table: pairs (name, definition), e.g. stat and newstat. */
static void syscall_table(const char *text, struct strlist *out)
{
	char nr[16], abi[16], name[64], entry[80];

	for (const char *p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (*p == '#' || sscanf(p, "%15s %15s %63s %79s", nr, abi, name, entry) != 4)
			continue;
		if ((strcmp(abi, "common") && strcmp(abi, "64")) || !str_starts(entry, "sys_") ||
		    !strcmp(entry, "sys_ni_syscall"))
			continue;
		strlist_add(out, name);
		strlist_add(out, entry + 4);
	}
}

/* The canonical name paired with key in a list of pairs, or NULL. */
static const char *pair_get(const struct strlist *l, const char *key)
{
	for (size_t i = 0; i + 1 < l->n; i += 2)
		if (!strcmp(l->v[i], key))
			return l->v[i + 1];
	return NULL;
}

/* include/linux/socket.h's families: pairs (AF_ name, the first AF_ name of
 * its number), so AF_LOCAL and AF_ROUTE read as AF_UNIX and AF_NETLINK. */
static void families(const char *text, struct strlist *out)
{
	struct strlist nums = {0};
	char name[32], value[32];

	for (const char *p = text; (p = strstr(p, "\n#define AF_")); p++) {
		if (sscanf(p + 9, "%31s %31s", name, value) != 2 || !strcmp(name, "AF_MAX") ||
		    !strcmp(name, "AF_UNSPEC"))
			continue;
		const char *canon = pair_get(str_starts(value, "AF_") ? out : &nums, value);
		if (!canon) {
			strlist_add(&nums, value);
			strlist_add(&nums, name);
			canon = name;
		}
		strlist_add(out, name);
		strlist_add(out, canon);
	}
	strlist_release(&nums);
}

static int has_entry(const struct kfeature_table *t, const char *name, const char *option, const char *file)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name) && !strcmp(t->v[i].option, option) &&
		    !strcmp(t->v[i].file, file))
			return 1;
	return 0;
}

/* The option that builds def's file (for a file no Makefile lists, the one
 * that #includes it: kernel/sched/build_utility.c and membarrier.c). */
static char *file_option(const struct kfwalk *s, const char *file)
{
	char *opt = kfeature_make_option(s->tree, file);

	for (size_t i = 0; i < s->inc.n && !strcmp(opt, KF_UNKNOWN); i++) {
		if (strcmp(s->inc.v[i].name, file))
			continue;
		free(opt);
		opt = s->inc.v[i].cond ? xasprintf("CONFIG_%s", s->inc.v[i].cond)
				       : kfeature_make_option(s->tree, s->inc.v[i].file);
	}
	return opt;
}

/* What def needs: the innermost #if around it (the brief one, e.g. MULTIUSER
 * for setuid in kernel/sys.c), and the option building its file when that is
 * another (fuseblk needs BLOCK in fs/fuse/inode.c, which FUSE_FS builds):
 * "CONFIG_X", "CONFIG_X,CONFIG_Y", KF_ALWAYS or KF_UNKNOWN. */
static char *def_option(const struct kfwalk *s, const struct kfdef *def)
{
	char *file = file_option(s, def->file), *out;

	if (!def->cond)
		return file;
	if (str_starts(file, "CONFIG_") && strcmp(file + 7, def->cond))
		out = xasprintf("CONFIG_%s,%s", def->cond, file);
	else
		out = xasprintf("CONFIG_%s", def->cond);
	free(file);
	return out;
}

/* Adds an entry under name `as` for each definition of name in d. A
 * definition no Makefile line builds is left out when another one can be
 * placed: it is built only in other configurations (mm/nommu.c, for kernels
 * without an MMU). Returns how many definitions there were. */
static size_t add_defs(const struct kfwalk *s, const struct kfdefs *d, enum kfeature_kind kind,
		       const char *name, const char *as, struct kfeature_table *t)
{
	struct strlist opts = {0};
	size_t k = 0, placed = 0;

	for (size_t i = 0; i < d->n; i++) {
		char *opt = strcmp(d->v[i].name, name) ? xstrdup("") : def_option(s, &d->v[i]);
		strlist_add(&opts, opt);
		placed += *opt && strcmp(opt, KF_UNKNOWN);
		k += *opt != 0;
		free(opt);
	}
	for (size_t i = 0; i < d->n; i++) {
		const char *opt = opts.v[i];
		if (*opt && !(placed && !strcmp(opt, KF_UNKNOWN)) && !has_entry(t, as, opt, d->v[i].file))
			kfeature_add(t, kind, as, opt, d->v[i].file);
	}
	strlist_release(&opts);
	return k;
}

/* Copies the entries of name under alias (stat for newstat, AF_LOCAL for AF_UNIX). */
static void add_alias(struct kfeature_table *t, const char *name, const char *alias)
{
	size_t n = t->n;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t->v[i].name, name) && !has_entry(t, alias, t->v[i].option, t->v[i].file))
			kfeature_add(t, t->v[i].kind, alias, t->v[i].option, t->v[i].file);
}

static int has_name(const struct kfeature_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return 1;
	return 0;
}

/* Syscalls with a stub in sys_ni.c, then the rest of x86-64's table: without
 * a stub a syscall must be linked in, or the table would not link, so those
 * are always built. */
static void add_syscalls(const struct kfwalk *s, const struct strlist *cond, const struct strlist *tbl,
			 struct kfeature_table *t)
{
	for (size_t i = 0; i < cond->n; i++)
		if (!add_defs(s, &s->sys, KF_SYSCALL, cond->v[i], cond->v[i], t))
			kfeature_add(t, KF_SYSCALL, cond->v[i], KF_UNKNOWN, "-");
	for (size_t i = 0; i + 1 < tbl->n; i += 2) {
		const char *name = tbl->v[i], *def = tbl->v[i + 1];
		if (!has_name(t, def)) {
			const char *file = "-";
			for (size_t j = 0; j < s->sys.n && !strcmp(file, "-"); j++)
				if (!strcmp(s->sys.v[j].name, def))
					file = s->sys.v[j].file;
			kfeature_add(t, KF_SYSCALL, def, KF_ALWAYS, file);
		}
		if (strcmp(name, def) && !has_name(t, name))
			add_alias(t, def, name);
	}
}

static void add_families(const struct kfwalk *s, const struct strlist *af, struct kfeature_table *t)
{
	for (size_t i = 0; i + 1 < af->n; i += 2) {
		const char *name = af->v[i], *canon = af->v[i + 1];
		if (strcmp(name, canon)) {
			add_alias(t, canon, name);
			continue;
		}
		size_t k = 0;
		for (size_t j = 0; j < s->fam.n; j++) {
			/* .family = PF_INET6 or AF_INET6, through the aliases */
			const char *f = s->fam.v[j].name;
			char *as_af = xasprintf("AF_%s", f + 3);
			const char *c =
			    str_starts(f, "PF_") || str_starts(f, "AF_") ? pair_get(af, as_af) : NULL;
			if (c && !strcmp(c, name))
				k += add_defs(s, &s->fam, KF_FAMILY, s->fam.v[j].name, name, t);
			free(as_af);
		}
		if (!k)
			kfeature_add(t, KF_FAMILY, name, KF_UNKNOWN, "-");
	}
}

static char *read_in(const char *tree, const char *rel, struct strbuf *err)
{
	char *path = xasprintf("%s/%s", tree, rel), *text = file_read(path, NULL);
	if (!text)
		sb_addf(err, "cannot read '%s': %s; is '%s' a whole Linux source tree?", path,
			strerror(errno), tree);
	free(path);
	return text;
}

int kfeature_scan(const char *tree, struct kfeature_table *t, struct strbuf *err)
{
	struct kfwalk s = {0};
	struct strlist cond = {0}, tbl = {0}, af = {0};
	char *ni = NULL, *tb = NULL, *sock = NULL;
	int ret = -1;

	if (!(ni = read_in(tree, "kernel/sys_ni.c", err)) ||
	    !(tb = read_in(tree, "arch/x86/entry/syscalls/syscall_64.tbl", err)) ||
	    !(sock = read_in(tree, "include/linux/socket.h", err)))
		goto out;
	kfwalk_run(&s, tree);
	cond_syscalls(ni, &cond);
	for (size_t i = 0; i < s.ni.n; i++)
		if (!strlist_has(&cond, s.ni.v[i].name))
			strlist_add(&cond, s.ni.v[i].name);
	syscall_table(tb, &tbl);
	families(sock, &af);
	add_syscalls(&s, &cond, &tbl, t);
	add_families(&s, &af, t);
	for (size_t i = 0; i < s.fs.n; i++)
		add_defs(&s, &s.fs, KF_FS, s.fs.v[i].name, s.fs.v[i].name, t);
	ret = 0;
out:
	kfwalk_release(&s);
	strlist_release(&cond);
	strlist_release(&tbl);
	strlist_release(&af);
	free(ni);
	free(tb);
	free(sock);
	return ret;
}
