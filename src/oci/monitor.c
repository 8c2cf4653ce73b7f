/* monitor.c: a container's monitor: forked by create, reparented to the shim
 * (a child subreaper) when create exits, and the container's one process on
 * the host until its VM ends. */
#include "oci/monitor.h"
#include "oci/console.h"
#include "oci/execmux.h"
#include "oci/sandbox.h"
#include "oci/warm.h"
#include "bundle/run.h"
#include "manifest/knotes.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The container's network namespace: the VM takes its interface over (vm/net.h), or
 * with none there (a new one, --network none) its user-mode network lives in it. */
static int enter_netns(const struct oci_spec *s, struct strbuf *err)
{
	int fd;

	if (!s->netns)
		return 0; /* the host's network, as runc gives a container without one */
	if (!s->netns_path) {
		if (unshare(CLONE_NEWNET) < 0) {
			sb_addf(err, "cannot make a network namespace: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if ((fd = open(s->netns_path, O_RDONLY | O_CLOEXEC)) < 0 || setns(fd, CLONE_NEWNET) < 0) {
		sb_addf(err, "cannot enter the network namespace '%s': %s", s->netns_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The run `lupine run VM -i --stop-timeout 10 -m MEM [--persist] [--net container] [-p PORT]...`
 * makes. 0, or -1 with err. */
static int request(const struct oci_spec *s, struct run_req *rq, struct vm_port *ports, int console_fd,
		   struct strbuf *err)
{
	static const struct strlist none;

	if (s->snapshot)
		return oci_warm_request(s, rq, ports, console_fd, err);
	/* a read-only root is made so by the init once its mount points are made (run.root_readonly);
	 * the disk needs no fresh copy for the run: nothing else writes it */
	rq->lo = (struct launch_opts){.env = &none, .args = &none, .persist = s->readonly, .stdin_mode = "pipe",
				      .mem_mib = s->memory_mib ? s->memory_mib : OCI_DEFAULT_MEMORY_MIB,
				      .mounts = &s->vol.mounts};
	rq->cfg = (struct vm_config){.accel = VM_ACCEL_AUTO, .init_timeout = RUN_INIT_TIMEOUT, .echo = 1, .stop_timeout = 10,
				     .forward_stdin = 1, .ports = ports, .console_fd = console_fd,
				     .shares = s->vol.shares, .nshares = s->vol.nshares, .terminal = s->terminal};
	rq->lo.terminal = s->terminal;
	if (s->netns) {
		/* never the host's own interface: only a container's namespace is taken over */
		rq->net.mode = VM_NET_CONTAINER;
		rq->net.resolv = s->resolv_conf;
	}
	for (size_t i = 0; i < s->ports.n; i++, rq->cfg.nports++)
		if (vm_port_parse(s->ports.v[i], &ports[i], err) < 0)
			return -1;
	return 0;
}

/* Runs the container's VM to its end, in this process, as `lupine run` does
 * (the same signals, diagnosis and exit status); the application's status
 * becomes the monitor's, and so the container's. */
static int monitor_run_vm(const struct oci_spec *s, const struct oci_state *st, struct oci_execmux *mux)
{
	struct vm_port *ports = xcalloc(s->ports.n + 1, sizeof(*ports));
	struct run_req rq = {.bundle = oci_state_file(st, "vm")};
	struct strbuf err = {0}, msg = {0};
	struct vm_result r;
	int ret = RUN_EXIT_LAUNCH;

	lupine_quiet = 0; /* create's quiet was for its own stdio; the run's notes are the container's */
	/* the container's stdout and stderr are the application's alone: the
	 * kernel's and the init's console goes to ROOT/ID/console.log */
	char *log = oci_state_file(st, "console.log");
	int console_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

	free(log);
	if (request(s, &rq, ports, console_fd < 0 ? -1 : console_fd, &err) == 0) {
		/* lupine-runc exec's way in: the VM's exec port, served beside it
		 * (not in a snapshot's VM: it was saved without one) */
		rq.cfg.exec_sock = s->snapshot ? NULL : oci_execmux_vm_sock(mux);
		rq.lo.exec = !s->snapshot;
		run_signals_install(&rq.cfg);
		if (bundle_run(&rq, &r, &err) == 0) {
			knotes_after_run(&r, 0, &msg);
			ret = run_exit_status(&r, 0, run_signals_stopped(), &msg);
			vm_result_release(&r);
		}
	}
	oci_execmux_stop(mux);
	if (err.len)
		sb_addf(&msg, "lupine: %s\n", err.buf);
	fputs(msg.buf ? msg.buf : "", stderr);
	for (size_t i = 0; i < rq.cfg.nports; i++)
		vm_port_release(&ports[i]);
	free(ports);
	free((char *)rq.bundle);
	if (console_fd >= 0)
		close(console_fd);
	sb_release(&msg);
	sb_release(&err);
	return ret;
}

/* Tells create why the monitor gives up (create's message), and ends it. */
static _Noreturn void not_ready(int link, const char *why)
{
	if (write(link, why, strlen(why)) < 0)
		_exit(1); /* create then says the monitor ended before it was ready */
	_exit(1);
}

struct monitor_args {
	const struct oci_spec *s;
	const struct oci_state *st;
	int link;
};

/* The monitor, in the child: one NUL byte on link says ready, one back from
 * create says recorded. */
static int monitor(void *arg)
{
	const struct monitor_args *a = arg;
	char *fifo = oci_state_file(a->st, "start.fifo"), c;
	struct strbuf err = {0};
	struct oci_execmux *mux = NULL;
	int fd;

	if (enter_netns(a->s, &err) < 0 || (a->s->terminal && oci_console_attach(&err) < 0))
		not_ready(a->link, err.buf);
	/* exec's socket before ready: an exec as soon as start returns finds it */
	if (!a->s->sandbox && !(mux = oci_execmux_start(a->st, &err)))
		not_ready(a->link, err.buf);
	/* open before ready, and read-write so that it neither waits for a
	 * writer nor sees one leave: start finds a reader whenever we live */
	if ((fd = open(fifo, O_RDWR | O_CLOEXEC)) < 0) {
		sb_addf(&err, "cannot open '%s': %s", fifo, strerror(errno));
		not_ready(a->link, err.buf);
	}
	if (write(a->link, "", 1) != 1)
		_exit(1);
	/* end of file: create died before recording this monitor; nobody would know of it */
	if (read(a->link, &c, 1) != 1)
		_exit(1);
	close(a->link);
	/* one byte from start says go */
	if (read(fd, &c, 1) != 1)
		_exit(1);
	close(fd);
	free(fifo);
	return a->s->sandbox ? oci_sandbox_hold() : monitor_run_vm(a->s, a->st, mux);
}

pid_t oci_monitor_start(const struct oci_spec *spec, const struct oci_state *st, int tty, int *link,
			struct strbuf *err)
{
	char buf[512];
	pid_t pid;
	ssize_t n;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		sb_addf(err, "cannot start the container's monitor: %s", strerror(errno));
		return -1;
	}
	/* no death signal: the monitor must outlive create, which exits once it
	 * is ready and recorded; the shim adopts it and takes its exit status as
	 * the container's. It keeps create's stdio, the application's, or has
	 * the terminal's slave for all three (create's own must not be held). */
	struct monitor_args a = {spec, st, sv[1]};
	struct proc_opts o = {.in = tty, .out = tty, .err = tty, .outlive = 1, .keep = sv[1]};
	if ((pid = proc_fork(monitor, &a, &o)) < 0) {
		sb_addf(err, "cannot start the container's monitor: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close(sv[1]);
	n = read(sv[0], buf, sizeof(buf) - 1);
	if (n == 1 && !buf[0]) {
		*link = sv[0];
		return pid;
	}
	close(sv[0]);
	kill(pid, SIGKILL); /* our child, not reaped: the pid is still its own */
	waitpid(pid, NULL, 0);
	buf[n > 0 ? n : 0] = 0;
	sb_adds(err, n > 0 ? buf : "the container's monitor ended before it was ready");
	return -1;
}

int oci_monitor_commit(int link, struct strbuf *err)
{
	/* MSG_NOSIGNAL: a monitor gone is an error here, not a SIGPIPE */
	int r = send(link, "", 1, MSG_NOSIGNAL) == 1 ? 0 : -1;

	if (r < 0)
		sb_addf(err, "the container's monitor ended before create finished: %s", strerror(errno));
	close(link);
	return r;
}
