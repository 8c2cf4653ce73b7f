/* pod.h: one application container at a time in a Kubernetes pod. The first
 * application container's VM takes the pod's network interface over (its
 * IP, vm/net.h), and a VM shares no localhost with another, so a second
 * application container running beside it could only be a VM on a private
 * user-mode network, reaching nothing of the pod's: lupine-runc refuses its
 * create (StartContainer fails with the reason). Init containers, which run
 * one after another, and restarts, which follow an ended container, work. */
#ifndef LUPINE_OCI_POD_H
#define LUPINE_OCI_POD_H
#include "lib/util.h"

/* containerd's CRI plugin names an application container's pod so. */
#define OCI_POD_ANNOTATION "io.kubernetes.cri.sandbox-id"

/* Holds the pod's lock (flock on the sandbox's record directory, when it
 * has one under root) and checks no other application container of the
 * pod is creating, created or running. Returns the lock's fd (-1: no
 * record to lock; the check was still made), which the caller closes once
 * its own record is whole, or -2 with err. */
int oci_pod_claim(const char *root, const char *pod, const char *id, struct strbuf *err);
#endif
