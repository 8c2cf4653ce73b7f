/* cripod.h: a pod through containerd's CRI as the kubelet makes one, with
 * build/crictl-lite in a crienv: the sandbox, its application container (the
 * probe), and the checks both runtime handlers share. */
#ifndef LUPINE_CRIPOD_H
#define LUPINE_CRIPOD_H

#include "crienv.h"

struct pod {
	const char *handler, *name, *image; /* image: NULL for CRIENV_APP */
	const char *mode, *port, *ready;    /* the probe's; default trap, "probe: waiting" */
	char *logdir;                        /* the pod's log directory; set by the caller */
	char *id, *cid, *ip;                 /* set by pod_up */
	double start_secs;                   /* RunPodSandbox to the application's ready line in its log */
};

/* CLOCK_MONOTONIC in seconds. */
double pod_now(void);
/* The first line of a call's stdout (caller frees), "" on failure with the
 * call's stderr reported as a failed check; frees *o. */
char *pod_line(struct cmd_out *o, const char *what);
/* Polls ContainerStatus (crictl-lite inspect) until its line has want; 1 when it did. */
int pod_wait_status(struct crienv *e, const char *cid, const char *want, double secs);
/* Polls the file at path until it holds want; 1 when it did. */
int pod_log_has(const char *path, const char *want, double secs);
/* RunPodSandbox, PodSandboxStatus (ready, an address of the CNI range),
 * CreateContainer, StartContainer; 0 once the application's log has its
 * ready line within boot_secs. */
int pod_up(struct crienv *e, struct pod *p, double boot_secs);
/* The probe in trap mode: its log rotated and reopened, StopContainer
 * (SIGTERM: it says so in the new log and exits 0), RemoveContainer; p->cid
 * becomes "". */
void pod_app_down(struct crienv *e, struct pod *p);
/* pod_app_down, then pod_remove. */
void pod_down(struct crienv *e, struct pod *p);
/* StopPodSandbox, RemovePodSandbox: the pod then unknown, its shim gone. */
void pod_remove(struct crienv *e, struct pod *p);
void pod_release(struct pod *p);
/* Another application container of the probe in the pod, started (args
 * a1..a4, NULL-ended; opt one more crictl-lite option, "--memory=BYTES",
 * "--mount=HOST:PATH[:ro]", or NULL); its id, "" when a call failed (caller
 * frees). */
char *pod_ctr_start(struct crienv *e, struct pod *p, const char *name, const char *opt, const char *a1,
		    const char *a2, const char *a3, const char *a4);
/* Exit codes and reasons, stderr tagged in the CRI log, the log byte-exact,
 * a read-only host directory mount, a memory limit (vm: the guest's RAM is
 * checked), StopContainer's SIGKILL after the timeout; each container
 * removed. */
void pod_lifecycle(struct crienv *e, struct pod *p, int vm);

#endif
