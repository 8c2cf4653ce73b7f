/* test_containerd.c: lupine-runc under the real engine: the tests start a
 * containerd of their own (own root, state and socket under a temporary
 * directory), import docker-save archives they make, and drive it with ctr
 * through containerd's io.containerd.runc.v2 shim. */
#include "harness.h"
#include "imagekit.h"
#include "source/elfdeps.h"

#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

struct engine {
	char *dir, *sock, *runc;
	struct bg d;
};

static int engine_start(struct engine *e)
{
	char *cfg, *text, bin[512];

	e->dir = xasprintf("%s/containerd", test_tmpdir());
	e->sock = xasprintf("%s/c.sock", e->dir);
	snprintf(bin, sizeof(bin), "%s-runc", lupine_bin());
	/* absolute, but not resolved: the name lupine-runc is what makes it the runtime */
	char *cwd = getcwd(NULL, 0);
	e->runc = bin[0] == '/' ? xstrdup(bin) : xasprintf("%s/%s", cwd, bin);
	free(cwd);
	mkdir_p(e->dir, 0700);
	cfg = xasprintf("%s/config.toml", e->dir);
	/* no CRI plugin: ctr alone, with no CNI or kubelet around */
	text = xasprintf("version = 2\nroot = \"%s/root\"\nstate = \"%s/state\"\n"
			 "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = \"%s\"\n",
			 e->dir, e->dir, e->sock);
	CHECK_INT(file_write_atomic(cfg, text, strlen(text), 0644), 0);
	char *argv[] = {"containerd", "--config", cfg, NULL};
	pid_t pid = fork();
	if (pid == 0) {
		char *log = xasprintf("%s/containerd.log", e->dir);
		FILE *f = freopen(log, "w", stdout);
		dup2(1, 2);
		(void)f;
		execvp(argv[0], argv);
		_exit(127);
	}
	e->d.pid = pid;
	free(text);
	free(cfg);
	for (int i = 0; i < 200 && !path_exists(e->sock); i++)
		usleep(100000);
	CHECK(path_exists(e->sock));
	return path_exists(e->sock) ? 0 : -1;
}

static void engine_stop(struct engine *e)
{
	if (e->d.pid > 0) {
		kill(e->d.pid, SIGTERM);
		waitpid(e->d.pid, NULL, 0);
	}
	free(e->dir), free(e->sock), free(e->runc);
}

/* ctr --address SOCK ARGS... (NULL-terminated). */
static struct cmd_out ctr(struct engine *e, ...)
{
	char *argv[40] = {"ctr", "--address", e->sock};
	int k = 3;
	va_list ap;
	va_start(ap, e);
	for (char *a; k < 39 && (a = va_arg(ap, char *));)
		argv[k++] = a;
	va_end(ap);
	argv[k] = NULL;
	return run_capture(argv, NULL);
}

/* A docker-save archive of tree, tagged tag, imported; returns the image's name. */
static char *import_tree(struct engine *e, const char *tree, const char *tag)
{
	char *layer = kit_layer_tree(test_tmpdir(), tag, tree), *tar = xasprintf("%s/%s.tar", test_tmpdir(), tag);
	const char *layers[] = {layer};
	struct kit_image img = {.layers = layers, .nlayers = 1, .config_json = "{\"Cmd\":[\"/bin/probe\"]}",
				.tag = tag};
	CHECK_INT(kit_docker_archive(tar, &img), 0);
	struct cmd_out o = ctr(e, "images", "import", "--snapshotter", "native", tar, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	free(layer);
	free(tar);
	return xasprintf("docker.io/library/%s", tag);
}

/* ctr run with lupine-runc (extra flags before the image), the image, the id, the command. */
#define CTR_RUN(e, ...) ctr(e, "run", "--snapshotter", "native", "--runtime", "io.containerd.runc.v2", \
			    "--runc-binary", (e)->runc, __VA_ARGS__, NULL)

/* Attached runs: stdout reaches ctr, the exit code is the app's, and a guest kernel ran. */
static void test_attached(void)
{
	struct engine e = {0};
	struct utsname host;
	if (engine_start(&e) < 0)
		goto out;
	char *tree = probe_tree(), *img = import_tree(&e, tree, "lupine-probe:1");
	struct cmd_out o = CTR_RUN(&e, "--rm", img, "t-exit", "/bin/probe", "exit", "7");
	CHECK_INT(o.status, 7);
	cmd_out_free(&o);
	o = CTR_RUN(&e, "--rm", img, "t-uname", "/bin/probe", "uname");
	uname(&host);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: release ");
	CHECK_NOT_CONTAINS(o.out, host.release);
	cmd_out_free(&o);
	/* what a VM cannot honour is the runtime's error, in ctr's output */
	o = CTR_RUN(&e, "--rm", "--memory-limit", "1048576", img, "t-small", "/bin/probe");
	CHECK(o.status != 0);
	CHECK_CONTAINS(o.err, "a Lupine VM needs at least 16 MiB");
	cmd_out_free(&o);
	free(tree);
	free(img);
out:
	engine_stop(&e);
}

/* ctr run -t under a pty of the test's: ctr gets a terminal from the shim,
 * which takes the master lupine-runc sends; a resize of ctr's terminal goes
 * ctr -> shim -> the master -> the monitor's SIGWINCH -> the guest's pty. */
static void test_tty(void)
{
	struct engine e = {0};
	struct strbuf seen = {0};
	int master = -1;

	if (engine_start(&e) < 0)
		goto out;
	char *tree = probe_tree(), *img = import_tree(&e, tree, "lupine-probe:tty");
	pid_t pid = forkpty(&master, NULL, NULL, NULL);
	if (pid == 0) {
		execlp("ctr", "ctr", "--address", e.sock, "run", "--snapshotter", "native", "--runtime",
		       "io.containerd.runc.v2", "--runc-binary", e.runc, "--rm", "-t", img, "t-tty", "/bin/probe",
		       "tty", (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0);
	/* a size of 0x0 the pty has anyway, so ctr's first resize changes nothing:
	 * the probe's SIGWINCH is the test's resize */
	int status = -1;
	if (pid > 0 && tty_dialogue(master, -1, &seen, "probe: tty in=1 out=1 err=1 size=0x0 front=1 name=/dev/pts/0") == 0)
		CHECK_INT((status = tty_wait(pid, master, &seen, 60)), 0);
	if (pid > 0 && status < 0) { /* not reaped: ctr is ours to end */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	free(tree);
	free(img);
out:
	if (master >= 0)
		close(master);
	sb_release(&seen);
	engine_stop(&e);
}

static int task_stopped(struct engine *e, const char *id)
{
	struct cmd_out o = ctr(e, "task", "ls", NULL);
	char *line = o.out ? strstr(o.out, id) : NULL;
	int stopped = line && strstr(line, "STOPPED") && (!strchr(line, '\n') || strstr(line, "STOPPED") < strchr(line, '\n'));
	cmd_out_free(&o);
	return stopped;
}

/* Detached: SIGTERM gives 143 (no handler), SIGKILL 137; rm leaves no QEMU and no files. */
static void test_detached_kill(void)
{
	struct engine e = {0};
	const char *ids[] = {"t-term", "t-kill"}, *modes[] = {"wait", "ignore"}, *sigs[] = {"SIGTERM", "SIGKILL"};
	const int want[] = {143, 137};
	if (engine_start(&e) < 0)
		goto out;
	char *tree = probe_tree(), *img = import_tree(&e, tree, "lupine-probe:2");
	for (int i = 0; i < 2; i++) {
		struct cmd_out o = CTR_RUN(&e, "-d", img, (char *)ids[i], "/bin/probe", (char *)modes[i]);
		CHECK_INT(o.status, 0);
		cmd_out_free(&o);
		sleep(5); /* booted, the application waiting */
		o = ctr(&e, "task", "kill", "-s", (char *)sigs[i], (char *)ids[i], NULL);
		CHECK_INT(o.status, 0);
		cmd_out_free(&o);
		int stopped = 0;
		for (int t = 0; t < 100 && !(stopped = task_stopped(&e, ids[i])); t++)
			usleep(200000);
		CHECK(stopped);
		o = ctr(&e, "task", "rm", (char *)ids[i], NULL);
		/* ctr task rm reports the task's status (and exits 0) */
		char *said = xasprintf("task %s exit with non-zero exit code %d\"", ids[i], want[i]);
		CHECK_INT(o.status, 0);
		CHECK_CONTAINS(o.err, said);
		free(said);
		cmd_out_free(&o);
		o = ctr(&e, "container", "rm", (char *)ids[i], NULL);
		CHECK_INT(o.status, 0);
		cmd_out_free(&o);
		/* [x]: the pattern must not match the shell that runs pgrep */
		char *cmd = xasprintf("pgrep -f 'runc/default/[%c]%s/vm' >/dev/null", ids[i][0], ids[i] + 1);
		CHECK(system(cmd) != 0);
		free(cmd);
		char *dir = xasprintf("/run/containerd/runc/default/%s", ids[i]);
		CHECK(!path_exists(dir));
		free(dir);
	}
	free(tree);
	free(img);
out:
	engine_stop(&e);
}

/* The host's redis-server and its libraries as an image tree. */
static char *redis_tree(void)
{
	char *tree = xasprintf("%s/redis-tree", test_tmpdir());
	struct elfdeps d = {0};
	struct strbuf err = {0};

	CHECK_INT(elfdeps_resolve("/usr/bin/redis-server", "", &d, &err), 0);
	for (size_t i = 0; i < d.n; i++) {
		char *dst = xasprintf("%s%s", tree, d.paths[i]), *slash = strrchr(dst, '/');
		*slash = 0;
		mkdir_p(dst, 0755);
		*slash = '/';
		CHECK_INT(file_copy(d.paths[i], dst, 0755), 0);
		free(dst);
	}
	elfdeps_release(&d);
	sb_release(&err);
	return tree;
}

/* redis in a container answers redis-cli in the container's network namespace
 * (ctr --with-ns), where lupine-runc starts the VM's network and forwards the
 * port the annotation names. */
static void test_redis_netns(void)
{
	struct engine e = {0};
	char ns[32], *nspath, *with;
	snprintf(ns, sizeof(ns), "lupine-t%d", (int)getpid());
	nspath = xasprintf("/var/run/netns/%s", ns);
	with = xasprintf("network:%s", nspath);
	char *add = xasprintf("ip netns add %s && ip -n %s link set lo up", ns, ns);
	CHECK_INT(system(add), 0);
	if (engine_start(&e) < 0)
		goto out;
	char *tree = redis_tree(), *img = import_tree(&e, tree, "lupine-redis:1");
	struct cmd_out o = CTR_RUN(&e, "-d", "--with-ns", with, "--annotation", "org.lupine.apps=redis",
				   "--annotation", "org.lupine.ports=6379", img, "t-redis", "/usr/bin/redis-server",
				   "--protected-mode", "no");
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	char *ping = xasprintf("ip netns exec %s timeout 1 redis-cli -p 6379 PING 2>/dev/null | grep -q PONG", ns);
	int ok = 0;
	for (int i = 0; i < 120 && !(ok = system(ping) == 0); i++)
		usleep(500000);
	CHECK(ok);
	/* and not from the host's own network: the VM lives in the container's */
	CHECK(system("timeout 1 redis-cli -p 6379 PING 2>/dev/null | grep -q PONG") != 0);
	o = ctr(&e, "task", "kill", "-s", "SIGTERM", "t-redis", NULL);
	cmd_out_free(&o);
	for (int t = 0; t < 100 && !task_stopped(&e, "t-redis"); t++)
		usleep(200000);
	o = ctr(&e, "task", "rm", "t-redis", NULL);
	cmd_out_free(&o);
	o = ctr(&e, "container", "rm", "t-redis", NULL);
	cmd_out_free(&o);
	free(ping);
	free(tree);
	free(img);
out:
	engine_stop(&e);
	char *del = xasprintf("ip netns delete %s", ns);
	CHECK_INT(system(del), 0);
	free(del);
	free(add);
	free(with);
	free(nspath);
}

const struct test containerd_tests[] = {
	{"containerd/attached-exit-and-kernel", test_attached, 1},
	{"containerd/detached-kill", test_detached_kill, 1},
	{"containerd/redis-in-netns", test_redis_netns, 1},
	{"containerd/tty", test_tty, 1},
	{0, 0, 0},
};
