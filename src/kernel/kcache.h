/* kcache.h (kernel/ internal): the entries of the kernel cache: their keys, info.json, and stale staging. */
#ifndef LUPINE_KERNEL_KCACHE_H
#define LUPINE_KERNEL_KCACHE_H

#include "kernel/kbuild.h"

/* DIR/NAME, a file of the cache entry DIR. Caller frees. */
char *kcache_file(const char *dir, const char *name);
/* Writes DIR/info.json from res (hash, sizes, build time), req (label,
 * source) and the SHA-256 of DIR/bzImage and DIR/vmlinux. Returns 0, or -1 with errno. */
int kcache_info_write(const char *dir, const struct kbuild_result *res, const struct kbuild_req *req);
/* Points res at the cache entry DIR of the config hash res->hash, its sizes
 * read from info.json, once it is checked (kcache.c says how). An entry made
 * before bzImage (or vmlinux) hashes were recorded gets its hash recorded now. Returns 1;
 * 0 when the entry is missing or incomplete (a killed build's: build it
 * again); -1 with a one-line message in err when it is refused (not the
 * user's, writable by others) or was changed after it was built. */
int kcache_open(struct kbuild_result *res, const struct kbuild_req *req, const char *dir, struct strbuf *err);
/* Frees res's paths (dir, bzimage, vmlinux, config) and leaves them NULL. */
void kcache_free_paths(struct kbuild_result *res);

/* Hex hash of req's inputs (source identity, merged fragments) into out: the
 * name under keys/ that remembers which config hash they resolved to. */
void kcache_input_key(const struct kbuild_req *req, char out[65]);
/* Reads the config hash the key file path (keys/INPUT) remembers into hash.
 * Returns 1; 0 when there is none (or it is damaged); -1 with a one-line
 * message in err when the file is refused as cache_check refuses it. */
int kcache_key_read(const char *path, char hash[65], struct strbuf *err);
/* Hex hash of (source identity, final config text) into out: the name of its entry under kernels/. */
void kcache_config_hash(const struct kbuild_req *req, const char *config, char out[65]);

/* Removes kernels/.tmp-HASH-PID staging left by a lupine that was killed. */
void kcache_sweep_stale(const char *kdir);

#endif
