/* sandbox.h: a Kubernetes pod's sandbox (pause) container costs no VM. The
 * CRI marks it with an annotation; lupine-runc then runs, as its monitor, a
 * native holder that stays in the pod's network namespace (which containerd
 * made and CNI wired) until it is killed, as the pause program does. Its
 * record, state, kill and delete are every container's; there is no vm/. */
#ifndef LUPINE_OCI_SANDBOX_H
#define LUPINE_OCI_SANDBOX_H

#include <jansson.h>

/* containerd's CRI plugin sets it to "sandbox" on the pause
 * container and to "container" on an application's. */
#define OCI_SANDBOX_ANNOTATION "io.kubernetes.cri.container-type"

/* 1 when config.json's annotations make the container a pod's sandbox. */
int oci_sandbox_is(json_t *annotations);
/* The holder, in the started monitor: waits for a signal; SIGTERM and SIGINT
 * end it with 0 (pause's answer to them), any other fatal signal as that
 * signal. Returns the exit status. */
int oci_sandbox_hold(void);

#endif
