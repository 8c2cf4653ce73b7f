/* ready.h: run a bundle until a real client says the application works,
 * timed, and find the smallest memory at which it does. The VM runs in this
 * process, served by a thread of its own while the caller probes it (or,
 * once it is ready, loads it). Used by the benchmarks, `lupine apps test`
 * and `lupine manifest`. */
#ifndef LUPINE_BUNDLE_READY_H
#define LUPINE_BUNDLE_READY_H

#include "lib/util.h"

#include <sys/types.h>

struct readiness {
	const char *port;      /* "HOST:GUEST" to forward (NULL: no port) */
	int host_port;         /* HOST, for {port} in the probe */
	const char *probe;     /* shell command; {port} is replaced. NULL: a one-shot
				* application, ready when it exits 0 with the text in log */
	const char *expect;    /* text the probe's output holds when ready (NULL: the
				* probe exits 0; a one-shot application ends, however) */
	const struct strlist *args; /* the application's arguments (may be NULL) */
	const char *log;       /* the console and how the run ended go here (NULL: nowhere) */
	int record;            /* boot with lupine_record: the kernel notes every feature used */
	double stop_timeout;   /* seconds the application gets to end after the stop (0: 2) */
	const char *mem_file;  /* the guest's RAM is this file, shared: a VM to snapshot (ready_freeze) */
	const char *from;      /* restore this snapshot instead of booting (bundle/snapshot.h) */
	/* out, when the run has ended: */
	int status;            /* `lupine run`'s exit status for it when it ended by itself, else -1 */
	struct strlist used, missing; /* the kernel's notes ("KIND NAME PID COMM"); used only with record */
	double t_vm;           /* now_sec() once the VMM had been started (0: it was not) */
	double t_init, t_app;  /* seconds from the VMM's start to the init's first word and to
				* the application's start (-1: never) */
};

/* Frees the out lists. */
void readiness_release(struct readiness *r);

/* One run with mem MiB: seconds until the probe passed, or -1 if it did not
 * within limit seconds (or the run ended first; for a one-shot application,
 * seconds until it finished its job). The run is stopped afterwards. */
double ready_time(struct readiness *r, const char *bundle, int mem, double limit);

/* The parts of ready_time, for callers that use the application once it is
 * ready: ready_start boots it (a run that cannot start is one that ended at
 * once, status 125, its reason in the log); ready_wait waits until it is
 * ready (seconds since t0, or -1); ready_stop stops the run (SIGTERM to the
 * application, as docker stop), waits for its end, fills r's out fields and
 * frees run (NULL: nothing). */
struct ready_run;
struct ready_run *ready_start(struct readiness *r, const char *bundle, int mem);
double ready_wait(struct readiness *r, struct ready_run *run, double t0, double limit);
void ready_stop(struct ready_run *run);
/* The VMM's pid (-1 when it did not start), and the CPU seconds the thread
 * serving the VM has used: what a run costs the host beside QEMU. */
pid_t ready_vmm_pid(const struct ready_run *run);
/* With r->mem_file: asks the init to stop the application for a snapshot
 * and waits (at most limit seconds) until it has and all its output came.
 * Then the running VM (vm/snapshot.h saves it) and its disk (NULL: none). 0, or -1. */
int ready_freeze(struct ready_run *run, double limit);
struct vm *ready_vm(struct ready_run *run);
const char *ready_disk(const struct ready_run *run);
double ready_server_cpu(const struct ready_run *run);

/* The least memory (MiB) the bundle's kernel can unpack itself in: its load
 * address + init_size from the bzImage header; 0 when unknown (not a bzImage). */
int boot_floor(const char *bundle);
/* The smallest m in (lo, hi] with ok(m), by bisection, given that ok(hi)
 * holds and ok is monotonic; each step said through step (may be NULL). */
int ready_bisect(int lo, int hi, int (*ok)(int m, void *ctx), void *ctx,
		 void (*step)(int m, int ok, void *ctx));
/* Smallest MiB at which the bundle gets ready, by bisection between the
 * least memory its kernel can unpack in (or 8) and hi (progress on stderr);
 * -1 when it is not ready even with hi. */
int smallest_memory(struct readiness *r, const char *bundle, int hi, double limit);

#endif
