/* monitor.h: a container's monitor, the process create forks: it enters the
 * container's network namespace, says it is ready, waits on the start FIFO,
 * then runs the container's VM bundle (ROOT/ID/vm). Its exit status is the
 * application's, and so the container's. */
#ifndef LUPINE_OCI_MONITOR_H
#define LUPINE_OCI_MONITOR_H

#include "oci/spec.h"
#include "oci/state.h"

#include <sys/types.h>

/* Forks the monitor for st, whose start FIFO and vm/ bundle exist, and waits
 * until it is ready. Returns its pid: the monitor outlives the caller, which
 * gives it its stdio (the application's stdin, stdout and stderr). Or -1 with
 * err: why it could not be forked, or the monitor's own reason (it could not
 * enter the network namespace), the failed monitor reaped. */
pid_t oci_monitor_start(const struct oci_spec *spec, const struct oci_state *st, struct strbuf *err);

#endif
