/* stdio.c: the application's stdin, stdout and stderr on virtio-console ports of their own.
 *
 * The host adds three ports (guest/protocol.h LUPINE_PORT_*). The
 * application gets pipes, as under runc without a terminal (with one, a
 * pty's slave: tty.c), and a thread
 * of the init per stream copies the bytes. The relay is what lets the end be exact: a write to a
 * port only queues the bytes, and the VM must not end while the host has
 * not taken them, so the init tells the host how many bytes each stream
 * carried and waits for its "exit" (init.c finish). */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct relay {
	int from, to;
	unsigned long long bytes;
	pthread_t thread;
	int started;
};

static struct relay relays[3]; /* stdin, stdout, stderr */

/* The port numbered NR on the one virtio-serial device, opened with
 * FLAGS. Ports are known by number (protocol.h): a kernel without sysfs
 * has no names to look them up by. The host's messages that add ports are
 * handled after the driver's probe: give them a moment (in practice they
 * are there long before the init). */
int port_open(int nr, int flags)
{
	const struct timespec tick = {0, 2 * 1000000L};
	char dev[32];
	int fd;

	snprintf(dev, sizeof(dev), "/dev/vport0p%d", nr);
	for (int tries = 0; tries < 1000; tries++) {
		if ((fd = open(dev, flags | O_CLOEXEC)) >= 0)
			return fd;
		nanosleep(&tick, NULL);
	}
	return fail("no virtio-console port %s: %s (kernel without CONFIG_VIRTIO_CONSOLE?)", dev, strerror(errno));
}

int write_full(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Moves the stream until its end, or until its reader went away. A copy,
 * not splice(): a port's splice_write loses track of a pipe it drains
 * (the relay stalled with the pipe full under TCG), and a port cannot be
 * spliced from at all. */
static void *relay_run(void *arg)
{
	struct relay *r = arg;
	static char bufs[3][65536];
	char *buf = bufs[r - relays];
	ssize_t n;

	while ((n = read(r->from, buf, sizeof(bufs[0]))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_full(r->to, buf, (size_t)n) < 0)
			break;
		r->bytes += (unsigned long long)n;
	}
	/* the end of the host's input is the terminal's: ^D, as typed (VEOF) */
	if (!n && run.terminal && r == &relays[0])
		write_full(r->to, "\x04", 1);
	close(r->to);
	close(r->from);
	return NULL;
}

static int relay_start(struct relay *r)
{
	if (pthread_create(&r->thread, NULL, relay_run, r) != 0)
		return fail("cannot start a stdio relay thread");
	r->started = 1;
	return 0;
}

/* With a terminal, the application's three are the pty's slave; the
 * master carries stdin in and all of its output out on the stdout port
 * (the stderr port carries nothing, as with runc's terminal). The ports
 * are open (relays[0].from, relays[1].to); the pty comes after config.json's
 * mounts, so that it is one of the devpts the application sees. */
int stdio_tty_open(int fds[3])
{
	int master, slave;

	if (tty_open(&master, &slave) < 0)
		return -1;
	relays[1].from = master;
	/* a descriptor of its own: the stdin relay's end closes it, not the pty */
	if (relays[0].from > 0)
		relays[0].to = fcntl(master, F_DUPFD_CLOEXEC, 3);
	fds[0] = slave;
	fds[1] = fcntl(slave, F_DUPFD_CLOEXEC, 3);
	fds[2] = fcntl(slave, F_DUPFD_CLOEXEC, 3);
	return 0;
}

/* Opens the ports and makes the application's ends: fds[0..2] become its
 * stdin, stdout and stderr (the init closes them once it has forked); with
 * a terminal, stdio_tty_open makes them. */
int stdio_ports_open(int fds[3])
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1};
	int port_out = port_open(LUPINE_PORT_STDOUT_NR, O_WRONLY), port_err = -1, port_in = -1;

	if (port_out < 0 || (!run.terminal && (port_err = port_open(LUPINE_PORT_STDERR_NR, O_WRONLY)) < 0) ||
	    (run.stdin_pipe && (port_in = port_open(LUPINE_PORT_STDIN_NR, O_RDONLY)) < 0))
		return -1;
	if (run.terminal) {
		relays[0] = (struct relay){.from = port_in, .to = -1};
		relays[1] = (struct relay){.from = -1, .to = port_out};
		return 0;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || (run.stdin_pipe && pipe2(in, O_CLOEXEC) < 0))
		return fail("cannot create the application's stdio pipes: %s", strerror(errno));
	fcntl(out[1], F_SETPIPE_SZ, 1 << 20);
	relays[1] = (struct relay){.from = out[0], .to = port_out};
	relays[2] = (struct relay){.from = err[0], .to = port_err};
	fds[1] = out[1];
	fds[2] = err[1];
	fds[0] = run.stdin_pipe ? in[0] : open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (run.stdin_pipe)
		relays[0] = (struct relay){.from = port_in, .to = in[1]};
	return 0;
}

/* Starts the relays, once the application has its ends. */
void stdio_ports_start(void)
{
	for (int i = 0; i < 3; i++)
		if (relays[i].to > 0 && relay_start(&relays[i]) < 0)
			return;
}

/* After every process that held the application's ends is gone: waits
 * for the output relays to pass on the last bytes (for at most about
 * 30 s: a host that stopped reading cannot keep the VM forever) and tells
 * the host how many bytes stdout and stderr carried. */
void stdio_ports_finish(void)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	for (int i = 1; i < 3; i++)
		if (relays[i].started && pthread_timedjoin_np(relays[i].thread, NULL, &until) != 0)
			say("the application's %s did not drain in time", i == 1 ? "stdout" : "stderr");
	ctl(LUPINE_CTL_STDIO " %llu %llu", relays[1].bytes, relays[2].bytes);
}

/* Warm start (restore.c): whether the output relays have passed on all the
 * application wrote (its pipes are empty), and the bytes they carried. */
int stdio_ports_pending(unsigned long long bytes[2])
{
	int pending = 0, n;

	for (int i = 1; i < 3; i++) {
		bytes[i - 1] = relays[i].bytes;
		if (relays[i].started && ioctl(relays[i].from, FIONREAD, &n) == 0 && n > 0)
			pending = 1;
	}
	return pending;
}

/* A restored VM talks to a new host side, which counts from zero. */
void stdio_ports_restart(void)
{
	relays[1].bytes = relays[2].bytes = 0;
}
