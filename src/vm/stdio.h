/* stdio.h (vm/ internal): the application's stdin, stdout and stderr on
 * virtio-console ports of their own (guest/protocol.h LUPINE_PORT_*).
 *
 * QEMU connects each port's chardev to a unix socket this side listens on
 * in the VM's private directory; what the guest writes is the
 * application's, byte for byte, and goes to the run's stdout and stderr
 * (channel_app_output); lupine's stdin goes to the stdin port, its end is
 * the socket's half-close. */
#ifndef LUPINE_VM_STDIO_H
#define LUPINE_VM_STDIO_H

#include "vm/channel.h"

#include <poll.h>

enum { STDIO_IN, STDIO_OUT, STDIO_ERR, STDIO_N };

struct vm_stdio {
	int listen[STDIO_N], conn[STDIO_N];
	struct strbuf to_in; /* lupine's stdin waiting for the stdin port */
	int in_eof;          /* lupine's stdin ended: shut the socket's sending side once to_in is sent */
	int in_shut;         /* ... done */
};

/* Nothing open: safe to release. */
void vm_stdio_init(struct vm_stdio *s);
/* Listens on paths[i] for the VMM's connection. 0, or -1 with err. */
int vm_stdio_listen(struct vm_stdio *s, char *const paths[STDIO_N], struct strbuf *err);
/* Fills p[0..STDIO_N-1] with what to wait for. */
void vm_stdio_pollfds(const struct vm_stdio *s, struct pollfd *p);
/* Serves what poll said of p: accepts, output to c, stdin to the port. */
void vm_stdio_serve(struct vm_stdio *s, const struct pollfd *p, struct channel *c);
/* Queues lupine's stdin for the port (n == 0: its end). */
void vm_stdio_send(struct vm_stdio *s, const char *buf, size_t n);
/* Reads what is left on the output sockets (the VMM has ended). */
void vm_stdio_drain(struct vm_stdio *s, struct channel *c);
void vm_stdio_release(struct vm_stdio *s);

#endif
