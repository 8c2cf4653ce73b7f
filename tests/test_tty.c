/* test_tty.c: the application's terminal: `lupine run -t` under a pty the test
 * makes, and lupine-runc's --console-socket with the test as containerd's
 * shim, taking the master; in both, the probe's "tty" mode in the guest
 * says what it has (stdio a terminal, its size, in front) and sees a resize,
 * a line and a ^C typed on the host's side. */
#include "harness.h"
#include "lib/util.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Reads fd into seen until it holds text, for at most secs: 1 if it does
 * (else says what came, when quiet is 0). */
static int expect_in(int fd, struct strbuf *seen, const char *text, double secs, int quiet)
{
	double t0 = now_sec();
	char buf[4096];

	while (!(seen->buf && strstr(seen->buf, text)) && now_sec() - t0 < secs) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;
		if (poll(&p, 1, 200) <= 0)
			continue;
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			break;
		sb_add(seen, buf, (size_t)n);
	}
	if (!quiet && !(seen->buf && strstr(seen->buf, text)))
		fprintf(stderr, "    no '%s' in: %s\n", text, seen->buf ? seen->buf : "");
	return seen->buf && strstr(seen->buf, text);
}

static int expect(int fd, struct strbuf *seen, const char *text, double secs)
{
	return expect_in(fd, seen, text, secs, 0);
}

int tty_dialogue(int master, int slave, struct strbuf *seen, const char *start)
{
	struct winsize ws = {.ws_row = 50, .ws_col = 132};
	struct termios t;

	if (!expect(master, seen, "probe: waiting for SIGWINCH", 240))
		return check_fail(__FILE__, __LINE__, "the probe did not start"), -1;
	CHECK_CONTAINS(seen->buf, start);
	/* the host's terminal, when the test has it, is raw while the VM runs */
	if (slave >= 0) {
		CHECK_INT(tcgetattr(slave, &t), 0);
		CHECK(!(t.c_lflag & (ICANON | ECHO | ISIG)) && !(t.c_oflag & OPOST));
	}
	CHECK_INT(ioctl(master, TIOCSWINSZ, &ws), 0);
	if (!expect(master, seen, "probe: type a line", 60))
		return check_fail(__FILE__, __LINE__, "no resize reached the probe"), -1;
	CHECK_CONTAINS(seen->buf, "probe: resized to 50x132");
	CHECK_INT(write(master, "hello\r", 6), 6);
	if (!expect(master, seen, "probe: waiting for SIGINT", 60))
		return check_fail(__FILE__, __LINE__, "the typed line did not reach the probe"), -1;
	/* the guest's pty echoed it and made the \r a \n (ctr's own terminal
	 * adds a \r to each \n it prints: the callers check the bytes) */
	CHECK_CONTAINS(seen->buf, "hello\r");
	CHECK_CONTAINS(seen->buf, "probe: line=<hello>");
	/* a ^C that lupine's terminal took as its own would stop the VM instead */
	CHECK_INT(write(master, "\x03", 1), 1);
	CHECK(expect(master, seen, "probe: got SIGINT", 60));
	return 0;
}

int tty_wait(int pid, int master, struct strbuf *seen, double secs)
{
	double t0 = now_sec();
	int st;

	while (now_sec() - t0 < secs) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		expect_in(master, seen, "\x01never\x01", 0.2, 1);
	}
	return -1;
}

static void test_run_tty(void)
{
	char *bundle = probe_bundle("tty", "initramfs");
	struct winsize ws = {.ws_row = 30, .ws_col = 100};
	struct strbuf seen = {0};
	struct termios t;
	int master, slave;
	pid_t pid = forkpty(&master, NULL, NULL, &ws);

	if (pid == 0) {
		execl(lupine_bin(), lupine_bin(), "run", bundle, "-t", "--", "tty", (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0);
	/* a descriptor of the terminal lupine runs in, to see its modes */
	slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(slave >= 0);
	if (tty_dialogue(master, slave, &seen, "probe: tty in=1 out=1 err=1 size=30x100 front=1 name=/dev/pts/0") == 0)
		CHECK_CONTAINS(seen.buf, "hello\r\nprobe: line=<hello>\r\n"); /* byte for byte */
	CHECK_INT(tty_wait(pid, master, &seen, 60), 0);
	/* lupine's terminal as it was */
	CHECK_INT(tcgetattr(slave, &t), 0);
	CHECK((t.c_lflag & (ICANON | ECHO | ISIG)) == (ICANON | ECHO | ISIG));
	close(slave);
	close(master);
	sb_release(&seen);
	free(bundle);
}

/* The master lupine-runc sends to the console socket, as go-runc's
 * ReceiveMaster takes it: one descriptor, the name as the data. */
static int receive_master(int listener)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	char name[4096];
	struct iovec iov = {name, sizeof(name)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf)};
	int conn = accept(listener, NULL, NULL), fd = -1;
	struct cmsghdr *c;

	if (conn < 0 || recvmsg(conn, &msg, 0) <= 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_type == SCM_RIGHTS && msg.msg_controllen == CMSG_SPACE(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	close(conn);
	return fd;
}

/* A bundle of the probe tree whose config.json runs `probe tty` with a
 * terminal, and the /dev and /dev/pts Docker's configs have (the pty must
 * be one of that devpts). */
static char *tty_bundle(void)
{
	char *tree = probe_tree(), *bundle = xasprintf("%s/bundle-tty", test_tmpdir());
	char *rootfs = xasprintf("%s/rootfs", bundle), *cfg = xasprintf("%s/config.json", bundle);
	const char *json = "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":true,\"args\":[\"/bin/probe\","
			   "\"tty\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},"
			   "\"root\":{\"path\":\"rootfs\"},\"hostname\":\"tty\",\"mounts\":["
			   "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":"
			   "[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
			   "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":"
			   "[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]}]}";

	CHECK_INT(mkdir_p(bundle, 0755), 0);
	CHECK_INT(rename(tree, rootfs), 0);
	CHECK_INT(file_write_atomic(cfg, json, strlen(json), 0644), 0);
	free(tree);
	free(rootfs);
	free(cfg);
	return bundle;
}

static void test_runc_console(void)
{
	char *bundle = tty_bundle(), *root = xasprintf("%s/runc-root", test_tmpdir());
	char *sock = xasprintf("%s/pty.sock", test_tmpdir()), *pidfile = xasprintf("%s/init.pid", bundle);
	char *log = xasprintf("%s/log.json", bundle), *bin = xasprintf("%s-runc", lupine_bin());
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct winsize ws = {.ws_row = 40, .ws_col = 120};
	struct strbuf seen = {0};
	int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), master;

	prctl(PR_SET_CHILD_SUBREAPER, 1); /* the monitor's status, as the shim takes it */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	CHECK_INT(bind(listener, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_INT(listen(listener, 1), 0);
	char *create[] = {bin, "--root", root, "--log", log, "--log-format", "json", "create", "--bundle", bundle,
			  "--pid-file", pidfile, "--console-socket", sock, "tty1", NULL};
	struct cmd_out o = run_capture(create, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	master = receive_master(listener);
	CHECK(master >= 0 && isatty(master));
	char *num = file_read(pidfile, NULL);
	pid_t monitor = num ? atoi(num) : -1;
	CHECK(monitor > 0);
	/* the shim's first resize comes before start */
	CHECK_INT(ioctl(master, TIOCSWINSZ, &ws), 0);
	char *start[] = {bin, "--root", root, "--log", log, "start", "tty1", NULL};
	o = run_capture(start, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	if (master >= 0 && monitor > 0) {
		if (tty_dialogue(master, -1, &seen, "probe: tty in=1 out=1 err=1 size=40x120 front=1 name=/dev/pts/0") == 0) {
			CHECK_CONTAINS(seen.buf, "hello\r\nprobe: line=<hello>\r\n"); /* byte for byte */
			CHECK_INT(tty_wait(monitor, master, &seen, 60), 0);
		}
	}
	char *del[] = {bin, "--root", root, "--log", log, "delete", "--force", "tty1", NULL};
	o = run_capture(del, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	if (master >= 0)
		close(master);
	close(listener);
	sb_release(&seen);
	free(num), free(bundle), free(root), free(sock), free(pidfile), free(log), free(bin);
}

/* A kernel without ptys (redis's: no CONFIG_UNIX98_PTYS) names the option. */
static void test_run_tty_no_ptys(void)
{
	char *tree = probe_tree(), *src = xasprintf("dir:%s", tree), *out = xasprintf("%s/nopty", test_tmpdir());
	char *const build[] = {"build", src, "--app", "redis", "-o", out, "-q", "--", "/bin/probe", "tty", NULL};
	char *const run[] = {"run", out, "-t", NULL};
	struct cmd_out o = run_lupine(build);

	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	o = run_lupine(run);
	CHECK_INT(o.status, 127);
	CHECK_CONTAINS(o.err, "the kernel has no pseudo-terminals (CONFIG_UNIX98_PTYS)");
	CHECK_NOT_CONTAINS(o.out, "probe: tty");
	cmd_out_free(&o);
	free(tree), free(src), free(out);
}

/* -t with a stdin that is no terminal: 24x80, and its end reaches the
 * application as a terminal's end of input (^D), all output on stdout. */
static void test_run_tty_piped(void)
{
	char *bundle = probe_bundle("piped", "initramfs");
	char *const run[] = {"run", bundle, "-t", "--timeout", "60", "--", "stdin", NULL};
	struct cmd_out o = run_lupine(run);

	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: stdin=<> 0 bytes\r\n");
	CHECK_NOT_CONTAINS(o.err, "probe:");
	cmd_out_free(&o);
	free(bundle);
}

/* process.terminal and --console-socket go together; either alone is
 * refused before anything is made. */
static void test_runc_console_refused(void)
{
	char *bundle = tty_bundle(), *root = xasprintf("%s/runc-root", test_tmpdir());
	char *bin = xasprintf("%s-runc", lupine_bin()), *cfg = xasprintf("%s/config.json", bundle);
	char *create[] = {bin, "--root", root, "create", "--bundle", bundle, "t1", NULL, NULL, NULL};
	struct cmd_out o = run_capture(create, NULL);

	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "process.terminal is true, but no --console-socket");
	cmd_out_free(&o);
	char *json = file_read(cfg, NULL), *t = json ? strstr(json, "\"terminal\":true") : NULL;
	CHECK(t != NULL);
	if (t)
		memcpy(t + strlen("\"terminal\":"), "0   ", 4); /* not true, same length */
	CHECK_INT(file_write_atomic(cfg, json, strlen(json), 0644), 0);
	create[6] = "--console-socket", create[7] = "/nonexistent.sock", create[8] = "t1";
	o = run_capture(create, NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "process.terminal is not true");
	cmd_out_free(&o);
	CHECK_INT(dir_count(root, ""), 0);
	free(json), free(cfg), free(bin), free(root), free(bundle);
}

const struct test tty_tests[] = {
	{"runc/console-socket-refused", test_runc_console_refused, 0},
	{"run/tty-piped", test_run_tty_piped, 1},
	{"run/tty", test_run_tty, 1},
	{"run/tty-no-ptys", test_run_tty_no_ptys, 1},
	{"runc/console-socket", test_runc_console, 1},
	{0, 0, 0},
};
