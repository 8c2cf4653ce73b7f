/* ksource.h: find the Linux source to build from, unpacking a tarball once into the cache. */
#ifndef LUPINE_KSOURCE_H
#define LUPINE_KSOURCE_H

#include "lib/util.h"

#define KSOURCE_DEFAULT "/usr/src/linux-source-6.1.tar.xz"

struct ksource {
	char *tree;     /* top of a kernel tree (holds Makefile and Kconfig) */
	char *version;  /* "6.1.192" from the Makefile */
	char *identity; /* what the cache key records about where the tree came from */
};

/* spec: a tree or a tarball; NULL means $LUPINE_LINUX_SRC, else KSOURCE_DEFAULT.
 * A tarball is unpacked once into the cache's trees/; an unpacked tree (or a
 * patched copy) is used only when the marker written last when it was made is
 * there, a tree of the user's without it is made again, and one that is not
 * the user's (or others can write) is refused.
 * Returns 0, or -1 with a one-line message (what is wrong, what to do) in err. */
int ksource_open(struct ksource *ks, const char *spec, struct strbuf *err);
void ksource_release(struct ksource *ks);

/* Applies the patch text (named name, e.g. "kml") to a copy of ks->tree made
 * once in the cache (hard links, so it costs little; patch(1) replaces the
 * files it changes), then points ks at the copy and adds the patch's hash
 * to its identity. Returns 0, or -1 with err set (the patch did not apply). */
int ksource_patch(struct ksource *ks, const char *name, const char *text, struct strbuf *err);

#endif
