/* console.h: process.terminal under lupine-runc, by runc's console-socket
 * protocol (runc's docs/terminals.md): create makes a pty on the host and
 * sends its master to --console-socket, where containerd's shim takes it
 * (go-runc's ReceiveMaster: one descriptor by SCM_RIGHTS, its name as the
 * data); the slave becomes the monitor's stdin, stdout, stderr and
 * controlling terminal, so the shim's resizes of the master reach it as
 * SIGWINCH, and the run's terminal handling (bundle/run.h) passes the
 * bytes and the size to the application's pty in the guest. */
#ifndef LUPINE_OCI_CONSOLE_H
#define LUPINE_OCI_CONSOLE_H

#include "lib/util.h"

/* Makes the pty (the slave raw: the application's terminal is the
 * guest's; this one only carries bytes) and sends the master over the unix
 * socket at path. The slave in *slave (close-on-exec), or -1 with err. */
int oci_console_send(const char *path, int *slave, struct strbuf *err);
/* In the monitor, whose stdin is the slave: a session of its own with the
 * slave as its controlling terminal. 0, or -1 with err. */
int oci_console_attach(struct strbuf *err);

#endif
