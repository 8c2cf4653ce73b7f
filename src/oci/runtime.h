/* runtime.h: lupine-runc's verbs as library calls (create, start, kill,
 * delete, state, ps, features), for cmd/runc.c to call once each. Every one
 * returns 0, or -1 with a one-line err in the words containerd's shim
 * matches on ("container ID does not exist", "container not running"); none
 * exits. Containers are recorded under a root directory (oci/state.h). */
#ifndef LUPINE_OCI_RUNTIME_H
#define LUPINE_OCI_RUNTIME_H

#include "lib/util.h"

#define OCI_DEFAULT_ROOT "/run/lupine-runc"

/* A signal as `runc kill` takes it: a number from 1 to 64, or a name with or
 * without "SIG" (TERM, SIGKILL, INT, HUP, QUIT, USR1, USR2, WINCH).
 * Returns the number, or -1 when arg is none of these. */
int oci_signal_parse(const char *arg);

#endif
