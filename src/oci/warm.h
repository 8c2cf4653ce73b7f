/* warm.h: lupine-runc containers started from a snapshot (bundle/snapshot.h).
 *
 * The annotation org.lupine.snapshot=PATH names a snapshot `lupine
 * snapshot` took: create checks it (it must exist and still match its
 * bundle, kernel and QEMU) and builds no disk from the container's root;
 * start restores it instead of booting. The application, its environment,
 * memory, root filesystem and mounts are the snapshot's (config.json's
 * process, root and mounts are not used), its stdin is not forwarded, and
 * the VM is on QEMU's user-mode network inside the container's network
 * namespace, with org.lupine.ports forwarded on all of that namespace's
 * addresses (so the pod's or container's IP reaches them). It has no exec
 * port (the snapshot's VM was saved without one): lupine-runc exec does
 * not reach it. */
#ifndef LUPINE_OCI_WARM_H
#define LUPINE_OCI_WARM_H

#include <jansson.h>

#include "bundle/run.h"
#include "oci/spec.h"

/* Reads org.lupine.snapshot from the annotations a into s->snapshot. 0, or -1 with err. */
int oci_warm_annotation(json_t *a, struct oci_spec *s, struct strbuf *err);
/* At create: the snapshot can be restored as this container. 0, or -1 with err. */
int oci_warm_check(const struct oci_spec *s, struct strbuf *err);
/* The monitor's run: a restore of s->snapshot with s's ports (parsed into ports). 0, or -1 with err. */
int oci_warm_request(const struct oci_spec *s, struct run_req *rq, struct vm_port *ports, int console_fd,
		     struct strbuf *err);

#endif
