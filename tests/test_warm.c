/* test_warm.c: warm start: `lupine snapshot` and `lupine run --from` (bundle/snapshot.h):
 * redis answering after a restore, clones that differ, refusals, exit statuses and signals. */
#include "harness.h"
#include "lib/util.h"
#include "lib/hash.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* `lupine snapshot BUNDLE -o tmp/NAME EXTRA...`; the snapshot's path (caller frees), NULL when it failed. */
static char *snapshot(const char *bundle, const char *name, char *const extra[])
{
	char *out = xasprintf("%s/%s", test_tmpdir(), name);
	char *args[24] = {"snapshot", (char *)bundle, "-o", out};
	int n = 4;

	for (; extra && *extra && n < 23; extra++)
		args[n++] = *extra;
	args[n] = NULL;
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "ready after");
	if (o.status) {
		fprintf(stderr, "%s", o.err);
		free(out);
		out = NULL;
	}
	cmd_out_free(&o);
	return out;
}

static struct bg restore(const char *snap, int port, const char *guest)
{
	char *pspec = xasprintf("%d:%s", port, guest);
	char *const args[] = {"run", "--from", (char *)snap, "-p", pspec, "--timeout", "120", NULL};
	struct bg g = bg_lupine(args, NULL);

	free(pspec);
	return g;
}

/* redis built from its recipe, snapshotted at its recipe's check, restored: it answers, writes, ends with 0. */
static void test_redis(void)
{
	char *b = xasprintf("%s/wredis.lupine", test_tmpdir());
	char *const build[] = {"build", "app:redis", "-q", "-o", b, NULL};
	struct cmd_out o = run_lupine(build);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	char *s = snapshot(b, "redis.snap", NULL);
	if (!s)
		return;
	int port = free_port();
	double t0 = now_sec();
	struct bg g = restore(s, port, "6379");
	CHECK(wait_pong(port, 30));
	fprintf(stderr, "  redis answered %.2f s after lupine run --from\n", now_sec() - t0);
	check_redis(port, "warm");
	free(redis_cli(port, "SHUTDOWN", "NOSAVE", NULL));
	CHECK_INT(wait_bg(&g, 60), 0);
	/* its stdout came through the new VM's stdio ports */
	CHECK(wait_log(&g, "ready to exit", 1));
	free(g.log);
	free(s);
	free(b);
}

/* One request to the probe's serve mode at 127.0.0.1:port; its answer (caller frees). */
static char *ask(int port, const char *line)
{
	char *cmd = xasprintf("echo '%s' | nc -q1 127.0.0.1 %d", line, port);
	char *const argv[] = {"sh", "-c", cmd, NULL};
	struct cmd_out o = run_capture(argv, NULL);
	char *out = xstrdup(o.out ? o.out : "");

	cmd_out_free(&o);
	free(cmd);
	return out;
}

static char *file_sha(const char *path)
{
	struct hash h;
	char hex[65];

	hash_init(&h);
	hash_add_file(&h, path);
	hash_final_hex(&h, hex);
	return xstrdup(hex);
}

/* Two clones at once: both answer, with their own random numbers, the time
 * now, generation 1, and disks of their own; the snapshot's disk is untouched. */
static void check_clones(const char *snap)
{
	/* the snapshot's disk: its delta over the bundle's rootfs (qemu-img), else whole */
	char *disk = xasprintf("%s/disk.qcow2", snap), *before, *after;
	if (!path_exists(disk)) {
		free(disk);
		disk = xasprintf("%s/disk.ext4", snap);
	}
	before = file_sha(disk);
	int port[2] = {free_port(), free_port()};
	struct bg g[2];
	char *r[2];

	sleep(3); /* the guest's clock stood still meanwhile: a restore must set it */
	for (int i = 0; i < 2; i++)
		g[i] = restore(snap, port[i], "7777");
	long long host[2];
	for (int i = 0; i < 2; i++) {
		double t0 = now_sec();
		while (!strchr((r[i] = ask(port[i], "rand")), ' ') && now_sec() - t0 < 30)
			free(r[i]), usleep(50000);
		host[i] = (long long)time(NULL);
	}
	char hex[2][64] = {"", ""};
	long long gen[2] = {-1, -1}, secs[2] = {0, 0};
	for (int i = 0; i < 2; i++) {
		CHECK_INT(sscanf(r[i], "%63s %lld %lld", hex[i], &gen[i], &secs[i]), 3);
		CHECK_INT(gen[i], 1);
		if (llabs(secs[i] - host[i]) > 1)
			check_fail(__FILE__, __LINE__, "clone %d's clock says %lld, the host's %lld", i, secs[i], host[i]);
	}
	CHECK(strcmp(hex[0], hex[1]) != 0);
	free(ask(port[0], "put /work/clone first"));
	char *mine = ask(port[0], "get /work/clone"), *theirs = ask(port[1], "get /work/clone");
	CHECK_CONTAINS(mine, "first");
	CHECK_CONTAINS(theirs, "-");
	for (int i = 0; i < 2; i++) {
		free(ask(port[i], "quit"));
		CHECK_INT(wait_bg(&g[i], 60), 0);
		free(g[i].log);
		free(r[i]);
	}
	after = file_sha(disk);
	CHECK(!strcmp(before, after));
	free(mine), free(theirs), free(before), free(after), free(disk);
}

/* A signal to lupine run reaches the restored application as in a cold run:
 * SIGTERM ends the probe's server (143). */
static void check_signal(const char *snap)
{
	int port = free_port();
	struct bg g = restore(snap, port, "7777");
	double t0 = now_sec();
	char *r;

	while (!strchr((r = ask(port, "rand")), ' ') && now_sec() - t0 < 30)
		free(r), usleep(50000);
	free(r);
	kill(g.pid, SIGTERM);
	CHECK_INT(wait_bg(&g, 60), 143);
	free(g.log);
}

/* A snapshot of another QEMU, or of a bundle changed since, is refused with one line. */
static void check_refused(const char *snap, const char *bundle)
{
	char *bad = xasprintf("%s-otherqemu", snap);
	CHECK_INT(test_sh("cp -r '%s' '%s' && sed -i 's/\"qemu\": \"/\"qemu\": \"0.0.1 /' '%s/snapshot.json'", snap, bad,
			  bad),
		  0);
	char *const other[] = {"run", "--from", bad, NULL};
	struct cmd_out o = run_lupine(other);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "the snapshot was saved by QEMU 0.0.1");
	cmd_out_free(&o);
	CHECK_INT(test_sh("touch '%s/rootfs.ext4'", bundle), 0);
	char *const stale[] = {"run", "--from", (char *)snap, NULL};
	o = run_lupine(stale);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "is out of date: the bundle");
	CHECK_CONTAINS(o.err, "(its root filesystem)");
	cmd_out_free(&o);
	free(bad);
}

/* lupine-runc with org.lupine.snapshot: create checks it and builds nothing,
 * start restores it, the container answers on its port, kill stops it. */
static void check_runc(const char *snap)
{
	const char *t = test_tmpdir();
	int port = free_port();
	char *cfg = xasprintf("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\","
			      "\"user\":{\"uid\":0,\"gid\":0}},\"root\":{\"path\":\"rootfs\"},\"annotations\":{"
			      "\"org.lupine.snapshot\":\"%s\",\"org.lupine.ports\":\"%d:7777\"}}",
			      snap, port);
	char *dir = xasprintf("%s/ctr", t), *path = xasprintf("%s/config.json", dir);
	char *rootfs = xasprintf("%s/rootfs", dir);

	CHECK_INT(mkdir_p(rootfs, 0755), 0); /* unused: the snapshot has its own */
	CHECK_INT(file_write_atomic(path, cfg, strlen(cfg), 0644), 0);
	CHECK_INT(test_sh("%s-runc --root %s/root create --bundle %s w1 </dev/null >%s/w1.out 2>&1 && "
			  "%s-runc --root %s/root start w1", lupine_bin(), t, dir, t, lupine_bin(), t),
		  0);
	double t0 = now_sec();
	char *r;
	while (!strchr((r = ask(port, "rand")), ' ') && now_sec() - t0 < 30)
		free(r), usleep(50000);
	CHECK_CONTAINS(r, " 1 ");
	free(r);
	CHECK_INT(test_sh("%s-runc --root %s/root kill w1 TERM", lupine_bin(), t), 0);
	t0 = now_sec();
	while (test_sh("%s-runc --root %s/root state w1 | grep -q stopped", lupine_bin(), t) && now_sec() - t0 < 30)
		usleep(100000);
	CHECK_INT(test_sh("%s-runc --root %s/root state w1 | grep -q stopped", lupine_bin(), t), 0);
	CHECK_INT(test_sh("%s-runc --root %s/root delete w1", lupine_bin(), t), 0);
	free(cfg), free(dir), free(path), free(rootfs);
}

/* A restore on a tap (in a namespace of the test's): the guest takes the
 * tap's address and a MAC of its own, not the snapshot's (QEMU's default). */
static void check_tap(const char *snap)
{
	struct netpair p;
	char *const args[] = {"run", "--from", (char *)snap, "--net", "tap:wt0", "--timeout", "120", NULL};
	char *r = NULL, *neigh;

	if (netpair_make(&p) < 0)
		return;
	struct bg g = bg_lupine_in(p.ns, args);
	double t0 = now_sec();
	while (!strchr((r = netns_sh(p.ns, "echo rand | nc -q1 -w2 172.16.0.2 7777")), ' ') && now_sec() - t0 < 30)
		free(r), usleep(100000);
	CHECK_CONTAINS(r, " 1 ");
	neigh = netns_sh(p.ns, "ip neigh show 172.16.0.2");
	CHECK_CONTAINS(neigh, "lladdr");
	CHECK_NOT_CONTAINS(neigh, "52:54:00:12:34:56");
	free(netns_sh(p.ns, "echo quit | nc -q1 -w2 172.16.0.2 7777"));
	int st = wait_bg(&g, 60);
	CHECK_INT(st, 0);
	if (st) {
		char *log = file_read(g.log, NULL);
		fprintf(stderr, "%s\n", log ? log : "");
		free(log);
	}
	free(g.log), free(r), free(neigh);
	netpair_remove(&p);
}

static void test_clones(void)
{
	char *b = probe_bundle("wprobe.lupine", "ext4");
	char *const extra[] = {"--ready", "echo rand | nc -q1 127.0.0.1 {port} | grep -q ' 0 '", "--port", "7777",
			       "--", "serve", "7777", NULL};
	char *s = snapshot(b, "probe.snap", extra);

	if (s) {
		check_clones(s);
		check_signal(s);
		check_runc(s);
		check_tap(s);
		check_refused(s, b);
	}
	free(s);
	free(b);
}

/* Without a VM: what a restore cannot be asked for, and what is not a snapshot. */
static void test_refusals(void)
{
	char *const none[] = {"run", "--from", "/nonexistent.snap", NULL};
	struct cmd_out o = run_lupine(none);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "is not a snapshot");
	cmd_out_free(&o);
	char *const env[] = {"run", "--from", "/nonexistent.snap", "-e", "A=b", NULL};
	o = run_lupine(env);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "-e cannot apply to a restored VM");
	cmd_out_free(&o);
	char *const both[] = {"run", "--from", "/nonexistent.snap", "some.lupine", NULL};
	o = run_lupine(both);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "give no BUNDLE with it");
	cmd_out_free(&o);
	char *b = xasprintf("%s/not-a-bundle", test_tmpdir());
	char *const nocheck[] = {"snapshot", b, NULL};
	o = run_lupine(nocheck);
	CHECK(o.status != 0);
	CHECK_CONTAINS(o.err, "say when the application is ready");
	cmd_out_free(&o);
	free(b);
}

const struct test warm_tests[] = {
	{"warm/refusals", test_refusals, 0},
	{"warm/redis", test_redis, 1},
	{"warm/clones", test_clones, 1},
	{0, 0, 0},
};
