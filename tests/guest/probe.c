/* probe.c: a guest test program; what it does depends on argv[1].
 *   hello       print a line, exit 0
 *   exit N      exit with status N
 *   segv        write through a null pointer
 *   show ...    print argv, the environment variable FOO and EXTRA, and the cwd
 *   kill N      die by signal N
 *   id          print uid, gid and supplementary groups
 *   write F T   write text T to file F
 *   cat F       print file F
 *   dump F      copy file F to stdout byte for byte
 *   wait        sleep until a signal (SIGTERM kills it: 143)
 *   trap        sleep until SIGTERM, then say so and exit 0
 *   ignore      ignore SIGTERM and sleep (only a kill ends it)
 *   stdin       read standard input to its end, print it and its length
 *   uname       print the kernel's release and the hostname
 *   serve PORT  print eth0's address, MAC, MTU and routes, then serve TCP on
 *               PORT, one connection at a time, by its first line: "up"
 *               reads to the end and answers the byte count, "down N" sends
 *               N bytes, "quit" ends the probe (status 0), "rand" answers 16
 *               random bytes (hex), the warm-start generation (0 without its
 *               file) and the time (seconds), "put F T" writes T to file F,
 *               "get F" answers F's first line
 *   confine ... print the process spec it runs under: rlimits, the capability
 *               lines and NoNewPrivs of /proc/self/status, ids, umask,
 *               oom_score_adj; then per argument r:PATH (read it), w:PATH
 *               (create and write it), d:PATH (count its entries)
 *   tty         say whether stdin, stdout and stderr are a terminal, its size,
 *               whether it is the controlling one with this process in front and
 *               its name; wait
 *               for a SIGWINCH and print the new size, read a line and print it,
 *               wait for a SIGINT (the terminal's ^C) and exit 0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static const struct {
	const char *name;
	int res;
} limits[] = {
	{"AS", RLIMIT_AS}, {"CORE", RLIMIT_CORE}, {"CPU", RLIMIT_CPU}, {"DATA", RLIMIT_DATA},
	{"FSIZE", RLIMIT_FSIZE}, {"LOCKS", RLIMIT_LOCKS}, {"MEMLOCK", RLIMIT_MEMLOCK},
	{"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE}, {"NOFILE", RLIMIT_NOFILE},
	{"NPROC", RLIMIT_NPROC}, {"RSS", RLIMIT_RSS}, {"RTPRIO", RLIMIT_RTPRIO}, {"RTTIME", RLIMIT_RTTIME},
	{"SIGPENDING", RLIMIT_SIGPENDING}, {"STACK", RLIMIT_STACK},
};

/* One r:, w: or d: argument of confine. */
static void confine_path(const char *arg)
{
	const char *path = arg + 2;
	char buf[256];
	int fd, n = 0;
	DIR *d;

	if (arg[0] == 'r' && (fd = open(path, O_RDONLY)) >= 0) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		buf[strcspn(buf, "\n")] = 0;
		printf("probe: read %s: %d bytes <%s>\n", path, n, buf);
		close(fd);
	} else if (arg[0] == 'w' && (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666)) >= 0) {
		n = (int)write(fd, "x", 1);
		printf("probe: write %s: %s\n", path, n == 1 ? "ok" : strerror(errno));
		close(fd);
	} else if (arg[0] == 'd' && (d = opendir(path))) {
		while (readdir(d))
			n++;
		printf("probe: dir %s: %d entries\n", path, n - 2);
		closedir(d);
	} else {
		printf("probe: %c %s: %s\n", arg[0], path, strerror(errno));
	}
}

static void confine(int argc, char **argv)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	mode_t mask = umask(0);
	struct rlimit rl;

	umask(mask);
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (getrlimit(limits[i].res, &rl) == 0)
			printf("probe: rlimit %s %lld %lld\n", limits[i].name, (long long)rl.rlim_cur,
			       (long long)rl.rlim_max);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) || !strncmp(line, "Groups", 6))
			printf("probe: %s", line);
	if (f)
		fclose(f);
	printf("probe: uid=%d gid=%d umask=%04o\n", (int)getuid(), (int)getgid(), (unsigned)mask);
	confine_path("r:/proc/self/oom_score_adj");
	for (int i = 2; i < argc; i++)
		confine_path(argv[i]);
}

static void on_term(int sig)
{
	(void)sig;
	static const char msg[] = "probe: got SIGTERM\n";
	write(1, msg, sizeof(msg) - 1);
	_exit(0);
}

/* eth0 as the guest sees it, and its routes (/proc/net/route's lines). */
static void show_net(void)
{
	struct ifreq ifr = {0};
	char line[256];
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	FILE *f;

	strcpy(ifr.ifr_name, "eth0");
	if (ioctl(s, SIOCGIFADDR, &ifr) == 0)
		printf("probe: eth0 ip=%s\n", inet_ntoa(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr));
	if (ioctl(s, SIOCGIFHWADDR, &ifr) == 0) {
		unsigned char *m = (unsigned char *)ifr.ifr_hwaddr.sa_data;
		printf("probe: eth0 mac=%02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	if (ioctl(s, SIOCGIFMTU, &ifr) == 0)
		printf("probe: eth0 mtu=%d\n", ifr.ifr_mtu);
	close(s);
	if ((f = fopen("/proc/net/route", "r"))) {
		while (fgets(line, sizeof(line), f))
			printf("probe: route %s", line);
		fclose(f);
	}
}

/* A file's first line (without its newline), or "-" when it cannot be read. */
static void first_line(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");

	if (!f || !fgets(out, (int)n, f))
		snprintf(out, n, "-");
	out[strcspn(out, "\n")] = 0;
	if (f)
		fclose(f);
}

/* serve's warm-start requests: what tells clones apart, and a file on the disk. */
static void warm_answer(int c, char *line)
{
	char out[256], gen[32], text[128];
	unsigned char r[16];
	int n = 0;

	line[strcspn(line, "\r\n")] = 0;
	if (!strncmp(line, "rand", 4)) {
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			memset(r, 0, sizeof(r));
		for (size_t i = 0; i < sizeof(r); i++)
			n += snprintf(out + n, sizeof(out) - (size_t)n, "%02x", r[i]);
		first_line("/run/lupine/generation", gen, sizeof(gen));
		n += snprintf(out + n, sizeof(out) - (size_t)n, " %s %lld\n", strcmp(gen, "-") ? gen : "0",
			      (long long)time(NULL));
	} else if (!strncmp(line, "put ", 4) && strchr(line + 4, ' ')) {
		char *t = strchr(line + 4, ' ');
		*t++ = 0;
		FILE *f = fopen(line + 4, "w");
		n = snprintf(out, sizeof(out), "%s\n", f && fprintf(f, "%s\n", t) > 0 && fclose(f) == 0 ? "ok" : "failed");
	} else {
		first_line(line + 4, text, sizeof(text));
		n = snprintf(out, sizeof(out), "%s\n", text);
	}
	write(c, out, (size_t)n);
}

/* One connection of serve. 1 when it asked to quit. */
static int serve_one(int c)
{
	static char buf[65536];
	char line[64] = {0};
	unsigned long long n = 0, want;
	ssize_t k;
	size_t i = 0;

	while (i < sizeof(line) - 1 && read(c, line + i, 1) == 1 && line[i] != '\n')
		i++;
	if (!strncmp(line, "up", 2)) {
		while ((k = read(c, buf, sizeof(buf))) > 0)
			n += (unsigned long long)k;
		k = snprintf(line, sizeof(line), "%llu\n", n);
		write(c, line, (size_t)k);
	} else if (!strncmp(line, "rand", 4) || !strncmp(line, "put ", 4) || !strncmp(line, "get ", 4)) {
		warm_answer(c, line);
	} else if (sscanf(line, "down %llu", &want) == 1) {
		for (; n < want; n += (unsigned long long)k)
			if ((k = write(c, buf, want - n < sizeof(buf) ? want - n : sizeof(buf))) <= 0)
				break;
	}
	close(c);
	return !strncmp(line, "quit", 4);
}

static int serve(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), c;

	show_net();
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 8) < 0) {
		perror("probe: serve");
		return 1;
	}
	printf("probe: serving on %d\n", port);
	fflush(stdout);
	while ((c = accept(s, NULL, NULL)) >= 0)
		if (serve_one(c))
			return 0;
	perror("probe: accept");
	return 1;
}

/* Waits up to a minute for sig (blocked): 1 if it came. */
static int await(int sig, const char *name)
{
	const struct timespec minute = {60, 0};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	printf("probe: waiting for %s\n", name);
	fflush(stdout);
	return sigtimedwait(&set, NULL, &minute) == sig;
}

static int tty(void)
{
	struct winsize ws = {0};
	char line[256] = "";
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	ioctl(0, TIOCGWINSZ, &ws);
	printf("probe: tty in=%d out=%d err=%d size=%dx%d front=%d name=%s\n", isatty(0), isatty(1), isatty(2),
	       ws.ws_row, ws.ws_col, tcgetpgrp(0) == getpgrp(), ttyname(0) ? ttyname(0) : "none");
	if (!await(SIGWINCH, "SIGWINCH"))
		return 3;
	ioctl(0, TIOCGWINSZ, &ws);
	printf("probe: resized to %dx%d\n", ws.ws_row, ws.ws_col);
	printf("probe: type a line\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 4;
	line[strcspn(line, "\n")] = 0;
	printf("probe: line=<%s>\n", line);
	if (!await(SIGINT, "SIGINT"))
		return 5;
	printf("probe: got SIGINT\n");
	return 0;
}

/* dump: the file's bytes on stdout, nothing added. */
static int dump(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		perror(path);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t o = 0, k; o < n; o += k)
			if ((k = write(1, buf + o, (size_t)(n - o))) <= 0)
				return 1;
	close(fd);
	return n < 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "hello";
	char cwd[256];

	if (!strcmp(mode, "hello")) {
		printf("probe: hello from pid %d\n", (int)getpid());
	} else if (!strcmp(mode, "dump") && argc > 2) {
		return dump(argv[2]);
	} else if (!strcmp(mode, "exit") && argc > 2) {
		return atoi(argv[2]);
	} else if (!strcmp(mode, "segv")) {
		volatile int *p = NULL;
		*p = 1;
	} else if (!strcmp(mode, "kill") && argc > 2) {
		raise(atoi(argv[2]));
	} else if (!strcmp(mode, "show")) {
		for (int i = 0; i < argc; i++)
			printf("probe: argv[%d]=<%s>\n", i, argv[i]);
		printf("probe: FOO=<%s> EXTRA=<%s>\n", getenv("FOO") ? getenv("FOO") : "",
		       getenv("EXTRA") ? getenv("EXTRA") : "");
		printf("probe: cwd=<%s>\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	} else if (!strcmp(mode, "id")) {
		gid_t groups[64];
		int n = getgroups(64, groups);
		printf("probe: uid=%d gid=%d groups=", (int)getuid(), (int)getgid());
		for (int i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)groups[i]);
		printf("\n");
	} else if (!strcmp(mode, "write") && argc > 3) {
		FILE *f = fopen(argv[2], "w");
		if (!f || fputs(argv[3], f) < 0 || fclose(f) != 0) {
			perror(argv[2]);
			return 1;
		}
	} else if (!strcmp(mode, "cat") && argc > 2) {
		char buf[256];
		FILE *f = fopen(argv[2], "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (!f) {
			perror(argv[2]);
			return 1;
		}
		buf[n] = 0;
		printf("probe: %s=<%s>\n", argv[2], buf);
		fclose(f);
	} else if (!strcmp(mode, "wait") || !strcmp(mode, "trap") || !strcmp(mode, "ignore")) {
		if (mode[0] == 't')
			signal(SIGTERM, on_term);
		if (mode[0] == 'i')
			signal(SIGTERM, SIG_IGN);
		printf("probe: waiting\n");
		fflush(stdout);
		for (;;)
			pause();
	} else if (!strcmp(mode, "uname")) {
		struct utsname u;
		uname(&u);
		printf("probe: release %s hostname %s\n", u.release, u.nodename);
	} else if (!strcmp(mode, "tty")) {
		return tty();
	} else if (!strcmp(mode, "confine")) {
		confine(argc, argv);
	} else if (!strcmp(mode, "serve") && argc > 2) {
		return serve(atoi(argv[2]));
	} else if (!strcmp(mode, "stdin")) {
		char buf[4096];
		size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
		buf[n] = 0;
		printf("probe: stdin=<%s> %zu bytes\n", buf, n);
	} else {
		fprintf(stderr, "probe: unknown mode '%s'\n", mode);
		return 2;
	}
	return 0;
}
