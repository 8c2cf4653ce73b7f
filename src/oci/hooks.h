/* hooks.h: config.json's POSIX-platform hooks, run on the host as runc runs
 * them: the program at path (absolute) with args and env exactly as given
 * (env absent: lupine-runc's own), the container's state JSON on its stdin,
 * killed (its process group) and counted as failed after timeout seconds.
 *
 * Where each kind runs in lupine-runc (the state's pid is the monitor, whose
 * network namespace is the container's and the VM's):
 *   prestart, createRuntime, createContainer: in create, once the monitor is
 *     in its network namespace and cgroup and before anything can start the
 *     VM; status "creating". A failure fails create and leaves nothing.
 *   startContainer: in start, before the monitor is released to boot the VM;
 *     status "created". A failure kills the monitor and fails start.
 *   poststart: in start, once the monitor is released; status "running".
 *   poststop: in delete, once the VM has ended and the record is removed;
 *     status "stopped".
 * A poststart or poststop failure is a warning: the lifecycle goes on. */
#ifndef LUPINE_OCI_HOOKS_H
#define LUPINE_OCI_HOOKS_H

#include "lib/util.h"
#include "oci/state.h"

#include <jansson.h>

/* Whether hooks (config.json's "hooks", may be NULL) is of the spec's shape:
 * an object of known kinds, each an array of {path: absolute, args, env:
 * arrays of strings, timeout: an integer above 0}. 0, or -1 with a one-line err. */
int oci_hooks_check(json_t *hooks, struct strbuf *err);

/* Runs the hooks of kind ("prestart", ...) in cfg (the record's config.json,
 * oci_state_config; NULL: none) in order, each with the state JSON of s as
 * status st (and cfg's annotations) on its stdin. Stops at the first that
 * fails: -1 with err naming the kind, its index, its path and why (its exit
 * status or the timeout, then the start of its output). 0 when all succeed. */
int oci_hooks_run(json_t *cfg, const char *kind, const struct oci_state *s, enum oci_status st,
		  struct strbuf *err);

/* The same for a kind whose failures are warnings (poststart, poststop):
 * every hook runs; each failure adds one line to warn. */
void oci_hooks_run_all(json_t *cfg, const char *kind, const struct oci_state *s, enum oci_status st,
		       struct strbuf *warn);

#endif
