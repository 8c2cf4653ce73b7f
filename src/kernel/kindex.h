/* kindex.h: an index of a kernel tree's Kconfig symbols, to explain why an option did not hold. */
#ifndef LUPINE_KINDEX_H
#define LUPINE_KINDEX_H

#include "kernel/kconfig.h"

struct kindex;

/* Reads SRCTREE/Kconfig and everything it sources for ARCH (e.g. "x86").
 * Returns NULL with a message in err when the tree cannot be read. */
struct kindex *kindex_load(const char *srctree, const char *arch, struct strbuf *err);
void kindex_free(struct kindex *idx);

/* Whether NAME is defined anywhere in the tree for this arch. */
int kindex_has(const struct kindex *idx, const char *name);
/* NAME's type, "bool", "tristate", "string", "int" or "hex", from the first
 * of its definitions that gives one; NULL when none does or NAME is not defined. */
const char *kindex_type(const struct kindex *idx, const char *name);
/* Whether NAME is a defined bool or tristate option: one "CONFIG_NAME=y" may set. */
int kindex_is_bool(const struct kindex *idx, const char *name);
/* Closest defined symbol name to NAME (a spelling hint), or NULL. */
const char *kindex_suggest(const struct kindex *idx, const char *name);
/* The "depends on" conjuncts of NAME's first definition, inherited ones
 * first ("NET && INET", "!UML"): returns how many and points *deps at them
 * (owned by idx, valid until kindex_free); 0 when NAME is not defined. */
size_t kindex_depends(const struct kindex *idx, const char *name, const char *const **deps);

/* Appends to out why NAME resolved to `got` instead of `want` in the final
 * config: the unmet "depends on" clause and its unset symbols, or the
 * options that select it. */
void kindex_explain(const struct kindex *idx, const char *name, const char *want, const char *got,
		    const struct kconfig_frag *final, struct strbuf *out);

#endif
