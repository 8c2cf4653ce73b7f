/* kbuild.h: resolve a kernel config from fragments, verify it, build it out of tree, cached by content hash. */
#ifndef LUPINE_KBUILD_H
#define LUPINE_KBUILD_H

#include "kernel/kconfig.h"
#include "kernel/ksource.h"

struct kbuild_req {
	struct ksource *src;
	const struct kconfig_frag *frags; /* base first, then overlays */
	size_t nfrags;
	const char *label; /* e.g. "base + apps/redis", for messages */
	int jobs;          /* make -j; 0 means the number of CPUs */
	int force;         /* rebuild even when cached */
	int cached_only;   /* never build: a kernel not in the cache (under these exact
			    * inputs) is an error saying so */
	int complete;      /* frags[0] is a complete .config (a baseline): resolve it
			    * with olddefconfig alone, and check only what the later
			    * fragments ask for */
};

struct kbuild_result {
	char hash[65];       /* content hash of (source identity, final .config, patches) */
	char *dir;           /* cache entry holding bzImage, vmlinux, config, build.log, info.json */
	char *bzimage, *vmlinux, *config;
	unsigned long long bzimage_bytes, text, data, bss;
	unsigned long options_y;
	double build_sec;    /* how long the build took when it was made */
	int cached;          /* 1 when no build was needed */
};

/* Resolves the fragments with the kernel's allnoconfig + KCONFIG_ALLCONFIG and
 * olddefconfig (olddefconfig alone for a complete config), checks that every requested option holds, then returns the
 * cached kernel or builds it. Returns 0, or -1 with a message in err (every
 * option that did not hold and why, the build log's tail, or a cache entry
 * refused: not the user's, or changed after it was built). */
int kbuild_get(const struct kbuild_req *req, struct kbuild_result *res, struct strbuf *err);
void kbuild_result_release(struct kbuild_result *res);
/* `lupine kernel`'s summary of res (kernel, config, size, build, cache
 * lines), its image named by path when it was copied (NULL: the cache's). */
void kbuild_result_describe(const struct kbuild_result *res, const char *label, const char *path,
			    struct strbuf *out);
/* The value of CONFIG_name in the built kernel's .config ("y", "m", a
 * literal), or "n" when it is not set or the config cannot be read. Caller frees. */
char *kbuild_option(const struct kbuild_result *res, const char *name);

/* Resolves fragments into a final .config text without building (used by
 * kbuild_get and by tests). Returns the text (caller frees) or NULL with err set. */
char *kbuild_resolve(const struct kbuild_req *req, struct strbuf *err);

#endif
