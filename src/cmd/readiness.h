/* readiness.h: time `lupine run` of a bundle until a real client says the
 * application works, and find the smallest memory at which it does.
 * Shared by `lupine bench app` and `lupine apps test`. */
#ifndef LUPINE_CMD_READINESS_H
#define LUPINE_CMD_READINESS_H

#include "lib/util.h"

#include <sys/types.h>

struct readiness {
	const char *port;      /* "HOST:GUEST" for lupine run -p (NULL: no port) */
	int host_port;         /* HOST, for {port} in the probe */
	const char *probe;     /* shell command; {port} is replaced. NULL: a one-shot
				* application, ready when it exits 0 with the text in log */
	const char *expect;    /* text the probe's output holds when ready (NULL: the
				* probe exits 0; a one-shot application ends, however) */
	const struct strlist *args; /* the application's arguments (may be NULL) */
	const char *log;       /* lupine run's output goes here (NULL: /dev/null) */
	const char *features;  /* lupine run --record-features FILE (NULL: no recording) */
	double stop_timeout;   /* seconds the application gets to end after the stop (0: 2) */
	int status;            /* out: lupine run's exit status when it ended by itself, else -1 */
};

/* One `lupine run` with mem MiB: seconds until the probe passed, or -1 if
 * it did not within limit seconds (or the run ended first; for a one-shot
 * application, seconds until it finished its job). The run is
 * stopped afterwards. */
double ready_time(struct readiness *r, const char *bundle, int mem, double limit);
/* The parts of ready_time, for callers that use the application once it is
 * ready: starts `lupine run` in the background (output to o->log); waits
 * until ready (seconds since t0, or -1; *pid becomes -1 if the run ended);
 * stops the run (SIGTERM, as docker stop) and reaps it (pid <= 0: nothing). */
pid_t ready_start(struct readiness *o, const char *bundle, int mem);
double ready_wait(struct readiness *o, pid_t *pid, double t0, double limit);
void ready_stop(pid_t pid);
/* The least memory (MiB) the bundle's kernel can unpack itself in: its load
 * address + init_size from the bzImage header; 0 when unknown (not a bzImage). */
int boot_floor(const char *bundle);
/* Smallest MiB at which the bundle gets ready, by bisection between the
 * least memory its kernel can unpack in (or 8) and hi (progress on stderr);
 * -1 when it is not ready even with hi. */
int smallest_memory(struct readiness *r, const char *bundle, int hi, double limit);

#endif
