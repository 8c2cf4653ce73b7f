/* cache.h: where Lupine keeps unpacked sources and built kernels, and the locks that guard them.
 *
 * Root runs what it finds here (make in an unpacked tree, a kernel in a VM),
 * so every directory and entry of the cache must belong to the effective
 * user and be writable by nobody else; anything else is refused, never
 * trusted on existence. */
#ifndef LUPINE_CACHE_H
#define LUPINE_CACHE_H

#include "lib/str.h"

#include <sys/stat.h>
#include <sys/types.h>

/* Root's cache when it has no home (a service without HOME, such as containerd). */
#define CACHE_ROOT_SYSTEM "/var/cache/lupine"

/* The cache root envp ("K=V" strings, NULL-terminated) names for the user
 * euid: $LUPINE_CACHE, else $XDG_CACHE_HOME/lupine, else $HOME/.cache/lupine,
 * else CACHE_ROOT_SYSTEM for euid 0. Returns a string the caller frees, or
 * NULL with a one-line message in err (not root, and none of them set).
 * Creates nothing. */
char *cache_root_pick(char *const *envp, uid_t euid, struct strbuf *err);
/* cache_root_pick(environ, geteuid()), created (0755, parents too) on first
 * use and checked as cache_check does. Returns a static string. Dies with
 * one line saying what to do when there is none or it is refused. */
const char *cache_root(void);
/* cache_root()/SUB (SUB one name), created 0755 and checked. Caller frees.
 * Dies with one line saying what to do if it cannot be made or is refused. */
char *cache_dir(const char *sub);

/* Whether the cache path path may be trusted: it must be of type (S_IFDIR or
 * S_IFREG, looked at with lstat, so a symbolic link is refused), belong to
 * the effective user and not be writable by group or others. Returns 1 when
 * it is, 0 when it does not exist, -1 with a one-line message in err (what
 * is wrong, what to do) when it is refused or cannot be looked at. */
int cache_check(const char *path, mode_t type, struct strbuf *err);
/* cache_check on what lstat or fstat said about path: 0, or -1 with err set. */
int cache_stat_check(const char *path, const struct stat *st, mode_t type, struct strbuf *err);
/* Creates the cache directory path (0755; its parents too when parents is
 * set) unless it exists, then checks it. Returns 0, or -1 with err set. */
int cache_mkdir(const char *path, int parents, struct strbuf *err);

/* Takes an exclusive lock named NAME (waits, saying so once, when another
 * lupine holds it). Returns an fd to pass to cache_unlock, or -1 with errno.
 * Dies, as cache_dir does, when the lock file is not the user's own.
 * The kernel drops the lock if the process dies, so a killed build never
 * leaves a stale lock behind. */
int cache_lock(const char *name, const char *what);
void cache_unlock(int fd);

#endif
