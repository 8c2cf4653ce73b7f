/* kexplain.c: why an option did not hold in the resolved config, and did-you-mean hints, from a kindex.
 *
 * The kernel's kconfig drops an option it cannot satisfy without a word; naming
 * the unmet clause (or the options that force one on) is what makes a bad
 * fragment fixable. */
#include "kernel/kindex.h"
#include "kernel/kindex_impl.h"
#include "kernel/kexpr.h"

#include <string.h>

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[128], prev, tmp;
	if (lb >= ARRAY_SIZE(row))
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			tmp = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *kindex_suggest(const struct kindex *idx, const char *name)
{
	const char *best = NULL;
	size_t best_d = strlen(name) / 3 + 1;

	for (size_t i = 0; i < idx->ndefs; i++) {
		size_t d = edit_distance(name, idx->defs[i].name);
		if (d <= best_d && (!best || d < best_d)) {
			best = idx->defs[i].name;
			best_d = d;
		}
	}
	return best;
}

void kindex_explain(const struct kindex *idx, const char *name, const char *want, const char *got,
		    const struct kconfig_frag *final, struct strbuf *out)
{
	const struct kdef *d = kindex_first_def(idx, name);

	if (!d) {
		const char *s = kindex_suggest(idx, name);
		sb_addf(out, "no such option in this kernel for %s", idx->arch);
		if (s)
			sb_addf(out, " (did you mean CONFIG_%s?)", s);
		return;
	}
	if (strcmp(want, "n") && !strcmp(got, "n")) {
		for (; d < idx->defs + idx->ndefs && !strcmp(d->name, name); d++) {
			for (size_t i = 0; i < d->ndeps; i++) {
				if (kexpr_eval(d->deps[i], final))
					continue;
				sb_addf(out, "it depends on '%s' (%s), and ", d->deps[i], d->where);
				kexpr_unset(d->deps[i], final, out);
				return;
			}
		}
		sb_adds(out, "its dependencies hold; it may be a choice member whose choice took another value, or an option without a prompt");
		return;
	}
	if (!strcmp(want, "n")) {
		int any = 0;
		for (size_t i = 0; i < idx->nsels; i++) {
			const struct ksel *s = &idx->sels[i];
			if (strcmp(s->target, name) || !strcmp(kconfig_lookup(final, s->by), "n"))
				continue;
			if (s->cond && !kexpr_eval(s->cond, final))
				continue;
			sb_addf(out, "%sselected by CONFIG_%s", any ? ", " : "it is ", s->by);
			any = 1;
		}
		if (!any)
			sb_adds(out, "it has no prompt or is forced on by its default");
		return;
	}
	sb_addf(out, "Kconfig gave %s instead (range, type or dependency of its definition at %s)", got,
		d->where);
}
