/* kindex_impl.h (kernel/ internal): the index's tables, read from Kconfig by kindex.c and queried by kexplain.c. */
#ifndef LUPINE_KERNEL_KINDEX_IMPL_H
#define LUPINE_KERNEL_KINDEX_IMPL_H

#include "kernel/kindex.h"

struct kdef {
	char *name;
	char *where;  /* "drivers/net/Kconfig:312" */
	char **deps;  /* conjuncts, inherited ones first */
	size_t ndeps;
	const char *type; /* "bool", "tristate", "string", "int", "hex"; NULL: this definition gives none */
};

struct ksel {
	char *by, *target, *cond;
};

struct kindex {
	struct kdef *defs;
	size_t ndefs, capdefs;
	struct ksel *sels;
	size_t nsels, capsels;
	char *srctree, *arch;
};

/* The first of NAME's definitions in idx->defs (sorted by name, so any others
 * follow it), or NULL when NAME is not defined for this arch. */
const struct kdef *kindex_first_def(const struct kindex *idx, const char *name);

#endif
