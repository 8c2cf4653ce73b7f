/* kcache.h (kernel/ internal): the entries of the kernel cache: their keys, info.json, and stale staging. */
#ifndef LUPINE_KERNEL_KCACHE_H
#define LUPINE_KERNEL_KCACHE_H

#include "kernel/kbuild.h"

/* DIR/NAME, a file of the cache entry DIR. Caller frees. */
char *kcache_file(const char *dir, const char *name);
/* Writes DIR/info.json from res (hash, sizes, build time) and req (label,
 * source). Returns 0, or -1 as file_write_atomic does. */
int kcache_info_write(const char *dir, const struct kbuild_result *res, const struct kbuild_req *req);
/* Points res at the complete cache entry DIR, its sizes read from info.json.
 * Returns 0, or -1 when the entry is missing or incomplete. */
int kcache_fill(struct kbuild_result *res, const char *dir);
/* Frees res's paths (dir, bzimage, vmlinux, config) and leaves them NULL. */
void kcache_free_paths(struct kbuild_result *res);

/* Hex hash of req's inputs (source identity, merged fragments) into out: the
 * name under keys/ that remembers which config hash they resolved to. */
void kcache_input_key(const struct kbuild_req *req, char out[65]);
/* Hex hash of (source identity, final config text) into out: the name of its entry under kernels/. */
void kcache_config_hash(const struct kbuild_req *req, const char *config, char out[65]);

/* Removes kernels/.tmp-HASH-PID staging left by a lupine that was killed. */
void kcache_sweep_stale(const char *kdir);

#endif
