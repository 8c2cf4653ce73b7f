/* stage.h: build the root filesystem tree of a bundle in a staging directory. */
#ifndef LUPINE_STAGE_H
#define LUPINE_STAGE_H

#include "lib/util.h"

/* Copies the host file at host_path into root at the same path, recreating
 * each symlink met on the way (e.g. Debian's /lib -> usr/lib) so the guest
 * resolves the path as the host does. Returns 0 or -1 with err set. */
int stage_host_path(const char *root, const char *host_path, struct strbuf *err);

/* Copies src (a file, or a directory recursively, symlinks kept as links)
 * to root/guest_path. Returns 0 or -1 with err set. */
int stage_copy(const char *root, const char *src, const char *guest_path, struct strbuf *err);

/* Writes the minimal /etc an application expects (passwd, group, hosts,
 * nsswitch.conf, resolv.conf) where the tree has none. */
int stage_etc(const char *root, struct strbuf *err);

/* Whether guest_path (absolute) names something inside root, without
 * following symlinks out of it: 1 yes, 0 no. */
int stage_exists(const char *root, const char *guest_path);

/* Copies the file at guest_path (symlinks followed inside root) to
 * prefix + guest_path, e.g. /trusted/usr/bin/redis-server, as a regular
 * file. Returns the new guest path (caller frees), or NULL with err set. */
char *stage_copy_under(const char *root, const char *guest_path, const char *prefix, struct strbuf *err);

#endif
