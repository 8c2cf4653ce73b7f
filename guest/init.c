/* init.c: Lupine's PID 1: set up a single-purpose VM, run one application, reap, report, power off.
 *
 * The host writes /lupine/run into the initramfs, one "KEY VALUE" directive a
 * line (see run_line()). The init mounts what the kernel has, optionally
 * switches to a root disk, configures lo/eth0, seeds the entropy pool, then
 * forks the application and waits with every asynchronous signal blocked,
 * forwarding signals to it and reaping orphans (after tini). Control lines
 * (protocol.h) reach the host through an I/O port; the application's status
 * (0-255, 128+N for signal N) ends the VM through the isa-debug-exit port.
 * Nothing is allocated: the configuration lives in static buffers. */
#include "protocol.h"
#include "lib/elf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <net/route.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RNDADDENTROPY _IOW('R', 0x03, int[2]) /* <linux/random.h>, which musl lacks */
#define RUN_FILE LUPINE_RUN_FILE
#define RUN_MAX 65536 /* bytes in RUN_FILE */
#define LIST_MAX 512  /* arguments; environment entries */

static struct {
	char *argv[LIST_MAX + 1], *envp[LIST_MAX + 1];
	int argc, envc;
	char *cwd, *hostname, *root_dev, *root_fs, *dns;
	long uid, gid; /* -1: unchanged */
	int root_ro, has_ip, has_gw;
	int ctl_console; /* control lines on the console (no I/O ports: Firecracker) */
	struct in_addr ip, mask, gw;
} run = { .uid = -1, .gid = -1 };

static char run_buf[RUN_MAX + 1];
static char errmsg[512]; /* the last message said */
static int ports;        /* we may write to the control and exit ports */

/* Print "init: MSG" on the console; MSG stays in errmsg. */
static void say(const char *fmt, ...)
{
	char line[sizeof(errmsg) + 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	write(STDERR_FILENO, line, (size_t)snprintf(line, sizeof(line), "init: %s\n", errmsg));
}

/* Send one control line to the host; newlines inside it become spaces. */
static void ctl(const char *fmt, ...)
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

/* Say MSG and report it as "error MSG"; evaluates to -1. */
#define fail(...) (say(__VA_ARGS__), ctl(LUPINE_CTL_ERROR " %s", errmsg), -1)

static long long boottime_ns(void)
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

static void mount_basics(void)
{
	mount_one("/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_one("/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_one("/dev", "devtmpfs", MS_NOSUID);
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

/* Undo the host's escapes \n, \t and \\ in place; any other "\c" is "c". */
static char *unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r == '\\' && r[1])
			r++, *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
		else
			*w++ = *r;
	}
	*w = '\0';
	return s;
}

static int parse_id(const char *s, long *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!isdigit((unsigned char)*s) || *end || v >= 0xffffffffUL)
		return -1;
	*out = (long)v;
	return 0;
}

static int parse_cidr(char *s)
{
	char *slash = strchr(s, '/'), *end = NULL;
	long prefix = slash ? strtol(slash + 1, &end, 10) : -1;

	if (!slash || !slash[1] || *end || prefix < 0 || prefix > 32)
		return -1;
	*slash = '\0';
	run.mask.s_addr = htonl(prefix ? 0xffffffffU << (32 - prefix) : 0);
	run.has_ip = inet_pton(AF_INET, s, &run.ip) == 1;
	return run.has_ip ? 0 : -1;
}

static int parse_root(char *s)
{
	char *fs = strchr(s, ' '), *mode = fs ? strchr(fs + 1, ' ') : NULL;

	if (!mode || (strcmp(mode + 1, "ro") && strcmp(mode + 1, "rw")))
		return -1;
	*fs++ = *mode++ = '\0';
	run.root_dev = s;
	run.root_fs = fs;
	run.root_ro = !strcmp(mode, "ro");
	return 0;
}

static int push(char **list, int *n, char *item)
{
	if (*n >= LIST_MAX)
		return -1;
	list[(*n)++] = item;
	return 0;
}

#define RUN_KEY_ENTRY(id, key, kind) [id] = key,
static const char *const run_keys[RUN_NKEYS] = { LUPINE_RUN_KEYS(RUN_KEY_ENTRY) };

static int run_key_of(const char *key)
{
	for (int k = 0; k < RUN_NKEYS; k++)
		if (!strcmp(key, run_keys[k]))
			return k;
	return -1;
}

/* Take in one "KEY VALUE" line; -1 when a known key has a bad value. */
static int run_line(char *key, int lineno)
{
	char *val = strchr(key, ' ');
	struct in_addr dns;

	if (val)
		*val++ = '\0';
	val = unescape(val ? val : key + strlen(key));
	switch (run_key_of(key)) {
	case RUN_ARG: return push(run.argv, &run.argc, val);
	case RUN_ENV: return strchr(val, '=') ? push(run.envp, &run.envc, val) : -1;
	case RUN_UID: return parse_id(val, &run.uid);
	case RUN_GID: return parse_id(val, &run.gid);
	case RUN_IP: return parse_cidr(val);
	case RUN_GW: return (run.has_gw = inet_pton(AF_INET, val, &run.gw) == 1) ? 0 : -1;
	case RUN_DNS: return inet_pton(AF_INET, (run.dns = val), &dns) == 1 ? 0 : -1;
	case RUN_ROOT: return parse_root(val);
	case RUN_CWD: run.cwd = val; return 0;
	case RUN_HOSTNAME: run.hostname = val; return 0;
	case RUN_CTL:
		run.ctl_console = !strcmp(val, "console");
		return run.ctl_console || !strcmp(val, "port") ? 0 : -1;
	default:
		if (*key)
			say(RUN_FILE ":%d: unknown key '%s', ignored", lineno, key);
		return 0;
	}
}

static int run_load(void)
{
	int fd = open(RUN_FILE, O_RDONLY | O_CLOEXEC), lineno = 0;
	ssize_t n = 0, len = 0;
	char *next = run_buf, *line;

	if (fd < 0)
		return fail("no " RUN_FILE ": %s", strerror(errno));
	while (len < RUN_MAX && (n = read(fd, run_buf + len, RUN_MAX - len)) > 0)
		len += n;
	close(fd);
	if (n < 0 || len >= RUN_MAX)
		return fail("cannot read " RUN_FILE ": %s", n < 0 ? strerror(errno) : "too long");
	run_buf[len] = '\0';
	while ((line = strsep(&next, "\n")))
		if (run_line(line, ++lineno) < 0)
			return fail(RUN_FILE ":%d: bad '%s' (or too many)", lineno, line);
	if (!run.argc)
		return fail(RUN_FILE ": no 'arg': nothing to run");
	return 0;
}

static int root_mount_fail(int err)
{
	char fs[32];
	size_t i;

	for (i = 0; run.root_fs[i] && i + 1 < sizeof(fs); i++)
		fs[i] = (char)toupper((unsigned char)run.root_fs[i]);
	fs[i] = '\0';
	if (err == ENODEV)
		return fail("cannot mount '%s' on /newroot: no %s (kernel without CONFIG_%s_FS?)", run.root_dev,
			    run.root_fs, fs);
	if (err == ENOENT || err == ENXIO)
		return fail("cannot mount '%s' on /newroot: %s (no disk, or kernel without CONFIG_VIRTIO_BLK?)",
			    run.root_dev, strerror(err));
	return fail("cannot mount '%s' (%s) on /newroot: %s", run.root_dev, run.root_fs, strerror(err));
}

static int root_switch(void)
{
	if (!run.root_dev)
		return 0;
	if (mkdir("/newroot", 0755) < 0 && errno != EEXIST)
		return fail("cannot create '/newroot': %s", strerror(errno));
	if (mount(run.root_dev, "/newroot", run.root_fs, run.root_ro ? MS_RDONLY : 0, NULL) < 0 &&
	    /* a journal left dirty by a crash cannot be replayed on a read-only disk */
	    !(run.root_ro && errno == EROFS &&
	      mount(run.root_dev, "/newroot", run.root_fs, MS_RDONLY, "noload") == 0))
		return root_mount_fail(errno);
	/* The initramfs cannot be pivot_root()ed away: mount the new root over it. */
	if (chdir("/newroot") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return fail("cannot switch to the root on '%s': %s", run.root_dev, strerror(errno));
	mount_basics();
	return 0;
}

/* Give interface NAME the address ADDR/MASK and bring it up. */
static int if_up(int s, const char *name, struct in_addr addr, struct in_addr mask)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = addr };

	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		return -1;
	sin.sin_addr = mask;
	memcpy(&ifr.ifr_netmask, &sin, sizeof(sin));
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static int route_default(int s, struct in_addr gw)
{
	struct rtentry rt = { .rt_flags = RTF_UP | RTF_GATEWAY };
	struct sockaddr_in any = { .sin_family = AF_INET }, via = { .sin_family = AF_INET, .sin_addr = gw };

	memcpy(&rt.rt_dst, &any, sizeof(any));
	memcpy(&rt.rt_genmask, &any, sizeof(any));
	memcpy(&rt.rt_gateway, &via, sizeof(via));
	return ioctl(s, SIOCADDRT, &rt);
}

static void net_init(void)
{
	struct in_addr lo = { htonl(INADDR_LOOPBACK) }, lo_mask = { htonl(0xff000000U) };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0) {
		if (run.has_ip)
			say("no IPv4 networking: %s (kernel without CONFIG_NET or CONFIG_INET?)", strerror(errno));
		return;
	}
	if (if_up(s, "lo", lo, lo_mask) < 0)
		say("cannot bring up lo: %s", strerror(errno));
	if (run.has_ip && if_up(s, "eth0", run.ip, run.mask) < 0) {
		if (errno == ENODEV)
			say("no eth0 (kernel without CONFIG_VIRTIO_NET?)");
		else
			say("cannot bring up eth0: %s", strerror(errno));
	} else if (run.has_ip && run.has_gw && route_default(s, run.gw) < 0) {
		say("cannot add a default route via %s: %s", inet_ntoa(run.gw), strerror(errno));
	}
	close(s);
}

static void names_init(void)
{
	char line[64];
	int fd;

	if (run.hostname && sethostname(run.hostname, strlen(run.hostname)) < 0)
		say("cannot set the hostname to '%s': %s", run.hostname, strerror(errno));
	/* No /etc, or a read-only one: the application chose to live without. */
	if (!run.dns || (fd = open("/etc/resolv.conf", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return;
	write(fd, line, (size_t)snprintf(line, sizeof(line), "nameserver %s\n", run.dns));
	close(fd);
}

/* Seed and credit the entropy pool so that getrandom() does not block.
 * Trade-off: TSC jitter, clocks and ASLR addresses hold far fewer than the
 * 256 bits we credit, but a single-purpose VM stuck at start-up waiting for
 * entropy is worse. Strong early keys want virtio-rng (CONFIG_HW_RANDOM_VIRTIO). */
static void entropy_seed(void)
{
	struct { /* struct rand_pool_info with a fixed-size buffer */
		int entropy_count, buf_size;
		uint32_t buf[16];
	} pool = { 256, sizeof(pool.buf), { 0 } };
	struct timespec ts;
	uint32_t lo, hi;
	int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);

	if (fd < 0 && (fd = open("/dev/random", O_WRONLY | O_CLOEXEC)) < 0)
		return;
	for (unsigned i = 0; i < 16; i++) {
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		clock_gettime(i & 1 ? CLOCK_REALTIME : CLOCK_BOOTTIME, &ts);
		pool.buf[i] = lo ^ hi << 7 ^ (uint32_t)ts.tv_nsec ^ (uint32_t)(uintptr_t)&ts;
	}
	ioctl(fd, RNDADDENTROPY, &pool);
	close(fd);
}

static const char *env_get(const char *key)
{
	size_t n = strlen(key);

	for (int i = 0; i < run.envc; i++)
		if (!strncmp(run.envp[i], key, n) && run.envp[i][n] == '=')
			return run.envp[i] + n + 1;
	return NULL;
}

/* Find NAME in the application's PATH, as execvp() would; the first regular file wins. */
static int path_find(const char *name, char *out, size_t size)
{
	const char *dir = env_get("PATH"), *end;
	struct stat st;
	int len, n;

	if (strchr(name, '/'))
		return snprintf(out, size, "%s", name) < (int)size ? 0 : -1;
	for (dir = dir ? dir : LUPINE_DEFAULT_PATH;; dir = end + 1) {
		end = strchrnul(dir, ':');
		len = (int)(end - dir);
		/* An empty element is the current directory. */
		n = len ? snprintf(out, size, "%.*s/%s", len, dir, name) : snprintf(out, size, "%s", name);
		if (n < (int)size && stat(out, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
		if (!*end)
			return -1;
	}
}

/* The interpreter the kernel loads to run PATH: a 64-bit ELF's PT_INTERP, a script's "#!". */
static int file_interp(const char *path, char *out, size_t size)
{
	struct elf_file ef;
	char h[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;
	ssize_t n = fd < 0 ? -1 : pread(fd, h, sizeof(h) - 1, 0);
	char *p = h + 2;

	if (n >= 2 && h[0] == '#' && h[1] == '!') {
		h[n] = '\0';
		p += strspn(p, " \t");
		p[strcspn(p, " \t\n")] = '\0';
		found = snprintf(out, size, "%s", p) > 0;
	} else if (n > 0 && elf_open(&ef, fd) == 1) {
		found = elf_interp(&ef, out, size) == 1;
	}
	if (fd >= 0)
		close(fd);
	return found;
}

/* In the child: hand errmsg to the parent, which reports it, and exit with 127 or 126. */
static _Noreturn void child_exit(int errfd, int err)
{
	write(errfd, errmsg, strlen(errmsg));
	_exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

/* In the child: execve() of PATH failed with ERR. */
static _Noreturn void exec_fail(int errfd, const char *path, int err)
{
	char interp[PATH_MAX];
	struct stat st;

	/* ENOENT for a file that is there: what is missing is what runs it. */
	if (err == ENOENT && stat(path, &st) == 0) {
		if (file_interp(path, interp, sizeof(interp)) && access(interp, F_OK) < 0)
			say("cannot run '%s': missing interpreter %s", path, interp);
		else
			say("cannot run '%s': an interpreter it needs is missing", path);
	} else if (err == ENOENT) {
		say("cannot run '%s': not found", path);
	} else if (err == EACCES || err == ENOEXEC) {
		say("cannot run '%s': not executable (%s)", path, strerror(err));
	} else {
		say("cannot run '%s': %s", path, strerror(err));
	}
	child_exit(errfd, err);
}

static const char *nosys_hint(int err)
{
	return err == ENOSYS ? " (kernel without CONFIG_MULTIUSER?)" : "";
}

static int creds_set(void)
{
	if (run.uid < 0 && run.gid < 0)
		return 0;
	/* ENOSYS: a kernel without users; setgid() below names the option. */
	if (setgroups(0, NULL) < 0 && errno != ENOSYS)
		return say("cannot drop supplementary groups: %s", strerror(errno)), -1;
	if (run.gid >= 0 && setgid((gid_t)run.gid) < 0)
		return say("cannot set gid %ld: %s%s", run.gid, strerror(errno), nosys_hint(errno)), -1;
	if (run.uid >= 0 && setuid((uid_t)run.uid) < 0)
		return say("cannot set uid %ld: %s%s", run.uid, strerror(errno), nosys_hint(errno)), -1;
	return 0;
}

/* In the child: become the application; failures go to the console and ERRFD. */
static _Noreturn void app_exec(int errfd, const sigset_t *mask)
{
	const char *path_env = env_get("PATH");
	char path[PATH_MAX];
	int err;

	sigprocmask(SIG_SETMASK, mask, NULL); /* dispositions: the init never changes them */
	/* ioperm() access survives fork and exec: take it from the application,
	 * which must not forge reports. */
	ioperm(LUPINE_CTL_PORT, 1, 0);
	ioperm(LUPINE_EXIT_PORT, 4, 0);
	if (creds_set() < 0)
		child_exit(errfd, EPERM);
	if (run.cwd && chdir(run.cwd) < 0) {
		err = errno;
		say("cannot change to directory '%s': %s", run.cwd, strerror(err));
		child_exit(errfd, err);
	}
	if (path_find(run.argv[0], path, sizeof(path)) < 0) {
		say("cannot run '%s': not found in PATH (%s)", run.argv[0], path_env ? path_env : "unset");
		child_exit(errfd, ENOENT);
	}
	execve(path, run.argv, run.envp);
	exec_fail(errfd, path, errno);
}

/* Fork the application; returns its pid or -1. */
static pid_t app_start(const sigset_t *orig)
{
	int p[2];
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return fail("cannot create a pipe: %s", strerror(errno));
	if ((pid = fork()) == 0) {
		close(p[0]);
		app_exec(p[1], orig);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return fail("cannot fork: %s", strerror(errno));
	}
	ctl(LUPINE_CTL_APP " %lld", boottime_ns());
	/* EOF: the exec succeeded and closed the pipe. Else the child says why not. */
	if ((n = read(p[0], errmsg, sizeof(errmsg) - 1)) > 0)
		errmsg[n] = '\0', ctl(LUPINE_CTL_ERROR " %s", errmsg);
	close(p[0]);
	return pid;
}

/* Reap every zombie; returns APP's status when it was one of them, else -1. */
static int reap(pid_t app)
{
	int st, status = -1;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		if (pid == app)
			status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	return status;
}

/* Forward signals to APP and reap until it ends; returns its status. */
static int app_wait(pid_t app, const sigset_t *set)
{
	siginfo_t si;
	int status = -1;

	while (status < 0) {
		if (sigwaitinfo(set, &si) < 0)
			continue;
		if (si.si_signo == SIGCHLD)
			status = reap(app);
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
	ctl(LUPINE_CTL_STATUS " %d", status);
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
	int loaded;
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
	app = app_start(&orig);
	finish(app < 0 ? 127 : app_wait(app, &set));
}
