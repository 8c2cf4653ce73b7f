/* knotes.c: a run's kernel notes, resolved to options, and the diagnosis lupine run prints. */
#include "manifest/knotes.h"
#include "vm/vmm.h"
#include "manifest/kfeature.h"
#include "kernel/configs.h"
#include "kernel/kindex.h"
#include "kernel/ksource.h"
#include "manifest/knote_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* System calls glibc and friends try at start-up and do without: their
 * ENOSYS is expected, so they are not named as a cause of failure. */
static const char *const probes[] = {"rseq", "set_robust_list", "get_robust_list", "membarrier"};

static int is_probe(const struct knote *n)
{
	for (size_t i = 0; !strcmp(n->kind, "syscall") && i < ARRAY_SIZE(probes); i++)
		if (!strcmp(n->feature, probes[i]))
			return 1;
	return 0;
}

/* The user's name of a reported feature: "#282" numbers through the tree,
 * "sys_signalfd4" without its prefix, "CONFIG_X:what" split. */
static void name_feature(struct knote *n, const char *name, long nr, const struct kfeature_numbers *nums)
{
	if (nr >= 0 && !strcmp(n->kind, "syscall"))
		n->feature = kfeature_syscall_name(nums, nr);
	else if (nr >= 0 && !strcmp(n->kind, "family"))
		n->feature = kfeature_family_name(nums, nr);
	else if (!strcmp(n->kind, "option") && strchr(name, ':')) {
		n->option = xstrndup(name, strcspn(name, ":"));
		n->feature = xstrdup(strchr(name, ':') + 1);
	} else
		n->feature = xstrdup(str_starts(name, "sys_") ? name + 4 : name);
	if (!n->feature)
		n->feature = xstrdup(name);
}

static void resolve_option(struct knote *n, const struct kfeature_table *t)
{
	enum kfeature_kind kind = !strcmp(n->kind, "family") ? KF_FAMILY : !strcmp(n->kind, "fs") ? KF_FS
												 : KF_SYSCALL;
	const char *opt;

	if (n->option)
		return;
	opt = kfeature_option(t, kind, n->feature);
	n->option = xstrdup(opt ? opt : KF_UNKNOWN);
}

static int seen(const struct knotes *k, const struct knote *n)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].missing == n->missing && k->v[i].pid == n->pid &&
		    !strcmp(k->v[i].kind, n->kind) && !strcmp(k->v[i].feature, n->feature))
			return 1;
	return 0;
}

/* While resolving: the tables, the tree's Kconfig index, and the notes
 * dropped, said in one line at the end. */
struct resolver {
	const struct kfeature_numbers *nums;
	const struct kfeature_table *t;
	struct knote_kconfig kc;
	size_t bad, over;    /* malformed notes; notes past VM_NOTES_MAX of a list */
	char first[84];      /* the first malformed one, shown */
	const char *why;     /* what is wrong with it */
};

static void drop(struct resolver *r, const char *line, const char *why)
{
	if (!r->bad++) {
		knote_shown(line, r->first);
		r->why = why;
	}
}

static void add_note(struct knotes *k, int missing, const struct knote_fields *f, const struct resolver *r)
{
	struct knote n = {.missing = missing, .pid = f->pid};

	n.kind = xstrdup(f->kind);
	n.comm = xstrdup(f->comm);
	name_feature(&n, f->name, f->nr, r->nums);
	resolve_option(&n, r->t);
	n.probe = is_probe(&n);
	if (seen(k, &n)) {
		free(n.kind), free(n.feature), free(n.option), free(n.comm);
		return;
	}
	if (k->n == k->cap)
		k->v = xrealloc(k->v, (k->cap = k->cap ? 2 * k->cap : 16) * sizeof(*k->v));
	k->v[k->n++] = n;
}

static void add_lines(struct knotes *k, const struct strlist *lines, int missing, struct resolver *r)
{
	for (size_t i = 0; lines && i < lines->n && !r->kc.failed; i++) {
		struct knote_fields f;
		const char *why;
		if (i == VM_NOTES_MAX) {
			r->over += lines->n - i;
			break;
		}
		if ((why = knote_check(lines->v[i], &f, &r->kc)))
			drop(r, lines->v[i], why);
		else
			add_note(k, missing, &f, r);
	}
}

/* One line on stderr for what was dropped: a forged note must not pass unsaid. */
static void say_dropped(const struct resolver *r)
{
	if (r->bad == 1)
		error("dropped a malformed kernel note from the guest: '%s' (%s)", r->first, r->why);
	else if (r->bad)
		error("dropped %zu malformed kernel notes from the guest, the first: '%s' (%s)", r->bad,
		      r->first, r->why);
	if (r->over)
		error("dropped %zu kernel notes from the guest past the first %d of each list", r->over,
		      VM_NOTES_MAX);
}

int knotes_resolve(const char *source, const struct strlist *missing, const struct strlist *used,
		   struct knotes *out, struct strbuf *err)
{
	struct kfeature_table t = {0};
	struct kfeature_numbers nums;
	struct resolver r = {.nums = &nums, .t = &t, .kc = {.err = err}};
	struct ksource ks;
	int cached, ret = -1;

	memset(out, 0, sizeof(*out));
	if (ksource_open(&ks, source, err) < 0)
		return -1;
	if (kfeature_load(&ks, &t, &cached, err) < 0)
		goto out;
	kfeature_numbers_load(ks.tree, &nums);
	r.kc.tree = ks.tree;
	add_lines(out, missing, 1, &r);
	add_lines(out, used, 0, &r);
	if (r.kc.failed) {
		knotes_release(out);
	} else {
		say_dropped(&r);
		ret = 0;
	}
	kindex_free(r.kc.idx);
	kfeature_numbers_release(&nums);
	kfeature_table_release(&t);
out:
	ksource_release(&ks);
	return ret;
}

void knotes_release(struct knotes *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].kind);
		free(k->v[i].feature);
		free(k->v[i].option);
		free(k->v[i].comm);
	}
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/* "called signalfd4()", "opened an AF_INET6 socket", "mounted a tmpfs filesystem" */
static void what_it_did(const struct knote *n, struct strbuf *out)
{
	if (!strcmp(n->kind, "syscall"))
		sb_addf(out, "called %s()", n->feature);
	else if (!strcmp(n->kind, "family"))
		sb_addf(out, "opened an %s socket", n->feature);
	else if (!strcmp(n->kind, "fs"))
		sb_addf(out, "mounted a %s filesystem", n->feature);
	else if (strchr(n->feature, '('))
		sb_addf(out, "called %s", n->feature);
	else
		sb_addf(out, "asked for %s", n->feature);
}

/* The manifests that turn OPTION on, as a hint: "; the manifests of node, postgres have it". */
static void manifest_hint(const char *option, struct strbuf *out)
{
	const char *const *apps;
	size_t napps = configs_apps(&apps), k = 0;
	char *line = xasprintf("\n%s=y", option);
	struct strbuf names = {0};

	for (size_t i = 0; i < napps && k < 3; i++) {
		char *name = xasprintf("apps/%s", apps[i]);
		const char *text = configs_text(name);
		if (text && strstr(text, line))
			sb_addf(&names, "%s%s", k++ ? ", " : "", apps[i]);
		free(name);
	}
	if (k)
		sb_addf(out, "; the manifest%s of %s ha%s it", k > 1 ? "s" : "", names.buf, k > 1 ? "ve" : "s");
	sb_release(&names);
	free(line);
}

/* "it needs CONFIG_A and CONFIG_B (lupine build --config FRAGMENT; in --app X)" */
static void what_it_needs(const struct knote *n, struct strbuf *out)
{
	if (!str_starts(n->option, "CONFIG_")) {
		sb_addf(out, "; this tree builds it %s", !strcmp(n->option, KF_ALWAYS) ? "always"
											  : "under no option lupine knows");
		return;
	}
	sb_adds(out, ": it needs ");
	kfeature_options_text(n->option, out);
	sb_adds(out, " (add it with lupine build --config FRAGMENT");
	if (!strchr(n->option, ','))
		manifest_hint(n->option, out);
	sb_adds(out, ")");
}

static int same_feature(const struct knote *a, const struct knote *b)
{
	return a->missing == b->missing && !strcmp(a->kind, b->kind) && !strcmp(a->feature, b->feature) &&
	       !strcmp(a->comm, b->comm);
}

/* "(pid 24)" or "(pids 24, 25 and 4 more)": every process of one name that hit it */
static void pids(const struct knotes *k, size_t first, struct strbuf *out)
{
	size_t n = 0;

	for (size_t i = first; i < k->n; i++)
		n += same_feature(&k->v[first], &k->v[i]);
	sb_addf(out, "(pid%s %ld", n > 1 ? "s" : "", k->v[first].pid);
	for (size_t i = first + 1, shown = 1; i < k->n && shown < 3; i++)
		if (same_feature(&k->v[first], &k->v[i]))
			sb_addf(out, "%s%ld", ++shown == n ? " and " : ", ", k->v[i].pid);
	if (n > 3)
		sb_addf(out, " and %zu more", n - 3);
	sb_adds(out, ")");
}

void knotes_after_run(const struct vm_result *r, int verbose, struct strbuf *out)
{
	struct strbuf err = {0};
	struct knotes k;
	char first[84];

	if (!r->missing.n || (!verbose && r->end == VM_EXITED && r->status == 0))
		return;
	if (knotes_resolve(NULL, &r->missing, NULL, &k, &err) < 0) {
		knote_shown(r->missing.v[0], first);
		sb_addf(out, "lupine: the kernel left out features a process reached for (%s), but %s\n",
			first, err.buf);
	} else {
		knotes_diagnose(&k, verbose, out);
		knotes_release(&k);
	}
	sb_release(&err);
}

void knotes_needed(const struct knotes *k, struct strlist *options)
{
	for (size_t i = 0; i < k->n; i++) {
		const struct knote *n = &k->v[i];
		struct strbuf text = {0};
		if (!n->missing || n->probe || !str_starts(n->option, "CONFIG_"))
			continue;
		kfeature_options_text(n->option, &text);
		if (!strlist_has(options, text.buf))
			strlist_add(options, text.buf);
		sb_release(&text);
	}
}

size_t knotes_diagnose(const struct knotes *k, int verbose, struct strbuf *out)
{
	size_t lines = 0;

	for (size_t i = 0; i < k->n; i++) {
		const struct knote *n = &k->v[i];
		int told = 0;
		for (size_t j = 0; j < i && !told; j++)
			told = same_feature(&k->v[j], n);
		if (told || !n->missing || (n->probe && !verbose))
			continue;
		sb_addf(out, "lupine: %s ", n->comm);
		pids(k, i, out);
		sb_adds(out, " ");
		what_it_did(n, out);
		sb_adds(out, ", which this kernel leaves out");
		what_it_needs(n, out);
		sb_adds(out, n->probe ? " [a start-up probe, harmless]\n" : "\n");
		lines++;
	}
	return lines;
}
