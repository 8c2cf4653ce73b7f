/* kderive.c: notes of a recording run -> the options an application needs, with their dependencies. */
#include "manifest/kderive.h"
#include "kernel/kbuild.h"
#include "kernel/kindex.h"
#include "kernel/ksource.h"
#include "kernel/kspec.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"

static struct kderived *find(struct kderivation *d, const char *option)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].option, option))
			return &d->v[i];
	return NULL;
}

static int in_base(const struct kconfig_frag *base, const char *option)
{
	const char *v = kconfig_lookup(base, option + strlen("CONFIG_")); /* entries are named without it */
	return v && !strcmp(v, "y");
}

/* Whether option is "CONFIG_NAME" with NAME [A-Za-z0-9_]: the only kind of name a derived fragment writes. */
static int option_name(const char *option)
{
	const char *name = option + strlen("CONFIG_");

	return str_starts(option, "CONFIG_") && *name && !name[strspn(name, NAME_CHARS)];
}

/* Adds option (unless base has it) for a feature that uses it (why) or for
 * the derived option that depends on it (by); one of the two is NULL. Only
 * a bool or tristate option of this tree is derived: the fragment sets it
 * to y, and nothing the guest said becomes a name or value there. */
static void add(struct kderivation *d, const struct kconfig_frag *base, const struct kindex *idx,
		const char *option, const char *why, const char *by)
{
	struct kderived *o = find(d, option);
	struct strlist *list;

	if (!option_name(option) || !kindex_is_bool(idx, option + strlen("CONFIG_")) || in_base(base, option))
		return;
	if (!o) {
		if (d->n == d->cap)
			d->v = xrealloc(d->v, (d->cap = d->cap ? 2 * d->cap : 16) * sizeof(*d->v));
		o = &d->v[d->n++];
		memset(o, 0, sizeof(*o));
		o->option = xstrdup(option);
		o->dependency = by != NULL;
	} else if (!by) {
		o->dependency = 0;
	}
	list = by ? &o->needed_by : &o->why;
	if (!strlist_has(list, by ? by : why))
		strlist_add(list, by ? by : why);
}

/* "signalfd4() by postgres", "AF_INET6 sockets by nginx", "fs proc by python3" */
static char *reason(const struct knote *n)
{
	if (!strcmp(n->kind, "syscall"))
		return xasprintf("%s() by %s", n->feature, n->comm);
	if (!strcmp(n->kind, "family"))
		return xasprintf("%s sockets by %s", n->feature, n->comm);
	if (!strcmp(n->kind, "fs"))
		return xasprintf("the %s filesystem by %s", n->feature, n->comm);
	return xasprintf("%s by %s", n->feature, n->comm);
}

/* A conjunct that is only symbols joined by && ("NET && INET"): each is
 * required. Anything else (||, !, =) is left to kconfig's own check. */
static void required_symbols(const char *conj, struct strlist *out)
{
	for (const char *p = conj; *p;) {
		while (*p == ' ' || *p == '\t' || *p == '&')
			p++;
		size_t n = 0;
		while (isalnum((unsigned char)p[n]) || p[n] == '_')
			n++;
		if (!*p)
			break;
		if (!n || strchr("|!=<>(", p[n] ? p[n] : ' ') || (p[n] && p[n] != ' ' && p[n] != '&')) {
			strlist_release(out);
			return;
		}
		char *sym = xstrndup(p, n);
		if (strcmp(sym, "y") && strcmp(sym, "m")) {
			char *opt = xasprintf("CONFIG_%s", sym);
			strlist_add(out, opt);
			free(opt);
		}
		free(sym);
		p += n;
	}
}

/* Adds what each derived option depends on, until nothing new comes. */
static void close_dependencies(struct kderivation *d, const struct kconfig_frag *base, const struct kindex *idx)
{
	for (size_t i = 0; i < d->n; i++) {
		/* the option's own string, not d->v, which add may move */
		const char *by = d->v[i].option, *const *deps;
		size_t ndeps = kindex_depends(idx, by + 7, &deps);
		for (size_t j = 0; j < ndeps; j++) {
			struct strlist syms = {0};
			required_symbols(deps[j], &syms);
			for (size_t k = 0; k < syms.n; k++)
				add(d, base, idx, syms.v[k], NULL, by);
			strlist_release(&syms);
		}
	}
}

/* The base kernel's resolved config, sorted, and the tree's Kconfig index. */
static int load_base(const char *source, struct kconfig_frag *base, struct kindex **idx, struct strbuf *err)
{
	struct kspec spec = {0};
	struct kconfig_frag *frags = NULL;
	struct ksource src;
	size_t n = 0;
	char *label = NULL, *text = NULL;
	int ret = -1;

	if (kspec_fragments(&spec, &frags, &n, &label, err) < 0)
		return -1;
	if (ksource_open(&src, source, err) < 0)
		goto out_frags;
	struct kbuild_req req = {.src = &src, .frags = frags, .nfrags = n, .label = label};
	if ((text = kbuild_resolve(&req, err)) && kconfig_frag_parse(base, "base .config", text, 0, err) == 0 &&
	    (*idx = kindex_load(src.tree, "x86", err))) {
		kconfig_frag_sort(base);
		ret = 0;
	}
	free(text);
	ksource_release(&src);
out_frags:
	kspec_free_fragments(frags, n);
	free(label);
	return ret;
}

int kderive(const char *source, const struct knotes *k, int net, int survived, struct kderivation *out,
	    struct strbuf *err)
{
	struct kconfig_frag base = {0};
	struct kindex *idx = NULL;

	memset(out, 0, sizeof(*out));
	if (load_base(source, &base, &idx, err) < 0) {
		kconfig_frag_release(&base);
		return -1;
	}
	/* a compiled-out system call is noted twice, used (its number, at entry)
	 * and missing (its stub): when the workload passed all the same, the
	 * missing note decides; when it failed, the feature may be why */
	struct strlist gone = {0};
	for (size_t i = 0; survived && i < k->n; i++)
		if (k->v[i].missing && !strlist_has(&gone, k->v[i].feature))
			strlist_add(&gone, k->v[i].feature);
	for (size_t i = 0; i < k->n; i++) {
		const struct knote *n = &k->v[i];
		if (n->probe || !str_starts(n->option, "CONFIG_"))
			continue;
		if (strlist_has(&gone, n->feature)) {
			/* lupine-general left it out and the workload passed anyway: not
			 * needed (and its option may not fit base: NUMA wants SMP) */
			char *what = xasprintf("%s (%s)", n->feature, n->option);
			if (!strlist_has(&out->absent, what))
				strlist_add(&out->absent, what);
			free(what);
			continue;
		}
		char *why = reason(n), *opts = xstrdup(n->option);
		for (char *o = strtok(opts, ","); o; o = strtok(NULL, ","))
			add(out, &base, idx, o, why, NULL);
		free(opts);
		free(why);
	}
	strlist_release(&gone);
	if (net || find(out, "CONFIG_INET") || find(out, "CONFIG_IPV6"))
		add(out, &base, idx, "CONFIG_VIRTIO_NET", "the VM's network interface, eth0 (virtio-net)",
		    NULL);
	close_dependencies(out, &base, idx);
	kindex_free(idx);
	kconfig_frag_release(&base);
	return 0;
}

/* Comment text on one line whatever it holds: a control byte shows as '?'. */
static void add_comment(struct strbuf *out, const char *text)
{
	for (const char *p = text; *p; p++)
		sb_add(out, (unsigned char)*p < 0x20 || *p == 0x7f ? "?" : p, 1);
}

char *kderive_render(const struct kderivation *d, const char *header, const char *without)
{
	struct strbuf out = {0};

	sb_adds(&out, header ? header : "");
	for (size_t i = 0; i < d->absent.n; i++) {
		sb_adds(&out, i ? "# not derived: " : "#\n# not derived: ");
		add_comment(&out, d->absent.v[i]);
		sb_adds(&out, ", which the recording kernel left out too; the workload passed without it\n");
	}
	for (int dep = 0; dep <= 1; dep++) {
		for (size_t i = 0; i < d->n; i++) {
			const struct kderived *o = &d->v[i];
			if (o->dependency != dep || (without && !strcmp(o->option, without)) ||
			    !option_name(o->option))
				continue;
			sb_adds(&out, "# ");
			for (size_t j = 0; j < o->why.n; j++) {
				sb_adds(&out, j ? ", " : "");
				add_comment(&out, o->why.v[j]);
			}
			for (size_t j = 0; j < o->needed_by.n; j++)
				sb_addf(&out, "%sneeded by %s", o->why.n + j ? ", " : "", o->needed_by.v[j]);
			sb_addf(&out, "\n%s=y\n", o->option);
		}
	}
	return sb_detach(&out);
}

int kderive_drop(struct kderivation *d, const char *option)
{
	struct kderived *o = find(d, option);

	if (!o)
		return 0;
	free(o->option);
	strlist_release(&o->why);
	strlist_release(&o->needed_by);
	memmove(o, o + 1, (size_t)(d->v + d->n - o - 1) * sizeof(*o));
	d->n--;
	return 1;
}

void kderivation_release(struct kderivation *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].option);
		strlist_release(&d->v[i].why);
		strlist_release(&d->v[i].needed_by);
	}
	free(d->v);
	strlist_release(&d->absent);
	memset(d, 0, sizeof(*d));
}
