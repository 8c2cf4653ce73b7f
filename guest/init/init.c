/* init.c: Lupine's PID 1: mount, run one application, forward signals, reap, report, power off. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct run run = { .uid = -1, .gid = -1, .no_new_privs = -1 };
char errmsg[512];
int ports;

/* Print "init: MSG" on the console; MSG stays in errmsg. */
void say(const char *fmt, ...)
{
	char line[sizeof(errmsg) + 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	write(STDERR_FILENO, line, (size_t)snprintf(line, sizeof(line), "init: %s\n", errmsg));
}

/* Send one control line to the host; newlines inside it become spaces. */
void ctl(const char *fmt, ...)
{
	char line[sizeof(errmsg) + 32];
	va_list ap;
	int n, m = run.ctl_console ? (int)strlen(LUPINE_CTL_MARK) : 0;

	if (!ports && !run.ctl_console)
		return;
	memcpy(line, LUPINE_CTL_MARK, (size_t)m);
	va_start(ap, fmt);
	n = m + vsnprintf(line + m, sizeof(line) - (size_t)m - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	for (char *p = line + m; p < line + n; p++)
		if (*p == '\n')
			*p = ' ';
	line[n++] = '\n';
	if (run.ctl_console) {
		/* one write, so the line does not interleave with the application's */
		write(STDERR_FILENO, line, (size_t)n);
		return;
	}
	for (int i = 0; i < n; i++)
		outb((unsigned char)line[i], LUPINE_CTL_PORT);
}


long long boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void ports_init(void)
{
	ports = ioperm(LUPINE_CTL_PORT, 1, 1) == 0 && ioperm(LUPINE_EXIT_PORT, 4, 1) == 0;
	if (!ports)
		say("cannot reach the host's I/O ports: %s (kernel without CONFIG_X86_IOPL_IOPERM?); "
		    "no status will be reported", strerror(errno));
}

static void mount_one(const char *dir, const char *fstype, unsigned long flags)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		say("cannot create '%s': %s", dir, strerror(errno));
	/* ENODEV: the kernel was built without this filesystem, on purpose. */
	else if (mount(fstype, dir, fstype, flags, NULL) < 0 && errno != ENODEV)
		say("cannot mount %s on '%s': %s", fstype, dir, strerror(errno));
}

void mount_basics(void)
{
	mount_one("/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_one("/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_one("/dev", "devtmpfs", MS_NOSUID);
	/* POSIX shared memory (shm_open) lives here when the kernel has tmpfs */
	mount_one("/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV);
}

/* The kernel gives PID 1 the console only if the initramfs has /dev/console;
 * devtmpfs is a second chance. */
static void console_init(void)
{
	int fd;

	if (fcntl(STDERR_FILENO, F_GETFD) >= 0 || (fd = open("/dev/console", O_RDWR | O_NOCTTY)) < 0)
		return;
	for (int i = 0; i <= STDERR_FILENO; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > STDERR_FILENO)
		close(fd);
}

/* Reap every zombie; returns APP's status when it was one of them, else -1. */
static int reap(pid_t app)
{
	int st, status = -1;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == app)
			status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
		else if (run.exec_port)
			execd_reaped(pid, st); /* an exec's process, or an orphan */
	}
	return status;
}

/* Forward signals to APP and reap until it ends; returns its status. */
static int app_wait(pid_t app, const sigset_t *set)
{
	siginfo_t si;
	int status = -1;

	input_ready(app); /* what came before the application started */
	while (status < 0) {
		if (sigwaitinfo(set, &si) < 0)
			continue;
		if (si.si_signo == SIGCHLD)
			status = reap(app);
		else if (si.si_signo == SIGIO)
			input_ready(app);
		else
			kill(app, si.si_signo);
	}
	return status;
}

/* Reap until no child is left, or for about MS milliseconds. */
static void reap_for(int ms)
{
	const struct timespec tick = { 0, 10 * 1000000L };
	sigset_t chld;
	pid_t pid;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	while (ms > 0) {
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (pid < 0) /* ECHILD: nobody left */
			return;
		if (sigtimedwait(&chld, NULL, &tick) < 0)
			ms -= 10;
	}
}

/* Wait (at most about 30 s) for the host's "exit": it has taken all of
 * the application's output, which a VM ending sooner could lose. */
static void host_wait(void)
{
	const struct timespec tick = {0, 100 * 1000000L};
	sigset_t io;

	sigemptyset(&io);
	sigaddset(&io, SIGIO);
	for (int i = 0; i < 300 && !input_exit_asked(); i++) {
		input_ready(0);
		if (!input_exit_asked())
			sigtimedwait(&io, NULL, &tick);
	}
}

/* End the VM with STATUS: stop what is left, report, leave QEMU. */
static _Noreturn void finish(int status)
{
	kill(-1, SIGTERM);
	reap_for(100);
	kill(-1, SIGKILL);
	reap_for(100);
	sync();
	/* leave a disk root clean, so it can be mounted read-only next time */
	if (run.root_dev && !run.root_ro)
		mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL);
	if (run.stdio_ports)
		stdio_ports_finish();
	klog_report();
	ctl(LUPINE_CTL_STATUS " %d", status);
	if (run.stdio_ports)
		host_wait();
	if (ports)
		outl((unsigned)status, LUPINE_EXIT_PORT);
	/* Firecracker has no power-off device: its i8042 reset ends it (reboot=k) */
	reboot(run.ctl_console ? RB_AUTOBOOT : RB_POWER_OFF);
	say("cannot power off: %s", strerror(errno));
	for (;;)
		pause();
}

int main(void)
{
	static const int sync_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS };
	long long t_init = boottime_ns();
	sigset_t set, orig;
	int loaded, stdin_fd;
	pid_t app;

	ports_init();
	sigfillset(&set);
	for (size_t i = 0; i < sizeof(sync_signals) / sizeof(sync_signals[0]); i++)
		sigdelset(&set, sync_signals[i]);
	sigprocmask(SIG_SETMASK, &set, &orig);
	mount_basics();
	console_init();
	/* the run file says which channel reaches the host: report after it */
	loaded = run_load();
	ctl(LUPINE_CTL_INIT " %lld", t_init);
	if (loaded < 0 || root_switch() < 0)
		finish(127);
	net_init();
	names_init();
	entropy_seed();
	stdin_fd = input_init();
	int fds[3] = {stdin_fd, -1, -1};
	if (run.stdio_ports && stdio_ports_open(fds) < 0)
		finish(127);
	if (run.exec_port)
		execd_open();
	/* after the ports are open: a tmpfs on /dev hides them */
	if (mounts_apply() < 0 || (run.stdio_ports && run.terminal && stdio_tty_open(fds) < 0))
		finish(127);
	/* last before the application: after every mount (config.json's too),
	 * since the paths it masks or makes read-only, and the root, are theirs */
	if (confine_system() < 0)
		finish(127);
	app = app_start(&orig, fds);
	/* the application's now: its closing is its own */
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (run.stdio_ports && stdin_fd != fds[0])
		close(stdin_fd);
	if (run.stdio_ports)
		stdio_ports_start();
	if (run.exec_port && app > 0)
		execd_start(&orig);
	finish(app < 0 ? 127 : app_wait(app, &set));
}
