/* kspec.h: which fragments make a kernel: base, app manifests, general, tiny, user files. */
#ifndef LUPINE_KSPEC_H
#define LUPINE_KSPEC_H

#include "kernel/kconfig.h"

#define KSPEC_KML_OFF 2

struct kspec {
	const char **apps;  /* manifest names, e.g. "redis" */
	size_t napps;
	const char **files; /* user fragment paths */
	size_t nfiles;
	int general;        /* every app manifest */
	int tiny;           /* size-optimised overlay */
	int kml;            /* Kernel Mode Linux: kml.config + kernel/kml.patch;
			     * KSPEC_KML_OFF: the same, with only KERNEL_MODE_LINUX off */
	const char *baseline; /* "microvm", "debian": a complete config of its own
			       * (kbaseline.h) plus configs/baselines/NAME-lupine.config,
			       * built from the unpatched tree; only files may join it */
	struct strlist owned; /* copies of the names and paths, freed by kspec_release */
};

/* How to get a spec's kernel (kspec_kernel). */
struct kspec_build {
	const char *source;    /* kernel source, as for ksource_open (NULL: the default) */
	int jobs;              /* make -j (0: the number of CPUs) */
	int force;             /* rebuild even when cached */
	int cached_only;       /* only a kernel already in the cache (kbuild_req's) */
	struct strlist *names; /* out, when not NULL: the fragment names after base */
};

void kspec_add_app(struct kspec *s, const char *name);
/* A kernel SPEC as 'lupine bench' and lupine-runc's org.lupine.kernel take it
 * ("base", "redis+nginx", "general+tiny", "redis+kml", "microvm"): words
 * joined by '+', added to s; a word that is no keyword nor baseline is taken
 * as an app name (kspec_fragments says when it is unknown). */
void kspec_parse(struct kspec *s, const char *words);
void kspec_add_file(struct kspec *s, const char *path);
void kspec_release(struct kspec *s);

/* Parses the selected fragments, base first. Returns 0 with *frags (n of
 * them, free with kspec_free_fragments) and *label ("base + apps/redis"),
 * or -1 with a one-line message in err (unknown app, unreadable or bad file). */
int kspec_fragments(const struct kspec *s, struct kconfig_frag **frags, size_t *n, char **label,
		    struct strbuf *err);
void kspec_free_fragments(struct kconfig_frag *frags, size_t n);

/* Applies the kernel patches: missing.patch (every kernel) and, for KML, kml.patch. Returns 0 or -1 with err set. */
struct ksource;
int kspec_patch_source(const struct kspec *s, struct ksource *src, struct strbuf *err);

/* The kernel for a spec, from the cache or built now: fragments, source
 * (patched as the spec needs), kbuild_get. Returns 0 with res, *label
 * ("base + apps/redis", caller frees) and o->names filled; or -1 with err set. */
struct kbuild_result;
int kspec_kernel(const struct kspec *s, const struct kspec_build *o, struct kbuild_result *res, char **label,
		 struct strbuf *err);

/* The final .config for a spec without building it (caller frees), with
 * *label as kspec_kernel gives it; or NULL with err set. */
char *kspec_config(const struct kspec *s, const char *source, char **label, struct strbuf *err);

#endif
