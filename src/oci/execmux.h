/* execmux.h: lupine-runc exec's way into a running container: the
 * monitor listens on ROOT/ID/exec.sock (in the container's 0700 directory:
 * root's alone) and relays guest/protocol.h's exec frames between each
 * `lupine-runc exec` connected there and the VM's exec port, one session
 * each, in a thread of its own beside the VM's. */
#ifndef LUPINE_OCI_EXECMUX_H
#define LUPINE_OCI_EXECMUX_H

#include "oci/state.h"

struct oci_execmux;

/* Listens on st's exec.sock and on a socket in a private directory for the
 * VM's exec port (oci_execmux_vm_sock: vm_config.exec_sock), and serves
 * both from a thread. NULL with err when it cannot. */
struct oci_execmux *oci_execmux_start(const struct oci_state *st, struct strbuf *err);
const char *oci_execmux_vm_sock(const struct oci_execmux *m);
/* After the VM has ended: every exec still connected ends with 137 (killed
 * with the container, as under runc), the sockets go, the thread ends. */
void oci_execmux_stop(struct oci_execmux *m);

/* For `lupine-runc exec`: a connection to st's exec socket, or -1 with err
 * ("container not running" when nobody listens there). */
int oci_exec_connect(const struct oci_state *st, struct strbuf *err);

/* ROOT/ID/exec.sock as an address however long ROOT is: through the
 * directory's descriptor (/proc/self/fd/N/exec.sock), *dirfd, which the
 * caller closes after its bind or connect. 0, or -1 with err. */
struct sockaddr_un;
int oci_exec_sock_addr(const struct oci_state *st, struct sockaddr_un *sa, int *dirfd, struct strbuf *err);
/* A non-blocking socket listening at sa, root's alone (0600). -1 with err. */
int oci_exec_listen(struct sockaddr_un *sa, struct strbuf *err);

/* One frame into q: the header (guest/protocol.h) and n bytes of d. */
void oci_frame_put(struct strbuf *q, int type, int id, const void *d, size_t n);
/* The first complete frame of buf[0..len): its type, session and payload
 * (*d, *n); returns its whole size, or 0 while it is incomplete. */
size_t oci_frame_get(const char *buf, size_t len, int *type, int *id, const char **d, size_t *n);

#endif
