/* execd.c: lupine-runc exec in the guest: processes started beside the
 * application at the host's request, each with stdio of its own, all
 * multiplexed on the exec port (guest/protocol.h's frames).
 *
 * One thread of the init serves every session with non-blocking pipes (or a
 * pty) and a poll loop; only it writes the port. A process is the init's
 * child like any other: PID 1's reaper passes its status on (execd_reaped),
 * and the session ends with EXEC_EXIT once its output is drained. The
 * windows bound what is queued: a session holds at most LUPINE_EXEC_WINDOW
 * bytes of stdin, and sends output only while the host has room for it. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct sess {
	pid_t pid;          /* 0: the slot is free */
	int in, out, err;   /* its stdin's write end, its outputs' read ends (-1: closed) */
	int master;         /* with a terminal: the pty's master (out is a copy), else -1 */
	size_t inlen;       /* stdin bytes queued in inq */
	int in_eof;         /* the host's stdin ended: close in once inq is written */
	unsigned credit;    /* output bytes the host has room for */
	int exited, status; /* set by the reaper, under lock */
};

static struct sess sess[LUPINE_EXEC_MAX];
static char inq[LUPINE_EXEC_MAX][LUPINE_EXEC_WINDOW];
static char rx[LUPINE_EXEC_HDR + 65536], spec[65536], tx[LUPINE_EXEC_HDR + LUPINE_EXEC_DATA_MAX];
static size_t rxlen;
static int port = -1, wake[2] = {-1, -1};
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sigset_t child_mask;

/* One frame to the host; the payload may already be in place in tx. */
static void send_frame(int type, int id, const void *data, size_t n)
{
	tx[0] = (char)type;
	tx[1] = (char)id;
	tx[2] = (char)(n & 0xff);
	tx[3] = (char)(n >> 8);
	if (data && data != tx + LUPINE_EXEC_HDR)
		memcpy(tx + LUPINE_EXEC_HDR, data, n);
	if (write_full(port, tx, LUPINE_EXEC_HDR + n) < 0)
		say("cannot write to the exec port: %s", strerror(errno));
}

static void send_u32(int type, int id, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};
	send_frame(type, id, b, 4);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void sess_free(struct sess *s)
{
	close_fd(&s->in);
	close_fd(&s->out);
	close_fd(&s->err);
	close_fd(&s->master);
	pthread_mutex_lock(&lock);
	*s = (struct sess){.in = -1, .out = -1, .err = -1, .master = -1};
	pthread_mutex_unlock(&lock);
}

/* The value of "KEY VALUE" in run file text, as a number; def when absent. */
static long spec_number(const char *text, const char *key, int which, long def)
{
	size_t n = strlen(key);

	for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, n) || l[n] != ' ')
			continue;
		const char *p = l + n + 1;
		for (int i = 0; i < which && p; i++)
			p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
		return p && *p >= '0' && *p <= '9' ? strtol(p, NULL, 10) : def;
	}
	return def;
}

/* The process's ends (fds[0..2]) and ours in s: pipes, or a pty's slave
 * and master for "terminal ROWS COLS". 0, or -1 with errmsg. */
static int make_stdio(struct sess *s, const char *text, int fds[3])
{
	int in[2], out[2], err[2];
	long rows = spec_number(text, "terminal", 0, -1), cols = spec_number(text, "terminal", 1, 0);

	if (rows >= 0) {
		if (tty_pair((unsigned)rows, (unsigned)cols, spec_number(text, "uid", 0, -1),
			     spec_number(text, "gid", 0, -1), &s->master, &fds[0]) < 0)
			return -1;
		fds[1] = fds[2] = fds[0];
		s->in = fcntl(s->master, F_DUPFD_CLOEXEC, 3);
		s->out = fcntl(s->master, F_DUPFD_CLOEXEC, 3);
	} else {
		if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
			return say("cannot create an exec's pipes: %s", strerror(errno)), -1;
		fds[0] = in[0], fds[1] = out[1], fds[2] = err[1];
		s->in = in[1], s->out = out[0], s->err = err[0];
		fcntl(s->err, F_SETFL, O_NONBLOCK);
	}
	fcntl(s->in, F_SETFL, O_NONBLOCK);
	fcntl(s->out, F_SETFL, O_NONBLOCK);
	return 0;
}

/* In the child: the spec replaces the application's process fields, then
 * its stdio, a terminal's session, and the exec. */
static _Noreturn void child(int errfd, int fds[3], int tty)
{
	sigprocmask(SIG_SETMASK, &child_mask, NULL);
	ports = 0; /* its messages are its own, never the application's report (app_become drops the ports) */
	run.argc = run.envc = run.ngroups = run.rlimits.n = run.terminal = 0;
	run.cwd = run.caps = run.umask = run.oom_score_adj = NULL;
	run.uid = run.gid = run.no_new_privs = -1;
	if (run_parse(spec, "exec") < 0) {
		write(errfd, errmsg, strlen(errmsg));
		_exit(127);
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] != i)
			dup2(fds[i], i);
	if (tty && tty_attach() < 0) {
		write(errfd, errmsg, strlen(errmsg));
		_exit(126);
	}
	app_become(errfd);
}

/* EXEC_START: the process forked, and the host told whether it runs. */
static void start(int id, const char *data, size_t n)
{
	struct sess *s = &sess[id];
	int fds[3] = {-1, -1, -1}, p[2];
	ssize_t got = 0;
	pid_t pid;

	if (s->pid) /* the host's mistake: the session is not free */
		return send_frame(EXEC_ERROR, id, "exec session busy", 17);
	memcpy(spec, data, n);
	spec[n] = '\0';
	if (make_stdio(s, spec, fds) < 0 || pipe2(p, O_CLOEXEC) < 0) {
		send_frame(EXEC_ERROR, id, errmsg, strlen(errmsg));
		goto out;
	}
	pthread_mutex_lock(&lock); /* the reaper must find its pid */
	if ((pid = fork()) == 0)
		child(p[1], fds, s->master >= 0);
	s->pid = pid > 0 ? pid : 0;
	s->credit = LUPINE_EXEC_WINDOW;
	pthread_mutex_unlock(&lock);
	close(p[1]);
	/* end of file: the exec succeeded. Else the child says why not. */
	got = pid < 0 ? snprintf(errmsg, sizeof(errmsg), "cannot fork: %s", strerror(errno))
		      : read(p[0], errmsg, sizeof(errmsg) - 1);
	close(p[0]);
	if (got > 0)
		send_frame(EXEC_ERROR, id, errmsg, (size_t)got);
	else
		send_frame(EXEC_STARTED, id, NULL, 0);
out:
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0 && (i == 0 || fds[i] != fds[0]))
			close(fds[i]);
	if (!s->pid || got > 0)
		sess_free(s);
}

static uint32_t le32(const unsigned char *b)
{
	return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* One frame from the host (trusted, still checked: it must not break the init). */
static void frame(int type, int id, const unsigned char *d, size_t n)
{
	struct sess *s = &sess[id];
	struct winsize ws;

	if (type == EXEC_START)
		return start(id, (const char *)d, n);
	if (!s->pid)
		return; /* a session that has ended: what was in flight for it */
	if (type == EXEC_STDIN && !s->in_eof && n <= LUPINE_EXEC_WINDOW - s->inlen) {
		memcpy(inq[id] + s->inlen, d, n);
		s->inlen += n;
	} else if (type == EXEC_EOF) {
		s->in_eof = 1;
	} else if (type == EXEC_SIGNAL && n == 1 && d[0] > 0 && d[0] < 65 && !s->exited) {
		kill(s->pid, d[0]);
	} else if (type == EXEC_WINSIZE && n == 4 && s->master >= 0) {
		ws = (struct winsize){.ws_row = (unsigned short)(d[0] | d[1] << 8),
				      .ws_col = (unsigned short)(d[2] | d[3] << 8)};
		ioctl(s->master, TIOCSWINSZ, &ws);
	} else if (type == EXEC_ACK && n == 4) {
		uint32_t a = le32(d);
		s->credit = a > LUPINE_EXEC_WINDOW - s->credit ? LUPINE_EXEC_WINDOW : s->credit + a;
	}
}

/* What the port has: complete frames taken, a partial one kept. */
static int read_port(void)
{
	ssize_t n = read(port, rx + rxlen, sizeof(rx) - rxlen);
	size_t off = 0;

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN) ? 0 : -1;
	rxlen += (size_t)n;
	while (rxlen - off >= LUPINE_EXEC_HDR) {
		const unsigned char *h = (const unsigned char *)rx + off;
		size_t len = h[2] | (size_t)h[3] << 8;
		if (rxlen - off < LUPINE_EXEC_HDR + len)
			break;
		if (h[1] < LUPINE_EXEC_MAX)
			frame(h[0], h[1], h + LUPINE_EXEC_HDR, len);
		off += LUPINE_EXEC_HDR + len;
	}
	memmove(rx, rx + off, rxlen - off);
	rxlen -= off;
	return 0;
}

/* Output of one stream, as far as the host has room: 0 while it may have
 * more, -1 once closed (its end, or drained after the process ended). */
static int pump_out(int id, int *fd, int type, int exited)
{
	struct sess *s = &sess[id];

	while (*fd >= 0 && s->credit) {
		size_t want = s->credit < LUPINE_EXEC_DATA_MAX ? s->credit : LUPINE_EXEC_DATA_MAX;
		ssize_t n = read(*fd, tx + LUPINE_EXEC_HDR, want);
		if (n > 0) {
			s->credit -= (unsigned)n;
			send_frame(type, id, tx + LUPINE_EXEC_HDR, (size_t)n);
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN && !exited) {
			return 0;
		} else {
			close_fd(fd); /* the end; EIO: a pty whose slave is gone; EAGAIN: drained */
		}
	}
	return *fd >= 0 ? 0 : -1;
}

/* Queued stdin to the process, acknowledged as it takes it. */
static void pump_in(int id)
{
	struct sess *s = &sess[id];
	ssize_t n;

	if (s->in >= 0 && s->inlen) {
		n = write(s->in, inq[id], s->inlen);
		if (n > 0) {
			memmove(inq[id], inq[id] + n, s->inlen - (size_t)n);
			s->inlen -= (size_t)n;
			send_u32(EXEC_ACK, id, (uint32_t)n);
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			s->inlen = 0; /* it closed its stdin: what it will not read is dropped */
			close_fd(&s->in);
		}
	}
	/* a terminal's end of input is a typed ^D, as the application's (stdio.c) */
	if (s->in >= 0 && s->in_eof && !s->inlen && (s->master < 0 || write(s->in, "\x04", 1) >= 0))
		close_fd(&s->in);
}

/* One session's turn: stdin, output, and its end once the process has ended. */
static void serve(int id)
{
	struct sess *s = &sess[id];
	int exited, status;
	unsigned char st;

	pthread_mutex_lock(&lock);
	exited = s->exited, status = s->status;
	pthread_mutex_unlock(&lock);
	pump_in(id);
	int done = pump_out(id, &s->out, EXEC_STDOUT, exited) < 0;
	done &= pump_out(id, &s->err, EXEC_STDERR, exited) < 0;
	if (exited && done) {
		st = (unsigned char)status;
		send_frame(EXEC_EXIT, id, &st, 1);
		sess_free(s);
	}
}

static void *execd_run(void *arg)
{
	struct pollfd p[2 + 3 * LUPINE_EXEC_MAX];
	char buf[64];

	(void)arg;
	for (;;) {
		int np = 2;
		p[0] = (struct pollfd){port, POLLIN, 0};
		p[1] = (struct pollfd){wake[0], POLLIN, 0};
		for (int i = 0; i < LUPINE_EXEC_MAX; i++) {
			struct sess *s = &sess[i];
			if (!s->pid)
				continue;
			p[np++] = (struct pollfd){s->in, s->inlen ? POLLOUT : 0, 0};
			p[np++] = (struct pollfd){s->out, s->credit ? POLLIN : 0, 0};
			p[np++] = (struct pollfd){s->err, s->credit ? POLLIN : 0, 0};
		}
		if (poll(p, (nfds_t)np, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			while (read(wake[0], buf, sizeof(buf)) > 0)
				;
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && read_port() < 0)
			break;
		for (int i = 0; i < LUPINE_EXEC_MAX; i++)
			if (sess[i].pid)
				serve(i);
	}
	say("the exec port closed: no more exec");
	return NULL;
}

void execd_open(void)
{
	port = port_open(LUPINE_PORT_EXEC_NR, O_RDWR);
}

void execd_start(const sigset_t *orig)
{
	pthread_t t;

	child_mask = *orig;
	for (int i = 0; i < LUPINE_EXEC_MAX; i++)
		sess[i] = (struct sess){.in = -1, .out = -1, .err = -1, .master = -1};
	if (port < 0)
		return;
	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0 || pthread_create(&t, NULL, execd_run, NULL) != 0)
		say("cannot serve exec: %s", strerror(errno));
}

void execd_reaped(pid_t pid, int st)
{
	int found = 0;

	pthread_mutex_lock(&lock);
	for (int i = 0; i < LUPINE_EXEC_MAX; i++) {
		if (sess[i].pid == pid) {
			sess[i].exited = found = 1;
			sess[i].status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
		}
	}
	pthread_mutex_unlock(&lock);
	if (found && write(wake[1], "", 1) < 0)
		return; /* full: a wake-up is pending anyway */
}
