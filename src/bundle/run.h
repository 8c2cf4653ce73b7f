/* run.h: a bundle as a running VM: its checks, its launch (launch.h) and the
 * VM (vm/vmm.h), and the exit status a run's end becomes. What `lupine run`,
 * the readiness checks, the benchmarks and lupine-runc's monitor all use. */
#ifndef LUPINE_BUNDLE_RUN_H
#define LUPINE_BUNDLE_RUN_H

#include "bundle/launch.h"

/* lupine run's own exit statuses, kept apart from common application ones */
enum {
	RUN_EXIT_NO_STATUS = 122, /* the VM ended without the init reporting (VMM killed, reset) */
	RUN_EXIT_PANIC = 123,     /* the kernel panicked */
	RUN_EXIT_TIMEOUT = 124,   /* --timeout ran out, or init was not reached in time */
	RUN_EXIT_LAUNCH = 125,    /* could not start: bad bundle, VMM missing, port in use */
};

/* Seconds a run waits for the init to say it started before it gives up
 * (a kernel that hangs in its boot): every run's, lupine run's, lupine-runc's
 * and the readiness probes'. */
#define RUN_INIT_TIMEOUT 120

struct snapshot;

struct run_req {
	const char *bundle;    /* the bundle directory (with from: filled from the snapshot) */
	const char *from;      /* restore this snapshot (bundle/snapshot.h) instead of booting */
	struct launch_opts lo; /* lo.vmm NULL: QEMU; lo.tmpdir NULL: a private one, removed after */
	struct vm_net_opts net; /* the NIC's host side (zero: user mode, or the VMM's own) */
	struct vm_config cfg;  /* accel, ports, timeouts, echo, stop: the run's own; the
				* kernel, initrd, disk, command line, memory and NIC
				* are filled from the bundle by bundle_vm_start */
};

/* A bundle being run. */
struct bundle_vm {
	struct run_req *rq;
	struct bundle b;
	struct launch l;
	struct vm_net net; /* what rq->net set up, released after the VM */
	struct vm *vm;
	char *tmpdir; /* made here when rq->lo.tmpdir was NULL */
	struct snapshot *snap; /* with rq->from: the snapshot, loaded */
};

/* Loads rq->bundle and checks it can run as asked (the VMM is there, the
 * ports are free, the kernel has a NIC for them) before making any file.
 * 0, or -1 with a one-line err. Then bundle_release(b). */
int bundle_run_check(const struct run_req *rq, struct bundle *b, struct strbuf *err);
/* Checks, launches and starts the VM. 0, or -1 with err (nothing left). rq
 * must outlive bv; its cfg is changed to this run's. */
int bundle_vm_start(struct run_req *rq, struct bundle_vm *bv, struct strbuf *err);
/* What bundle_vm_start holds, released (bundle_vm_wait does it). */
void bundle_vm_release(struct bundle_vm *bv);
/* Waits for it to end (see vm_wait) and releases bv. 0 with res, or -1 with err. */
int bundle_vm_wait(struct bundle_vm *bv, struct vm_result *res, struct strbuf *err);
/* bundle_vm_start + bundle_vm_wait; with rq->lo.terminal, lupine's stdin,
 * when a terminal, is raw for the run (lib/term.h: restored at its end,
 * at exit and on a fatal signal). */
int bundle_run(struct run_req *rq, struct vm_result *res, struct strbuf *err);
/* The VMM's command line (and config file) for rq, without running it (run --dry-run). */
int bundle_run_describe(struct run_req *rq, struct strbuf *out, struct strbuf *err);

/* A foreground run's signals, as `lupine run` and lupine-runc's monitor
 * take them: SIGINT, SIGTERM and SIGHUP stop the application (SIGTERM to it,
 * the VM killed after the stop timeout), SIGUSR1, SIGUSR2, SIGQUIT and
 * SIGWINCH go to it (with cfg->terminal, SIGWINCH resizes its terminal
 * instead). Installs the handlers and points cfg->stop, cfg->forward and
 * cfg->resize at their flags. */
void run_signals_install(struct vm_config *cfg);
/* The stop signal received since (for run_exit_status), or 0. */
int run_signals_stopped(void);

/* The status `lupine run` exits with for how the VM ended: the application's,
 * 128+N when lupine was stopped by signal N (stop_signal, 0: none) and the
 * application did not end by itself, else one of RUN_EXIT_*; when it is not
 * the application's own, a "lupine: ..." line saying why goes to msg. */
int run_exit_status(const struct vm_result *r, double timeout, int stop_signal, struct strbuf *msg);

#endif
