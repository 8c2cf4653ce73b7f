/* guard.h: temporary paths removed however lupine ends, kill -9 included.
 *
 * guard_start() forks a small guardian process that keeps the read end of
 * a pipe; guard_add() sends it paths. When lupine exits or is killed, the
 * pipe closes and the guardian removes every path still there. Library code
 * may register paths; without guard_start() registration does nothing. */
#ifndef LUPINE_GUARD_H
#define LUPINE_GUARD_H

/* Starts the guardian (once). 0, or -1 with errno: then nothing is guarded. */
int guard_start(void);
/* Has path removed (rm -rf) when lupine ends, unless it is gone by then. */
void guard_add(const char *path);

/* A new private directory $TMPDIR/lupine-WHAT-XXXXXX (TMPDIR unset: /tmp),
 * registered with the guard. NULL with errno on failure; caller frees. */
char *tmp_dir(const char *what);

#endif
