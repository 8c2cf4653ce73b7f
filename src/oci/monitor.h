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
 * until it is ready: in its network namespace, the start FIFO open (so a
 * start can reach it from now on). Returns its pid, and in *link the
 * descriptor to commit it by: until oci_monitor_commit, a monitor whose
 * create dies ends too, so no monitor outlives a create that did not record
 * it. Or -1 with err: why it could not be forked, or the monitor's own
 * reason (it could not enter the network namespace), the monitor reaped.
 * tty >= 0 (process.terminal): the slave of the container's terminal
 * (oci/console.h), the monitor's stdin, stdout, stderr and controlling
 * terminal; -1: it keeps the caller's stdio. */
pid_t oci_monitor_start(const struct oci_spec *spec, const struct oci_state *st, int tty, int *link,
			struct strbuf *err);
/* Tells the monitor it is recorded (state.json, the pid file): from here it
 * outlives create, which gives it its stdio (the application's stdin,
 * stdout and stderr). Closes link. 0, or -1 with err when it is gone. */
int oci_monitor_commit(int link, struct strbuf *err);

#endif
