/* execmux.c: the monitor's exec relay: clients on ROOT/ID/exec.sock, sessions on the VM's exec port.
 *
 * Everything from the guest is untrusted: a frame of an unknown type, for a
 * session not started, of a wrong size, or output past the window its
 * client has acknowledged breaks the channel (every exec then fails), and
 * nothing it sends is queued beyond the windows. A client that goes away
 * has its process killed (SIGKILL through the init); its session's output
 * is then acknowledged and dropped until the init says it ended. */
#include "oci/execmux.h"
#include "guest/protocol.h"
#include "lib/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MUX_CLIENTS (2 * LUPINE_EXEC_MAX)
#define MUX_QUEUE_MAX (1 << 20) /* to the VM: past this, clients are not read */
#define MUX_STALL_MAX (8 << 20) /* ... past this, the guest is not reading its port at all */
#define SLOT_FREE (-1)
#define SLOT_ORPHAN (-2) /* its client is gone; the init has not said it ended */

struct mclient {
	int fd, slot, closing; /* closing: close once tx is written */
	struct strbuf rx, tx;
	size_t unacked;        /* output passed on that the client has not acknowledged */
};

struct oci_execmux {
	int lfd, vlfd, vfd, wake[2];
	char *sock, *dir, *vsock;
	struct mclient c[MUX_CLIENTS];
	int slot[LUPINE_EXEC_MAX];
	struct strbuf vrx, vtx;
	const char *down; /* why execs fail from now on, or NULL */
	int stopping;
	pthread_t thread;
};

static void client_close(struct oci_execmux *m, struct mclient *c)
{
	if (c->slot >= 0) { /* its process must not outlive it: kill it, drop its output */
		oci_frame_put(&m->vtx, EXEC_SIGNAL, c->slot, (char[]){SIGKILL}, 1);
		m->slot[c->slot] = SLOT_ORPHAN;
	}
	close(c->fd);
	sb_release(&c->rx);
	sb_release(&c->tx);
	*c = (struct mclient){.fd = -1, .slot = -1};
}

/* A client's session ends with a frame of its own (EXIT, ERROR); then it is closed. */
static void client_end(struct oci_execmux *m, struct mclient *c, int type, const void *d, size_t n)
{
	oci_frame_put(&c->tx, type, 0, d, n);
	if (c->slot >= 0)
		m->slot[c->slot] = SLOT_FREE;
	c->slot = -1;
	c->closing = 1;
}

/* EXEC_START from a client: a free session, or why not. */
static void client_start(struct oci_execmux *m, struct mclient *c, const char *d, size_t n)
{
	char msg[160];
	int s = 0;

	while (s < LUPINE_EXEC_MAX && m->slot[s] != SLOT_FREE)
		s++;
	if (m->down || s == LUPINE_EXEC_MAX) {
		snprintf(msg, sizeof(msg), "%s", m->down ? m->down : "too many execs at once in this container (16)");
		return client_end(m, c, EXEC_ERROR, msg, strlen(msg));
	}
	m->slot[s] = (int)(c - m->c);
	c->slot = s;
	oci_frame_put(&m->vtx, EXEC_START, s, d, n);
}

/* The client has written out this much of its output. */
static void client_acked(struct mclient *c, const unsigned char *d)
{
	size_t a = d[0] | (size_t)d[1] << 8 | (size_t)d[2] << 16;

	c->unacked -= a < c->unacked ? a : c->unacked;
}

/* A client's frames: its START first, then its stdin, signals, sizes and acknowledgements. */
static void client_read(struct oci_execmux *m, struct mclient *c)
{
	char buf[65536];
	ssize_t got = read(c->fd, buf, sizeof(buf));
	size_t off = 0, k, n;
	const char *d;
	int type, id;

	if (got <= 0) {
		if (got == 0 || (errno != EAGAIN && errno != EINTR))
			client_close(m, c);
		return;
	}
	sb_add(&c->rx, buf, (size_t)got);
	while (!c->closing && (k = oci_frame_get(c->rx.buf + off, c->rx.len - off, &type, &id, &d, &n))) {
		off += k;
		if (type == EXEC_START && c->slot < 0)
			client_start(m, c, d, n);
		else if (c->slot >= 0 && type >= EXEC_STDIN && type <= EXEC_ACK)
			oci_frame_put(&m->vtx, type, c->slot, d, n);
		else
			return client_close(m, c); /* not the protocol: lupine-runc's own mistake */
		if (type == EXEC_ACK && n == 4)
			client_acked(c, (const unsigned char *)d);
	}
	memmove(c->rx.buf, c->rx.buf + off, c->rx.len - off);
	c->rx.len -= off;
}

/* Whether a frame from the guest is one the protocol allows now. */
static int guest_frame_ok(const struct oci_execmux *m, int type, int id, size_t n)
{
	if (id >= LUPINE_EXEC_MAX || m->slot[id] == SLOT_FREE)
		return 0;
	switch (type) {
	case EXEC_STARTED: return n == 0;
	case EXEC_ERROR: return n <= 1024;
	case EXEC_STDOUT:
	case EXEC_STDERR: return n <= LUPINE_EXEC_DATA_MAX;
	case EXEC_EXIT: return n == 1;
	case EXEC_ACK: return n == 4;
	default: return 0;
	}
}

/* Every connected exec ends: with status (1 byte) or an error message. */
static void end_all(struct oci_execmux *m, int type, const char *msg)
{
	for (int i = 0; i < MUX_CLIENTS; i++)
		if (m->c[i].fd >= 0 && m->c[i].slot >= 0)
			client_end(m, &m->c[i], type, msg, type == EXEC_EXIT ? 1 : strlen(msg));
	for (int s = 0; s < LUPINE_EXEC_MAX; s++)
		m->slot[s] = SLOT_FREE;
}

static void guest_broke(struct oci_execmux *m, const char *why)
{
	fprintf(stderr, "lupine-runc: %s; exec ends for this container\n", why);
	m->down = "container's exec channel failed (the guest broke its protocol)";
	end_all(m, EXEC_ERROR, m->down);
	close(m->vfd);
	m->vfd = -1;
	sb_release(&m->vtx);
	sb_release(&m->vrx);
}

/* One frame from the guest, checked, to its client (or acknowledged and dropped). */
static void guest_frame(struct oci_execmux *m, int type, int id, const char *d, size_t n)
{
	int s = m->slot[id];
	struct mclient *c = s >= 0 ? &m->c[s] : NULL;

	if (!c) { /* orphaned: its process was killed */
		if (type == EXEC_STDOUT || type == EXEC_STDERR)
			oci_frame_put(&m->vtx, EXEC_ACK, id, (char[]){(char)(n & 0xff), (char)(n >> 8), 0, 0}, 4);
		else if (type == EXEC_EXIT || type == EXEC_ERROR)
			m->slot[id] = SLOT_FREE;
		return;
	}
	if (type == EXEC_EXIT || type == EXEC_ERROR)
		return client_end(m, c, type, d, n);
	if (type == EXEC_STDOUT || type == EXEC_STDERR)
		c->unacked += n;
	if (c->unacked > LUPINE_EXEC_WINDOW) /* more than its client has room for */
		return guest_broke(m, "the guest sent exec output past its window");
	oci_frame_put(&c->tx, type, 0, d, n);
}

static void vm_read(struct oci_execmux *m)
{
	char buf[65536];
	ssize_t got = read(m->vfd, buf, sizeof(buf));
	size_t off = 0, k, n;
	const char *d;
	int type, id;

	if (got <= 0) {
		if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
			m->down = "container not running: its VM has ended";
			end_all(m, EXEC_EXIT, (char[]){(char)137});
			close(m->vfd);
			m->vfd = -1;
		}
		return;
	}
	sb_add(&m->vrx, buf, (size_t)got);
	while (m->vfd >= 0 && (k = oci_frame_get(m->vrx.buf + off, m->vrx.len - off, &type, &id, &d, &n))) {
		off += k;
		if (!guest_frame_ok(m, type, id, n))
			return guest_broke(m, "the guest sent a bad exec frame");
		guest_frame(m, type, id, d, n);
	}
	if (m->vfd < 0)
		return; /* it broke the protocol: all dropped */
	/* what it is sent (acknowledgements of its own output) it must take */
	if (m->vtx.len > MUX_STALL_MAX)
		return guest_broke(m, "the guest does not read its exec port");
	memmove(m->vrx.buf, m->vrx.buf + off, m->vrx.len - off);
	m->vrx.len -= off;
}

/* Writes what q holds to fd, as far as it takes it now; -1 when fd is gone. */
static int flush(int fd, struct strbuf *q)
{
	while (q->len) {
		ssize_t n = send(fd, q->buf, q->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		memmove(q->buf, q->buf + n, q->len - (size_t)n);
		q->len -= (size_t)n;
	}
	return 0;
}

static void accept_client(struct oci_execmux *m)
{
	int fd = accept4(m->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), i = 0;

	while (fd >= 0 && i < MUX_CLIENTS && m->c[i].fd >= 0)
		i++;
	if (fd >= 0 && i == MUX_CLIENTS)
		close(fd); /* its connect succeeded; its START will see the end */
	else if (fd >= 0)
		m->c[i] = (struct mclient){.fd = fd, .slot = -1};
}

/* Fills p: the sockets, the VM's port, the wake-up pipe, the clients. */
static nfds_t pollset(struct oci_execmux *m, struct pollfd *p)
{
	nfds_t np = 0;
	int vfd = m->vfd >= 0 ? m->vfd : m->vlfd;

	p[np++] = (struct pollfd){m->wake[0], POLLIN, 0};
	p[np++] = (struct pollfd){m->lfd, POLLIN, 0};
	p[np++] = (struct pollfd){vfd, (short)(POLLIN | (m->vfd >= 0 && m->vtx.len ? POLLOUT : 0)), 0};
	for (int i = 0; i < MUX_CLIENTS; i++) {
		struct mclient *c = &m->c[i];
		short ev = (short)((!c->closing && m->vtx.len < MUX_QUEUE_MAX ? POLLIN : 0) | (c->tx.len ? POLLOUT : 0));
		p[np++] = (struct pollfd){c->fd, ev, 0};
	}
	return np;
}

static void serve(struct oci_execmux *m, struct pollfd *p)
{
	if (p[1].revents & POLLIN)
		accept_client(m);
	if (p[2].fd >= 0 && p[2].fd == m->vlfd && (p[2].revents & POLLIN)) {
		m->vfd = accept4(m->vlfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	} else if (p[2].fd >= 0 && p[2].fd == m->vfd) {
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			vm_read(m);
		if (m->vfd >= 0 && flush(m->vfd, &m->vtx) < 0)
			vm_read(m); /* its end */
	}
	for (int i = 0; i < MUX_CLIENTS; i++) {
		struct mclient *c = &m->c[i];
		short ev = p[3 + i].revents;
		if (c->fd < 0 || p[3 + i].fd != c->fd)
			continue;
		if (((ev & POLLOUT) && flush(c->fd, &c->tx) < 0) || (c->closing && !c->tx.len))
			client_close(m, c);
		else if (ev & (POLLIN | POLLHUP | POLLERR))
			client_read(m, c);
	}
}

static void *mux_run(void *arg)
{
	struct oci_execmux *m = arg;
	struct pollfd p[3 + MUX_CLIENTS];

	while (!m->stopping) {
		if (poll(p, pollset(m, p), -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN)
			m->stopping = 1;
		else
			serve(m, p);
	}
	/* the VM has ended: so have the execs; their clients get 137, as far as they take it now */
	end_all(m, EXEC_EXIT, (char[]){(char)137});
	for (int i = 0; i < MUX_CLIENTS; i++)
		if (m->c[i].fd >= 0) {
			flush(m->c[i].fd, &m->c[i].tx);
			client_close(m, &m->c[i]);
		}
	return NULL;
}

static void mux_free(struct oci_execmux *m)
{
	int fds[] = {m->lfd, m->vlfd, m->vfd, m->wake[0], m->wake[1]};

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (m->sock)
		unlink(m->sock);
	if (m->dir)
		rm_rf(m->dir);
	free(m->sock);
	free(m->dir);
	free(m->vsock);
	sb_release(&m->vrx);
	sb_release(&m->vtx);
	free(m);
}

/* The two listening sockets and the wake-up pipe. 0, or -1 with err. */
static int mux_listen(struct oci_execmux *m, const struct oci_state *st, struct strbuf *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int dirfd;

	if (pipe2(m->wake, O_CLOEXEC) < 0 || !(m->dir = tmp_dir("exec"))) {
		sb_addf(err, "cannot set up exec: %s", strerror(errno));
		return -1;
	}
	m->vsock = xasprintf("%s/exec.sock", m->dir);
	if (strlen(m->vsock) >= sizeof(sa.sun_path)) {
		sb_addf(err, "the VM's exec socket path '%s' is too long (TMPDIR?)", m->vsock);
		return -1;
	}
	strcpy(sa.sun_path, m->vsock);
	if ((m->vlfd = oci_exec_listen(&sa, err)) < 0 || oci_exec_sock_addr(st, &sa, &dirfd, err) < 0)
		return -1;
	unlink(sa.sun_path); /* a monitor before this one, killed, left it */
	m->lfd = oci_exec_listen(&sa, err);
	close(dirfd);
	if (m->lfd >= 0)
		m->sock = xasprintf("%s/exec.sock", st->dir);
	return m->lfd < 0 ? -1 : 0;
}

struct oci_execmux *oci_execmux_start(const struct oci_state *st, struct strbuf *err)
{
	struct oci_execmux *m = xcalloc(1, sizeof(*m));
	sigset_t all, old;
	int r;

	*m = (struct oci_execmux){.lfd = -1, .vlfd = -1, .vfd = -1, .wake = {-1, -1}};
	for (int i = 0; i < MUX_CLIENTS; i++)
		m->c[i] = (struct mclient){.fd = -1, .slot = -1};
	for (int s = 0; s < LUPINE_EXEC_MAX; s++)
		m->slot[s] = SLOT_FREE;
	if (mux_listen(m, st, err) < 0) {
		mux_free(m);
		return NULL;
	}
	/* the monitor's signals are the VM's thread's to take */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&m->thread, NULL, mux_run, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		sb_addf(err, "cannot start the exec thread: %s", strerror(r));
		mux_free(m);
		return NULL;
	}
	return m;
}

const char *oci_execmux_vm_sock(const struct oci_execmux *m)
{
	return m->vsock;
}

void oci_execmux_stop(struct oci_execmux *m)
{
	if (!m)
		return;
	if (write(m->wake[1], "", 1) == 1)
		pthread_join(m->thread, NULL);
	mux_free(m);
}
