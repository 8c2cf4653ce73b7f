/* execio.c: the host process that stands for an exec: its stdio relayed
 * to and from the guest's process byte for byte, within the windows
 * (guest/protocol.h), its signals passed on, its exit status the guest's. */
#include "oci/runtime.h"
#include "oci/execmux.h"
#include "guest/protocol.h"
#include "lib/term.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_GONE 137 /* the container ended before the exec: killed with it, as under runc */

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int e = errno;

	if (write(sig_pipe[1], &b, 1) < 0)
		errno = e; /* full: the signal is lost, as a second pending one is */
	errno = e;
}

/* The signals a process takes from the shim (its kill) or a terminal, for the guest's. */
static void signals_install(void)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM};
	struct sigaction sa = {.sa_handler = on_signal};

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct relay {
	int sock, tty;
	struct strbuf rx, tx;
	unsigned credit; /* stdin bytes the guest has room for */
	int in_open;     /* fd 0 still read */
	int status;      /* -1 until the guest says */
};

static void put_u32(struct strbuf *q, int type, unsigned v)
{
	char b[4] = {(char)(v & 0xff), (char)(v >> 8 & 0xff), (char)(v >> 16 & 0xff), (char)(v >> 24)};

	oci_frame_put(q, type, 0, b, 4);
}

static void send_size(struct relay *r)
{
	unsigned rows, cols;

	if (r->tty && term_size(STDIN_FILENO, &rows, &cols) == 0 && rows && cols) {
		char b[4] = {(char)(rows & 0xff), (char)(rows >> 8), (char)(cols & 0xff), (char)(cols >> 8)};
		oci_frame_put(&r->tx, EXEC_WINSIZE, 0, b, 4);
	}
}

/* Output to fd 1 or 2, acknowledged once written (or dropped: a reader gone must not stall the guest). */
static void output(struct relay *r, int fd, const char *d, size_t n)
{
	if (write_all(fd, d, n) < 0 && errno != EPIPE)
		fprintf(stderr, "lupine-runc: exec output lost: %s\n", strerror(errno));
	put_u32(&r->tx, EXEC_ACK, (unsigned)n);
}

/* Why the exec ended (the monitor's words, or the guest's: untrusted, printed as one printable line). */
static void say_error(const char *d, size_t n)
{
	char line[1100];

	n = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
	for (size_t i = 0; i < n; i++)
		line[i] = d[i] >= ' ' && d[i] < 0x7f ? d[i] : '?';
	line[n] = 0;
	fprintf(stderr, "lupine-runc: exec: %s\n", line);
}

/* The guest took n bytes of stdin: room for as much again, never past the window. */
static void ack(struct relay *r, unsigned n)
{
	r->credit = n > LUPINE_EXEC_WINDOW - r->credit ? LUPINE_EXEC_WINDOW : r->credit + n;
}

/* The frames the monitor passed on. -1 once the connection has ended. */
static int from_sock(struct relay *r)
{
	char buf[65536];
	ssize_t got = read(r->sock, buf, sizeof(buf));
	size_t off = 0, k, n;
	const char *d;
	int type, id;

	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (got <= 0)
		return -1;
	sb_add(&r->rx, buf, (size_t)got);
	while (r->status < 0 && (k = oci_frame_get(r->rx.buf + off, r->rx.len - off, &type, &id, &d, &n))) {
		off += k;
		if (type == EXEC_STDOUT || type == EXEC_STDERR)
			output(r, type == EXEC_STDOUT ? STDOUT_FILENO : STDERR_FILENO, d, n);
		else if (type == EXEC_ACK && n == 4)
			ack(r, (unsigned char)d[0] | (unsigned)(unsigned char)d[1] << 8 | (unsigned)(unsigned char)d[2] << 16);
		else if (type == EXEC_EXIT && n == 1)
			r->status = (unsigned char)d[0];
		else if (type == EXEC_ERROR)
			say_error(d, n), r->status = EXIT_GONE;
	}
	memmove(r->rx.buf, r->rx.buf + off, r->rx.len - off);
	r->rx.len -= off;
	return 0;
}

/* Standard input for the guest's process, within its window; its end is EXEC_EOF. */
static void from_stdin(struct relay *r)
{
	char buf[LUPINE_EXEC_DATA_MAX];
	size_t want = r->credit < sizeof(buf) ? r->credit : sizeof(buf);
	ssize_t n = read(STDIN_FILENO, buf, want);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		r->credit -= (unsigned)n;
		oci_frame_put(&r->tx, EXEC_STDIN, 0, buf, (size_t)n);
		return;
	}
	oci_frame_put(&r->tx, EXEC_EOF, 0, NULL, 0); /* its end, or EIO: a terminal hung up */
	r->in_open = 0;
}

static void from_signals(struct relay *r)
{
	unsigned char sig;

	while (read(sig_pipe[0], &sig, 1) == 1) {
		if (sig == SIGWINCH && r->tty)
			send_size(r);
		else
			oci_frame_put(&r->tx, EXEC_SIGNAL, 0, &sig, 1);
	}
}

int oci_exec_relay(int sock, int tty)
{
	struct relay r = {.sock = sock, .tty = tty, .credit = LUPINE_EXEC_WINDOW, .in_open = 1, .status = -1};
	struct pollfd p[3];

	signals_install();
	if (tty)
		term_raw(STDIN_FILENO); /* our own terminal (foreground); a console's slave is raw already */
	send_size(&r);
	while (r.status < 0) {
		p[0] = (struct pollfd){sock, (short)(POLLIN | (r.tx.len ? POLLOUT : 0)), 0};
		p[1] = (struct pollfd){r.in_open && r.credit && r.tx.len < (1 << 20) ? STDIN_FILENO : -1, POLLIN, 0};
		p[2] = (struct pollfd){sig_pipe[0], POLLIN, 0};
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[2].revents)
			from_signals(&r);
		if (p[1].fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			from_stdin(&r);
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && from_sock(&r) < 0)
			break; /* the monitor ended: the container with it */
		if (r.tx.len && write_all(sock, r.tx.buf, r.tx.len) < 0 && errno != EAGAIN)
			break;
		r.tx.len = 0;
	}
	term_restore();
	sb_release(&r.rx);
	sb_release(&r.tx);
	return r.status < 0 ? EXIT_GONE : r.status;
}
