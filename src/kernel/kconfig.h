/* kconfig.h: parse Kconfig fragments, merge them with conflict checks, verify a resolved .config. */
#ifndef LUPINE_KCONFIG_H
#define LUPINE_KCONFIG_H

#include <stddef.h>
#include "lib/util.h"

/* One "CONFIG_NAME=value" or "# CONFIG_NAME is not set" line. */
struct kconfig_entry {
	char *name;   /* without the CONFIG_ prefix */
	char *value;  /* "y", "m", "n" (not set), a number, or a quoted string */
	char *origin; /* fragment name it came from, e.g. "base" or "apps/redis" */
	int line;
	char *why;    /* trailing or preceding comment, or NULL */
};

/* A fragment or a whole .config. layer 0 is the base; a later layer may
 * override the base but two fragments of the same later layer may not disagree. */
struct kconfig_frag {
	char *name;
	int layer;
	struct kconfig_entry *e;
	size_t n, cap;
	int sorted; /* set by kconfig_frag_sort; enables kconfig_lookup */
};

/* Parses text into f (which must be zeroed). Returns 0, or -1 with a
 * "NAME:LINE: problem" message appended to err. */
int kconfig_frag_parse(struct kconfig_frag *f, const char *name, const char *text, int layer,
		       struct strbuf *err);
void kconfig_frag_release(struct kconfig_frag *f);

/* Sorts entries by name so kconfig_lookup can binary-search (used for .config). */
void kconfig_frag_sort(struct kconfig_frag *f);
/* Value of NAME in a sorted frag: "y", "m", a literal, or "n" when absent/not set. */
const char *kconfig_lookup(const struct kconfig_frag *f, const char *name);
/* Number of options set to y. */
size_t kconfig_count_y(const struct kconfig_frag *f);

/* Merges frags (in order) into out (zeroed; entries are copies). Returns 0,
 * or -1 with every conflict described in err. */
int kconfig_merge(struct kconfig_frag *out, const struct kconfig_frag *frags, size_t nfrags,
		  struct strbuf *err);
/* Renders entries as a fragment the kernel's kconfig reads (KCONFIG_ALLCONFIG). Caller frees. */
char *kconfig_render(const struct kconfig_frag *f);

/* Whether the resolved value satisfies the requested one ("n" matches absent). */
int kconfig_value_holds(const char *want, const char *got);

#endif
