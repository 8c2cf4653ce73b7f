/* qmp.c: a small QMP client: connect, greet, call, with bounded replies and limited waits. */
#include "vm/qmp.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define QMP_LINE_MAX (1 << 20) /* a reply longer than this is an error, not memory */
#define QMP_WAIT 30.0          /* seconds any one reply may take */

/* Whether QEMU still runs: an exited one is a zombie until its owner reaps it (WNOWAIT leaves that to it). */
static int alive(pid_t pid)
{
	siginfo_t si = {0};

	return pid <= 0 || (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0);
}

/* One line from QEMU into a new JSON value; NULL with err. */
static json_t *read_line(struct qmp *q, struct strbuf *err)
{
	double until = now_sec() + QMP_WAIT;
	char buf[4096];

	for (;;) {
		char *nl = q->in.len ? memchr(q->in.buf, '\n', q->in.len) : NULL;
		if (nl) {
			json_error_t je;
			size_t n = (size_t)(nl - q->in.buf) + 1;
			json_t *v = json_loadb(q->in.buf, n, 0, &je);
			memmove(q->in.buf, q->in.buf + n, q->in.len - n);
			q->in.len -= n;
			if (!v)
				sb_addf(err, "QEMU's monitor sent a line that is not JSON: %s", je.text);
			return v;
		}
		if (q->in.len > QMP_LINE_MAX || now_sec() > until || !alive(q->pid)) {
			sb_adds(err, q->in.len > QMP_LINE_MAX ? "QEMU's monitor sent an overlong line"
							      : "QEMU's monitor did not answer (did QEMU stop?)");
			return NULL;
		}
		struct pollfd p = {q->fd, POLLIN, 0};
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t r = read(q->fd, buf, sizeof(buf));
		if (r <= 0 && !(r < 0 && errno == EINTR)) {
			sb_adds(err, "QEMU's monitor closed its connection (did QEMU stop?)");
			return NULL;
		}
		if (r > 0)
			sb_add(&q->in, buf, (size_t)r);
	}
}

/* The next reply, skipping events. */
static json_t *reply(struct qmp *q, struct strbuf *err)
{
	json_t *v;

	while ((v = read_line(q, err)) && json_object_get(v, "event"))
		json_decref(v);
	return v;
}

static int send_line(struct qmp *q, const char *text, int fd)
{
	struct iovec iov = {(void *)text, strlen(text)};
	char ctl[CMSG_SPACE(sizeof(int))] = {0};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	/* one line, sent whole: commands are short */
	return sendmsg(q->fd, &m, MSG_NOSIGNAL) == (ssize_t)iov.iov_len ? 0 : -1;
}

json_t *qmp_call(struct qmp *q, const char *cmd, json_t *args, int fd, struct strbuf *err)
{
	json_t *req = json_pack("{s:s}", "execute", cmd), *v, *ret = NULL;
	char *text;

	if (args)
		json_object_set_new(req, "arguments", args);
	char *json = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	text = xasprintf("%s\n", json ? json : "");
	free(json);
	if (send_line(q, text, fd) < 0) {
		sb_addf(err, "cannot talk to QEMU's monitor: %s", strerror(errno));
		free(text);
		return NULL;
	}
	free(text);
	if (!(v = reply(q, err)))
		return NULL;
	if ((ret = json_object_get(v, "return"))) {
		json_incref(ret);
	} else {
		const char *desc = json_string_value(json_object_get(json_object_get(v, "error"), "desc"));
		sb_addf(err, "QEMU refused %s: %s", cmd, desc ? desc : "no reason given");
	}
	json_decref(v);
	return ret;
}

int qmp_run(struct qmp *q, const char *cmd, json_t *args, struct strbuf *err)
{
	json_t *r = qmp_call(q, cmd, args, -1, err);

	json_decref(r);
	return r ? 0 : -1;
}

/* Connects, retrying while QEMU has not made the socket yet. */
static int connect_to(struct qmp *q, const char *path, double timeout, struct strbuf *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	double until = now_sec() + timeout;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		sb_addf(err, "the VM's monitor socket path '%s' is too long (TMPDIR?)", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd >= 0 && connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return 0;
		if (q->fd >= 0)
			close(q->fd);
		q->fd = -1;
		if (now_sec() > until || !alive(q->pid)) {
			sb_addf(err, "cannot reach QEMU's monitor at '%s': %s", path,
				alive(q->pid) ? strerror(errno) : "QEMU ended");
			return -1;
		}
		usleep(1000);
	}
}

int qmp_open(struct qmp *q, const char *path, pid_t pid, double timeout, struct strbuf *err)
{
	json_t *g, *v, *p;

	memset(q, 0, sizeof(*q));
	q->pid = pid;
	if (connect_to(q, path, timeout, err) < 0)
		return -1;
	if (!(g = reply(q, err)))
		goto fail;
	v = json_object_get(json_object_get(json_object_get(g, "QMP"), "version"), "qemu");
	p = json_object_get(json_object_get(json_object_get(g, "QMP"), "version"), "package");
	q->version = xasprintf("%lld.%lld.%lld (%s)", json_integer_value(json_object_get(v, "major")),
			       json_integer_value(json_object_get(v, "minor")),
			       json_integer_value(json_object_get(v, "micro")),
			       json_is_string(p) ? json_string_value(p) : "");
	json_decref(g);
	if (qmp_run(q, "qmp_capabilities", NULL, err) < 0)
		goto fail;
	return 0;
fail:
	qmp_close(q);
	return -1;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	sb_release(&q->in);
	free(q->version);
	q->version = NULL;
}
