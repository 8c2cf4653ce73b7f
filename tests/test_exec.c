/* test_exec.c: lupine-runc exec into a running container's VM, as runc's
 * exec is used (in the foreground, and detached with a pid file as the
 * shim runs it): output byte for byte, exit statuses, environment, working
 * directory, user, stdin, a terminal, signals, several at once, and the
 * refusal once the container has stopped. One VM. */
#include "harness.h"
#include "guest/protocol.h"
#include "lib/util.h"
#include "oci/execmux.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <pty.h>
#include <unistd.h>

struct ex {
	char bin[512], *root, *bundle, *out, *blob;
	pid_t monitor;
};

/* lupine-runc --root R exec ARGS... (NULL-terminated, at most 12), output captured. */
static struct cmd_out ex(struct ex *x, ...)
{
	char *argv[20] = {x->bin, "--root", x->root, "exec"};
	int n = 4;
	va_list ap;
	va_start(ap, x);
	for (char *a; n < 18 && (a = va_arg(ap, char *));)
		argv[n++] = a;
	va_end(ap);
	return run_capture(argv, NULL);
}

/* The probe tree with /work/blob (every byte value, then 64 KiB more: past
 * one window) and a config.json that waits. */
static void make_bundle(struct ex *x)
{
	char *tree = probe_tree(), *rootfs, *cfg, *path;
	struct strbuf b = {0};

	snprintf(x->bin, sizeof(x->bin), "%s-runc", lupine_bin());
	x->root = xasprintf("%s/exec-root", test_tmpdir());
	x->bundle = xasprintf("%s/exec-bundle", test_tmpdir());
	x->out = xasprintf("%s/exec-ctr.out", test_tmpdir());
	x->blob = xasprintf("%s/work/blob", tree);
	for (int i = 0; i < 256 + 65536; i++)
		sb_add(&b, (char[]){(char)(i * 7 + i / 256)}, 1);
	CHECK_INT(file_write_atomic(x->blob, b.buf, b.len, 0644), 0);
	sb_release(&b);
	rootfs = xasprintf("%s/rootfs", x->bundle);
	CHECK_INT(mkdir_p(x->bundle, 0755), 0);
	CHECK_INT(rename(tree, rootfs), 0);
	free(x->blob);
	x->blob = xasprintf("%s/work/blob", rootfs);
	cfg = "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/probe\",\"wait\"],\"env\":[\"FOO=from-config\","
	      "\"PATH=/bin\"],\"cwd\":\"/work\",\"user\":{\"uid\":0,\"gid\":0}},\"root\":{\"path\":\"rootfs\"},"
	      "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}]}";
	path = xasprintf("%s/config.json", x->bundle);
	CHECK_INT(file_write_atomic(path, cfg, strlen(cfg), 0644), 0);
	free(path), free(rootfs), free(tree);
}

/* create (stdout and stderr a file, as the shim's) and start; 0 once the application waits. */
static int up(struct ex *x)
{
	char *pidfile = xasprintf("%s/init.pid", x->bundle);
	char *argv[] = {x->bin, "--root", x->root, "create", "--bundle", x->bundle, "--pid-file", pidfile, "ex", NULL};
	int out = open(x->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), null = open("/dev/null", O_RDONLY);
	struct proc_opts o = {.in = null, .out = out, .err = out, .outlive = 1};
	int r = proc_wait(proc_spawn(argv, &o)), ok = 0;
	char *num = file_read(pidfile, NULL);
	x->monitor = num ? atoi(num) : -1;
	close(out), close(null);
	free(num), free(pidfile);
	struct cmd_out s = run_capture((char *[]){x->bin, "--root", x->root, "start", "ex", NULL}, NULL);
	CHECK_INT(r, 0);
	CHECK_INT(s.status, 0);
	cmd_out_free(&s);
	/* at once after start: it waits for the VM's init to serve it */
	s = ex(x, "ex", "/bin/probe", "exit", "5", NULL);
	CHECK_INT(s.status, 5);
	printf("    an exec right after start: %.2f s (the VM booting)\n", s.secs);
	cmd_out_free(&s);
	for (double end = now_sec() + 120; !ok && now_sec() < end; usleep(100000)) {
		char *text = file_read(x->out, NULL);
		ok = text && strstr(text, "probe: waiting");
		free(text);
	}
	CHECK(ok);
	return ok ? 0 : -1;
}

/* The foreground exec: its output, status, environment, cwd, user and stdin. */
static void check_foreground(struct ex *x)
{
	struct cmd_out o = ex(x, "ex", "/bin/probe", "show", "a b", NULL);
	CHECK_INT(o.status, 0);
	CHECK(o.out && !strcmp(o.out, "probe: argv[0]=</bin/probe>\nprobe: argv[1]=<show>\nprobe: argv[2]=<a b>\n"
				       "probe: FOO=<from-config> EXTRA=<>\nprobe: cwd=</work>\n"));
	cmd_out_free(&o);
	o = ex(x, "-e", "EXTRA=e1", "--cwd", "/", "ex", "/bin/probe", "show", NULL);
	CHECK_CONTAINS(o.out, "probe: FOO=<from-config> EXTRA=<e1>\nprobe: cwd=</>\n");
	cmd_out_free(&o);
	o = ex(x, "ex", "/bin/probe", "exit", "7", NULL);
	CHECK_INT(o.status, 7);
	cmd_out_free(&o);
	o = ex(x, "ex", "/bin/probe", "nosuch", NULL);
	CHECK_INT(o.status, 2);
	CHECK(o.out && !*o.out);
	CHECK(o.err && !strcmp(o.err, "probe: unknown mode 'nosuch'\n"));
	cmd_out_free(&o);
	o = ex(x, "ex", "/bin/probe", "kill", "9", NULL);
	CHECK_INT(o.status, 137);
	cmd_out_free(&o);
	o = ex(x, "ex", "/bin/no-such", NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "exec failed: cannot run '/bin/no-such': not found");
	cmd_out_free(&o);
	o = ex(x, "-u", "1000:1001", "-g", "5", "ex", "/bin/probe", "id", NULL);
	CHECK_CONTAINS(o.out, "probe: uid=1000 gid=1001 groups=5\n");
	cmd_out_free(&o);
	CHECK_INT(test_sh("printf 'in put' | %s --root %s exec ex /bin/probe stdin | grep -qx 'probe: stdin=<in put> 6 bytes'",
			  x->bin, x->root), 0);
	/* 1 MiB of every byte value through stdin and back: both windows, many times over */
	CHECK_INT(test_sh("head -c 1048576 /dev/urandom >%s/exec-in && %s --root %s exec ex /bin/probe dump /proc/self/fd/0 "
			  "<%s/exec-in | cmp - %s/exec-in", test_tmpdir(), x->bin, x->root, test_tmpdir(), test_tmpdir()), 0);
	/* every byte value, and more than a window, four at once */
	CHECK_INT(test_sh("f=0; for i in 1 2 3 4; do (%s --root %s exec ex /bin/probe dump /work/blob | cmp - %s) & done; "
			  "for p in $(jobs -p); do wait $p || f=1; done; exit $f", x->bin, x->root, x->blob), 0);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* lupine-runc exec's own latency: the median of 9 of a command that exits at once. */
static void check_latency(struct ex *x)
{
	double t[9];
	for (int i = 0; i < 9; i++) {
		struct cmd_out o = ex(x, "ex", "/bin/probe", "exit", "0", NULL);
		CHECK_INT(o.status, 0);
		t[i] = o.secs;
		cmd_out_free(&o);
	}
	qsort(t, 9, sizeof(t[0]), by_value);
	printf("    lupine-runc exec latency: median %.1f ms of 9 (%.1f-%.1f ms)\n", t[4] * 1000, t[0] * 1000, t[8] * 1000);
}

/* --process FILE, and --detach with a pid file: the shim's way (this process a subreaper, as it is). */
static void check_detached(struct ex *x)
{
	char *proc = xasprintf("%s/process.json", test_tmpdir()), *pidf = xasprintf("%s/exec.pid", test_tmpdir());
	char *outf = xasprintf("%s/exec.out", test_tmpdir());
	const char *js = "{\"args\":[\"/bin/probe\",\"show\",\"p\"],\"env\":[\"FOO=proc\"],\"cwd\":\"/\","
			 "\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[0]}}";
	CHECK_INT(file_write_atomic(proc, js, strlen(js), 0644), 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	CHECK_INT(test_sh("%s --root %s exec --process %s --detach --pid-file %s ex >%s 2>&1", x->bin, x->root, proc,
			  pidf, outf), 0);
	char *num = file_read(pidf, NULL);
	pid_t pid = num ? atoi(num) : -1;
	int st = -1;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid); /* the host process the shim waits on */
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char *text = file_read(outf, NULL);
	CHECK_CONTAINS(text, "probe: argv[2]=<p>\nprobe: FOO=<proc> EXTRA=<>\nprobe: cwd=</>\n");
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	free(proc), free(pidf), free(outf), free(num), free(text);
}

/* A terminal (a pty of the test's, lupine-runc exec's own), and signals to the host process. */
static void check_tty_signals(struct ex *x)
{
	/* the probe's terminal dialogue: the size from the start, a resize, a typed line, ^C */
	struct winsize ws = {.ws_row = 30, .ws_col = 100};
	struct strbuf seen = {0};
	int master;
	pid_t tp = forkpty(&master, NULL, NULL, &ws);
	if (tp == 0) {
		execl(x->bin, x->bin, "--root", x->root, "exec", "-t", "ex", "/bin/probe", "tty", (char *)NULL);
		_exit(127);
	}
	int slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty_dialogue(master, slave, &seen, "probe: tty in=1 out=1 err=1 size=30x100 front=1 name=/dev/pts/") == 0)
		CHECK_CONTAINS(seen.buf, "hello\r\nprobe: line=<hello>\r\n"); /* byte for byte */
	CHECK_INT(tty_wait(tp, master, &seen, 60), 0);
	close(slave), close(master);
	sb_release(&seen);
	char *argv[] = {x->bin, "--root", x->root, "exec", "ex", "/bin/probe", "wait", NULL};
	struct proc_opts o = PROC_OPTS_INIT;
	int null = open("/dev/null", O_WRONLY);
	o.out = null;
	pid_t pid = proc_spawn(argv, &o);
	usleep(1500000);
	kill(pid, SIGTERM); /* to the guest's process: its status 143 */
	CHECK_INT(proc_wait(pid), 143);
	pid = proc_spawn(argv, &o);
	usleep(1500000);
	kill(pid, SIGKILL); /* its guest process killed with it: the session free again */
	CHECK_INT(proc_wait(pid), 137);
	close(null);
}

static void test_exec(void)
{
	struct ex x = {0};
	make_bundle(&x);
	if (up(&x) == 0) {
		check_foreground(&x);
		check_latency(&x);
		check_detached(&x);
		check_tty_signals(&x);
		/* an exec still running when the container stops ends with 137 */
		char *argv[] = {x.bin, "--root", x.root, "exec", "ex", "/bin/probe", "wait", NULL};
		struct proc_opts o = PROC_OPTS_INIT;
		o.out = open("/dev/null", O_WRONLY | O_CLOEXEC);
		pid_t pid = proc_spawn(argv, &o);
		usleep(1500000);
		CHECK_INT(test_sh("%s --root %s kill ex 15", x.bin, x.root), 0);
		CHECK_INT(proc_wait(pid), 137);
		close(o.out);
		for (double end = now_sec() + 30; kill(x.monitor, 0) == 0 && now_sec() < end;)
			usleep(100000);
		struct cmd_out r = ex(&x, "ex", "/bin/probe", "show", NULL);
		CHECK_INT(r.status, 1);
		CHECK_CONTAINS(r.err, "cannot exec in a stopped container");
		cmd_out_free(&r);
	}
	CHECK_INT(test_sh("%s --root %s delete --force ex", x.bin, x.root), 0);
	free(x.root), free(x.bundle), free(x.out), free(x.blob);
}

/* One frame from fd (blocking): its type, session and payload; -1 at the end. */
static int frame_read(int fd, int *id, char *d, size_t *n)
{
	unsigned char h[LUPINE_EXEC_HDR];
	if (recv(fd, h, sizeof(h), MSG_WAITALL) != sizeof(h))
		return -1;
	*n = h[2] | (size_t)h[3] << 8;
	*id = h[1];
	if (*n && recv(fd, d, *n, MSG_WAITALL) != (ssize_t)*n)
		return -1;
	d[*n] = 0;
	return h[0];
}

static void frame_send(int fd, int type, int id, const char *d, size_t n)
{
	struct strbuf q = {0};
	oci_frame_put(&q, type, id, d, n);
	CHECK_INT(write_all(fd, q.buf, q.len), 0);
	sb_release(&q);
}

/* A relay for a container directory of the test's, and a socket standing
 * for the VM's exec port connected to it (in *vm); NULL after a CHECK. */
static struct oci_execmux *relay_up(struct oci_state *st, const char *name, int *vm)
{
	struct strbuf err = {0};
	*st = (struct oci_state){.id = (char *)name, .dir = xasprintf("%s/%s", test_tmpdir(), name)};
	CHECK_INT(mkdir_p(st->dir, 0700), 0);
	signal(SIGPIPE, SIG_IGN); /* the relay closes what it stops serving */
	struct oci_execmux *m = oci_execmux_start(st, &err);
	CHECK(m != NULL);
	sb_release(&err);
	if (!m)
		return NULL;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", oci_execmux_vm_sock(m));
	*vm = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK_INT(connect(*vm, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return m;
}

/* A client started on a session: its id as the guest sees it. */
static int client_started(struct oci_state *st, int vm, int *c, char *d)
{
	struct strbuf err = {0};
	size_t n;
	int id, s;
	*c = oci_exec_connect(st, &err);
	CHECK(*c >= 0);
	sb_release(&err);
	frame_send(*c, EXEC_START, 0, "arg x", 5);
	CHECK_INT(frame_read(vm, &s, d, &n), EXEC_START);
	CHECK(!strcmp(d, "arg x"));
	frame_send(vm, EXEC_STARTED, s, NULL, 0);
	CHECK_INT(frame_read(*c, &id, d, &n), EXEC_STARTED);
	return s;
}

/* The monitor's relay against a guest that breaks the rules: a session is
 * relayed, a client gone has its process killed, output past the window
 * ends exec for the container with an error to every client, present and
 * to come; so does a frame for a session never started. */
static void test_hostile_guest(void)
{
	static char d[65536];
	struct oci_state st;
	size_t n;
	int id, vm, c1, c2, c3, type;
	struct oci_execmux *m = relay_up(&st, "hostile-1", &vm);
	if (!m)
		return;
	int s1 = client_started(&st, vm, &c1, d), s2 = client_started(&st, vm, &c2, d);
	CHECK(s1 != s2);
	frame_send(vm, EXEC_STDOUT, s1, "hi", 2);
	CHECK_INT(frame_read(c1, &id, d, &n), EXEC_STDOUT);
	CHECK(n == 2 && !memcmp(d, "hi", 2));
	close(c2); /* its process is killed */
	CHECK_INT(frame_read(vm, &id, d, &n), EXEC_SIGNAL);
	CHECK(id == s2 && n == 1 && d[0] == SIGKILL);
	/* output past what c1 acknowledged (it acknowledged nothing): the relay
	 * closes the port at the frame that passes the window (the rest may be refused) */
	struct strbuf flood = {0};
	memset(d, 'x', LUPINE_EXEC_DATA_MAX);
	for (int i = 0; i < LUPINE_EXEC_WINDOW / LUPINE_EXEC_DATA_MAX + 1; i++)
		oci_frame_put(&flood, EXEC_STDOUT, s1, d, LUPINE_EXEC_DATA_MAX);
	write_all(vm, flood.buf, flood.len);
	sb_release(&flood);
	while ((type = frame_read(c1, &id, d, &n)) == EXEC_STDOUT)
		;
	CHECK_INT(type, EXEC_ERROR);
	CHECK_CONTAINS(d, "exec channel failed");
	struct strbuf err = {0};
	c3 = oci_exec_connect(&st, &err);
	frame_send(c3, EXEC_START, 0, "arg z", 5);
	CHECK_INT(frame_read(c3, &id, d, &n), EXEC_ERROR);
	close(c1), close(c3), close(vm);
	oci_execmux_stop(m);
	char *sock = xasprintf("%s/exec.sock", st.dir);
	CHECK(!path_exists(sock)); /* removed with the relay */
	free(sock), free(st.dir);
	/* a frame for a session that was never started */
	if ((m = relay_up(&st, "hostile-2", &vm))) {
		client_started(&st, vm, &c1, d);
		frame_send(vm, EXEC_STDOUT, LUPINE_EXEC_MAX - 1, "x", 1);
		CHECK_INT(frame_read(c1, &id, d, &n), EXEC_ERROR);
		close(c1), close(vm);
		oci_execmux_stop(m);
		free(st.dir);
	}
	sb_release(&err);
}

const struct test exec_tests[] = {
	{"exec/hostile-guest", test_hostile_guest, 0},
	{"exec/runc", test_exec, 1},
	{0, 0, 0},
};
