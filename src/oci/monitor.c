/* monitor.c: a container's monitor: forked by create, reparented to the shim
 * (a child subreaper) when create exits, and the container's one process on
 * the host until its VM ends. */
#include "oci/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The network namespace the VM's user-mode network lives in. */
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

/* Runs the container's VM to its end and returns the monitor's exit status.
 * Today it becomes `lupine run` of the bundle (exec'd from /proc/self/exe,
 * which makes the application's status its own), so it returns only when the
 * exec fails. */
static int monitor_run_vm(const struct oci_spec *s, const struct oci_state *st)
{
	char *vm = oci_state_file(st, "vm"), mem[16];
	const char *fixed[] = {"lupine", "run", vm, "-i", "--stop-timeout", "10", "-m", mem};
	struct strlist argv = {0};

	snprintf(mem, sizeof(mem), "%d", s->memory_mib ? s->memory_mib : OCI_DEFAULT_MEMORY_MIB);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		strlist_add(&argv, fixed[i]);
	if (s->readonly)
		strlist_add(&argv, "--ro");
	for (size_t i = 0; i < s->ports.n; i++) {
		strlist_add(&argv, "-p");
		strlist_add(&argv, s->ports.v[i]);
	}
	execv("/proc/self/exe", argv.v);
	strlist_release(&argv);
	free(vm);
	return 127;
}

/* Tells create why the monitor gives up (create's message), and ends it. */
static _Noreturn void not_ready(int ready_fd, const char *why)
{
	if (write(ready_fd, why, strlen(why)) < 0)
		_exit(1); /* create then says the monitor ended before it was ready */
	_exit(1);
}

/* The monitor, in the child: one NUL byte on ready_fd says ready. No
 * PR_SET_PDEATHSIG: the monitor must outlive create, which exits once it is
 * ready; the shim adopts it and takes its exit status as the container's. */
static _Noreturn void monitor(const struct oci_spec *s, const struct oci_state *st, int ready_fd)
{
	char *fifo = oci_state_file(st, "start.fifo"), c;
	struct strbuf err = {0};
	int fd;

	if (enter_netns(s, &err) < 0)
		not_ready(ready_fd, err.buf);
	if (write(ready_fd, "", 1) != 1)
		_exit(1);
	close(ready_fd);
	/* blocks until `start` opens the FIFO to write; then one byte says go */
	if ((fd = open(fifo, O_RDONLY | O_CLOEXEC)) < 0 || read(fd, &c, 1) != 1)
		_exit(1);
	close(fd);
	free(fifo);
	_exit(monitor_run_vm(s, st));
}

pid_t oci_monitor_start(const struct oci_spec *spec, const struct oci_state *st, struct strbuf *err)
{
	char buf[512];
	pid_t pid;
	ssize_t n;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0) {
		sb_addf(err, "cannot start the container's monitor: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		sb_addf(err, "cannot start the container's monitor: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		monitor(spec, st, p[1]);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	if (n == 1 && !buf[0])
		return pid;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	buf[n > 0 ? n : 0] = 0;
	sb_adds(err, n > 0 ? buf : "the container's monitor ended before it was ready");
	return -1;
}
