/* test_runc.c: lupine-runc driven as containerd's shim drives it (create with
 * the shim's stdio, start, kill, state, delete), the test process standing in
 * for the shim: a child subreaper that reaps the monitor and takes its status. */
#include "harness.h"
#include "lib/util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct ctr {
	char *root, *bundle, *out, *log, *pidfile;
	const char *id;
	pid_t pid;
};

static void runc_path(char *buf, size_t n)
{
	snprintf(buf, n, "%s-runc", lupine_bin());
}

/* lupine-runc --root R --log L --log-format json CMD ARGS..., output captured. */
static struct cmd_out runc(struct ctr *c, const char *cmd, const char *a1, const char *a2, const char *a3)
{
	char bin[512];
	runc_path(bin, sizeof(bin));
	char *argv[] = {bin, "--root", c->root, "--log", c->log, "--log-format", "json", (char *)cmd,
			(char *)a1, (char *)a2, (char *)a3, NULL};
	return run_capture(argv, NULL);
}

/* A bundle: the probe tree as rootfs/ and a config.json running ARGS (a JSON list's inside). */
static void make_bundle(struct ctr *c, const char *id, const char *args, const char *extra)
{
	char *tree = probe_tree(), *cfg;

	c->id = id;
	c->root = xasprintf("%s/runc-root", test_tmpdir());
	c->bundle = xasprintf("%s/bundle-%s", test_tmpdir(), id);
	c->out = xasprintf("%s/%s.out", test_tmpdir(), id);
	c->log = xasprintf("%s/%s.log.json", c->bundle, id);
	c->pidfile = xasprintf("%s/init.pid", c->bundle);
	char *rootfs = xasprintf("%s/rootfs", c->bundle);
	CHECK_INT(mkdir_p(c->bundle, 0755), 0);
	CHECK_INT(rename(tree, rootfs), 0);
	cfg = xasprintf("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[%s],\"env\":[\"FOO=from-config\","
			"\"PATH=/bin\"],\"cwd\":\"/work\",\"user\":{\"uid\":0,\"gid\":0}},\"root\":{\"path\":\"rootfs\"},"
			"\"hostname\":\"ctr-%s\",\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}]"
			"%s}",
			args, id, extra);
	char *path = xasprintf("%s/config.json", c->bundle);
	CHECK_INT(file_write_atomic(path, cfg, strlen(cfg), 0644), 0);
	free(path);
	free(cfg);
	free(rootfs);
	free(tree);
}

/* Starts create, with the shim's way of stdio: fd 1 and 2 a file the monitor keeps. */
static pid_t spawn_create(struct ctr *c)
{
	char bin[512];
	runc_path(bin, sizeof(bin));
	pid_t pid = fork();
	if (pid == 0) {
		int out = open(c->out, O_WRONLY | O_CREAT | O_TRUNC, 0644), in = open("/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		char *argv[] = {bin, "--root", c->root, "--log", c->log, "--log-format", "json", "create", "--bundle",
				c->bundle, "--pid-file", c->pidfile, (char *)c->id, NULL};
		execv(bin, argv);
		_exit(127);
	}
	return pid;
}

/* create to its end: 0 or create's status, the monitor's pid in c->pid. */
static int create(struct ctr *c)
{
	pid_t pid = spawn_create(c);
	int st;
	waitpid(pid, &st, 0);
	char *num = file_read(c->pidfile, NULL);
	c->pid = num ? atoi(num) : -1;
	if (num)
		CHECK(!strchr(num, '\n'));
	free(num);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The monitor's status, as the shim (a subreaper) sees it; -1 after secs. */
static int reap(struct ctr *c, double secs)
{
	double t0 = now_sec();
	int st;
	while (now_sec() - t0 < secs) {
		if (waitpid(c->pid, &st, WNOHANG) == c->pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(50000);
	}
	return -1;
}

static void state_is(struct ctr *c, const char *status)
{
	struct cmd_out o = runc(c, "state", c->id, NULL, NULL);
	char want[64];
	snprintf(want, sizeof(want), "\"status\": \"%s\"", status);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, want);
	cmd_out_free(&o);
}

static void ctr_free(struct ctr *c)
{
	free(c->root), free(c->bundle), free(c->out), free(c->log), free(c->pidfile);
}

/* The whole life of a container whose application prints and exits 7. */
static void test_lifecycle(void)
{
	struct ctr c = {0};
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	make_bundle(&c, "life", "\"/bin/probe\",\"show\",\"a b\"", "");
	CHECK_INT(create(&c), 0);
	CHECK(c.pid > 0);
	state_is(&c, "created");
	struct cmd_out o = runc(&c, "start", c.id, NULL, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	CHECK_INT(reap(&c, 120), 0);
	char *out = file_read(c.out, NULL);
	CHECK_CONTAINS(out, "a b");
	CHECK_CONTAINS(out, "from-config");
	CHECK_CONTAINS(out, "/work");
	free(out);
	state_is(&c, "stopped");
	o = runc(&c, "delete", c.id, NULL, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	CHECK_INT(dir_count(c.root, "life"), 0);
	o = runc(&c, "delete", c.id, NULL, NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "does not exist");
	cmd_out_free(&o);
	ctr_free(&c);

	/* the hostname config.json names */
	make_bundle(&c, "named", "\"/bin/probe\",\"uname\"", "");
	CHECK_INT(create(&c), 0);
	o = runc(&c, "start", c.id, NULL, NULL);
	cmd_out_free(&o);
	CHECK_INT(reap(&c, 120), 0);
	out = file_read(c.out, NULL);
	CHECK_CONTAINS(out, "hostname ctr-named");
	free(out);
	o = runc(&c, "delete", c.id, NULL, NULL);
	cmd_out_free(&o);
	ctr_free(&c);

	make_bundle(&c, "seven", "\"/bin/probe\",\"exit\",\"7\"", "");
	CHECK_INT(create(&c), 0);
	o = runc(&c, "start", c.id, NULL, NULL);
	cmd_out_free(&o);
	CHECK_INT(reap(&c, 120), 7);
	o = runc(&c, "delete", c.id, NULL, NULL);
	cmd_out_free(&o);
	ctr_free(&c);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/* SIGTERM through kill reaches the application (143); SIGKILL ends the VM (137), leaving no QEMU. */
static void test_kill(void)
{
	const char *modes[] = {"wait", "ignore"}, *sigs[] = {"15", "9"};
	int want[] = {143, 137};

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (int i = 0; i < 2; i++) {
		struct ctr c = {0};
		char args[64], id[16];
		snprintf(args, sizeof(args), "\"/bin/probe\",\"%s\"", modes[i]);
		snprintf(id, sizeof(id), "k%d", i);
		make_bundle(&c, id, args, "");
		CHECK_INT(create(&c), 0);
		struct cmd_out o = runc(&c, "start", c.id, NULL, NULL);
		cmd_out_free(&o);
		state_is(&c, "running");
		sleep(3); /* the application is up: the init started it */
		o = runc(&c, "kill", c.id, sigs[i], NULL);
		CHECK_INT(o.status, 0);
		cmd_out_free(&o);
		CHECK_INT(reap(&c, 60), want[i]);
		o = runc(&c, "kill", c.id, "15", NULL);
		CHECK_INT(o.status, 1);
		CHECK_CONTAINS(o.err, "container not running");
		cmd_out_free(&o);
		char pat[600];
		/* [x]: the pattern must not match the shell that runs pgrep */
		snprintf(pat, sizeof(pat), "pgrep -f '%s/[%c]%s/vm' >/dev/null", c.root, c.id[0], c.id + 1);
		sleep(1);
		CHECK(system(pat) != 0); /* no QEMU of this container left */
		o = runc(&c, "delete", c.id, NULL, NULL);
		CHECK_INT(o.status, 0);
		cmd_out_free(&o);
		ctr_free(&c);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/* A config.json it cannot honour: the error in the JSON log the shim reads, nothing left behind. */
static void test_refused(void)
{
	struct ctr c = {0};
	make_bundle(&c, "bad", "\"/bin/probe\"",
		    ",\"linux\":{\"resources\":{\"memory\":{\"limit\":1048576}}}");
	CHECK_INT(create(&c), 1);
	char *log = file_read(c.log, NULL);
	CHECK_CONTAINS(log, "{\"level\":\"error\",\"msg\":\"config.json: linux.resources.memory.limit");
	CHECK_CONTAINS(log, "\"time\":\"");
	free(log);
	CHECK_INT(dir_count(c.root, "bad"), 0);
	CHECK(!path_exists(c.pidfile));
	ctr_free(&c);
}

/* A create killed with -9 while it builds (its record has no monitor yet):
 * the container is stopped, delete removes it and signals nothing, and the
 * ID can be used again. delete runs in a session of its own: it once did
 * kill(0, SIGKILL), its own process group. */
static void test_create_killed(void)
{
	struct ctr c = {0};
	char bin[512], pat[600];
	runc_path(bin, sizeof(bin));
	make_bundle(&c, "half", "\"/bin/probe\"", "");
	char *state = xasprintf("%s/half/state.json", c.root);
	char *ballast = xasprintf("head -c 128M /dev/urandom >%s/rootfs/ballast", c.bundle);
	char *const del[] = {"setsid", "-w", bin, "--root", c.root, "delete", "half", NULL};
	/* 128 MiB to pack gives create a build of a second or more after its
	 * record appears; it is stopped there at once, so "midway" holds */
	CHECK_INT(system(ballast), 0);
	pid_t pid = spawn_create(&c);

	for (int i = 0; i < 20000 && !path_exists(state); i++)
		usleep(500);
	kill(pid, SIGSTOP);
	CHECK(path_exists(state));
	state_is(&c, "creating"); /* midway: the build runs, no monitor yet */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	state_is(&c, "stopped");
	struct cmd_out o = run_capture(del, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	CHECK_INT(dir_count(c.root, "half"), 0);
	/* no monitor left behind: [h]: the pattern must not match the shell that runs pgrep */
	snprintf(pat, sizeof(pat), "pgrep -f 'bundle-[h]alf' >/dev/null");
	sleep(1);
	CHECK(system(pat) != 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	CHECK_INT(create(&c), 0);
	o = runc(&c, "delete", c.id, NULL, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	CHECK_INT(reap(&c, 30), 137);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	free(ballast);
	free(state);
	ctr_free(&c);
}

/* A container in a network namespace with a veth, as Docker or a CNI plugin
 * leaves it: the VM takes the veth over, the application answers on the
 * container's address from the peer's namespace, and the veth has its
 * address back once the container has ended. */
static void test_netns(void)
{
	struct ctr c = {0};
	struct netpair p;

	if (netpair_make(&p) < 0)
		return;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	char *extra = xasprintf(",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"/var/run/netns/%s\"}]}",
				p.ns);
	make_bundle(&c, "net", "\"/bin/probe\",\"serve\",\"7777\"", extra);
	CHECK_INT(create(&c), 0);
	struct cmd_out o = runc(&c, "start", c.id, NULL, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	CHECK_INT(probe_talk(p.client, NETPAIR_IP, 7777, "down 1000", 0), 1000);
	char *out = file_read(c.out, NULL), *mac = xasprintf("probe: eth0 mac=%s", p.mac);
	CHECK_CONTAINS(out, "probe: eth0 ip=" NETPAIR_IP);
	CHECK_CONTAINS(out, mac);
	CHECK_INT(probe_talk(p.client, NETPAIR_IP, 7777, "quit", 0), 0);
	CHECK_INT(reap(&c, 60), 0);
	free(out);
	out = netns_sh(p.ns, "ip -4 addr show dev eth0");
	CHECK_CONTAINS(out, "inet " NETPAIR_IP "/24");
	o = runc(&c, "delete", c.id, NULL, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	free(out);
	free(mac);
	free(extra);
	ctr_free(&c);
	netpair_remove(&p);
}

/* --root with an empty value: refused, naming the flag. */
static void test_empty_root(void)
{
	char bin[512];
	runc_path(bin, sizeof(bin));
	const char *forms[][3] = {{"--root=", "state", "x"}, {"--root", "", "state"}};

	for (size_t i = 0; i < 2; i++) {
		char *const argv[] = {bin, (char *)forms[i][0], (char *)forms[i][1], (char *)forms[i][2], "x", NULL};
		struct cmd_out o = run_capture(argv, NULL);
		CHECK_INT(o.status, 1);
		CHECK_CONTAINS(o.err, "--root needs a directory");
		cmd_out_free(&o);
	}
}

const struct test runc_tests[] = {
	{"runc/empty-root", test_empty_root, 0},
	{"runc/refused-config", test_refused, 0},
	{"runc/lifecycle", test_lifecycle, 1},
	{"runc/kill", test_kill, 1},
	{"runc/create-killed-midway", test_create_killed, 1},
	{"runc/netns-takeover", test_netns, 1},
	{0, 0, 0},
};
