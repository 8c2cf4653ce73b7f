/* cache.h: where Lupine keeps unpacked sources and built kernels, and the locks that guard them. */
#ifndef LUPINE_CACHE_H
#define LUPINE_CACHE_H

/* $LUPINE_CACHE, else $XDG_CACHE_HOME/lupine, else $HOME/.cache/lupine.
 * Created on first use. Returns a static string. */
const char *cache_root(void);
/* cache_root()/SUB, created (mkdir -p). Caller frees. Dies if it cannot be made. */
char *cache_dir(const char *sub);
/* Takes an exclusive lock named NAME (waits, saying so once, when another
 * lupine holds it). Returns an fd to pass to cache_unlock, or -1 with errno.
 * The kernel drops the lock if the process dies, so a killed build never
 * leaves a stale lock behind. */
int cache_lock(const char *name, const char *what);
void cache_unlock(int fd);

#endif
