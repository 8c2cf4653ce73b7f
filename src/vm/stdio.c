/* stdio.c: the application's stdio ports: the sockets QEMU's chardevs connect to. */
#include "vm/stdio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void vm_stdio_init(struct vm_stdio *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < STDIO_N; i++)
		s->listen[i] = s->conn[i] = -1;
}

int vm_stdio_listen(struct vm_stdio *s, char *const paths[STDIO_N], struct strbuf *err)
{
	for (int i = 0; i < STDIO_N; i++) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		if (strlen(paths[i]) >= sizeof(sa.sun_path)) {
			sb_addf(err, "the VM's socket path '%s' is too long (TMPDIR?)", paths[i]);
			return -1;
		}
		strcpy(sa.sun_path, paths[i]);
		s->listen[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s->listen[i] < 0 || bind(s->listen[i], (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(s->listen[i], 1) < 0) {
			sb_addf(err, "cannot set up the VM's stdio socket '%s': %s", paths[i], strerror(errno));
			return -1;
		}
	}
	return 0;
}

void vm_stdio_pollfds(const struct vm_stdio *s, struct pollfd *p)
{
	for (int i = 0; i < STDIO_N; i++) {
		p[i] = (struct pollfd){s->conn[i] >= 0 ? s->conn[i] : s->listen[i], POLLIN, 0};
		if (i == STDIO_IN && s->conn[i] >= 0)
			p[i].events = s->to_in.len || (s->in_eof && !s->in_shut) ? POLLOUT : 0;
		/* a shut stdin has nothing left to wait for: QEMU's hang-up would wake every poll */
		if (i == STDIO_IN && s->in_shut)
			p[i].fd = -1;
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Writes what is queued for the stdin port; its end closes the socket. */
static void flush_in(struct vm_stdio *s)
{
	int *fd = &s->conn[STDIO_IN];
	ssize_t n;

	while (*fd >= 0 && s->to_in.len) {
		if ((n = write(*fd, s->to_in.buf, s->to_in.len)) < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) { /* the VMM is gone */
			s->to_in.len = 0;
			break;
		}
		memmove(s->to_in.buf, s->to_in.buf + n, s->to_in.len - (size_t)n);
		s->to_in.len -= (size_t)n;
	}
	/* only half: QEMU drops what it has not read yet on a hang-up, and
	 * reads its end in order after the data */
	if (*fd >= 0 && s->in_eof && !s->to_in.len && !s->in_shut)
		s->in_shut = shutdown(*fd, SHUT_WR) == 0 || 1;
}

/* Reads one socket's bytes into c; closes it at its end. */
static void read_out(struct vm_stdio *s, int i, struct channel *c)
{
	char buf[65536];
	ssize_t n = read(s->conn[i], buf, sizeof(buf));

	if (n > 0)
		channel_app_output(c, i == STDIO_OUT ? 0 : 1, buf, (size_t)n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		close_fd(&s->conn[i]);
}

void vm_stdio_serve(struct vm_stdio *s, const struct pollfd *p, struct channel *c)
{
	for (int i = 0; i < STDIO_N; i++) {
		if (p[i].fd < 0 || !p[i].revents)
			continue;
		if (p[i].fd == s->listen[i]) {
			s->conn[i] = accept4(s->listen[i], NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (s->conn[i] >= 0)
				close_fd(&s->listen[i]);
		} else if (i == STDIO_IN && (p[i].revents & (POLLHUP | POLLERR)) && !(p[i].revents & POLLOUT)) {
			/* the VMM let go of stdin: nothing can be sent, and its hang-up would spin the loop */
			close_fd(&s->conn[i]);
			s->to_in.len = 0;
		} else if (i == STDIO_IN) {
			flush_in(s);
		} else {
			read_out(s, i, c);
		}
	}
}

void vm_stdio_send(struct vm_stdio *s, const char *buf, size_t n)
{
	if (n)
		sb_add(&s->to_in, buf, n);
	else
		s->in_eof = 1;
	flush_in(s);
}

void vm_stdio_drain(struct vm_stdio *s, struct channel *c)
{
	char buf[65536];
	ssize_t n;

	for (int i = STDIO_OUT; i < STDIO_N; i++)
		while (s->conn[i] >= 0 && (n = read(s->conn[i], buf, sizeof(buf))) > 0)
			channel_app_output(c, i == STDIO_OUT ? 0 : 1, buf, (size_t)n);
}

void vm_stdio_release(struct vm_stdio *s)
{
	for (int i = 0; i < STDIO_N; i++) {
		close_fd(&s->listen[i]);
		close_fd(&s->conn[i]);
	}
	sb_release(&s->to_in);
}
