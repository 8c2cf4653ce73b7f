/* test_hooks_runc.c: hooks and the host cgroup through lupine-runc, as the
 * shim drives it: every hook kind in its place around a real VM, the monitor
 * and QEMU in the cgroup with its limits, a failing prestart leaving nothing,
 * a failing startContainer stopping the container. */
#include "harness.h"
#include "lib/util.h"
#include "oci/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct hctr {
	char *root, *bundle, *out, *log, *pidfile, *cg, *hooklog;
	const char *id;
	pid_t pid;
};

static struct cmd_out hrunc(struct hctr *c, const char *cmd, const char *arg)
{
	char *bin = xasprintf("%s-runc", lupine_bin());
	char *argv[] = {bin, "--root", c->root, "--log", c->log, "--log-format", "json", (char *)cmd, (char *)c->id,
			(char *)arg, NULL};
	struct cmd_out o = run_capture(argv, NULL);
	free(bin);
	return o;
}

/* The hook every kind runs: one line "KIND STATUS PID RECORD" into the hook
 * log, RECORD saying whether ROOT/ID still exists; FAIL_KIND fails. */
static char *hook_script(struct hctr *c)
{
	char *path = xasprintf("%s/hook-%s", test_tmpdir(), c->id);
	char *text = xasprintf("#!/bin/sh\nst=$(cat)\nstatus=$(echo \"$st\" | sed -n 's/.*\"status\": \"\\([a-z]*\\)\".*/\\1/p')\n"
			       "pid=$(echo \"$st\" | sed -n 's/.*\"pid\": \\([0-9]*\\).*/\\1/p')\n"
			       "rec=gone; [ -e %s/%s/state.json ] && rec=present\n"
			       "echo \"$1 $status $pid $rec\" >>%s\n[ \"$1\" != \"$FAIL_KIND\" ]\n",
			       c->root, c->id, c->hooklog);
	CHECK_INT(file_write_atomic(path, text, strlen(text), 0755), 0);
	free(text);
	return path;
}

/* A bundle of the probe tree running ARGS, every hook kind, the cgroup and limits. */
static void hbundle(struct hctr *c, const char *id, const char *args, const char *fail_kind)
{
	static const char *const kinds[] = {"prestart", "createRuntime", "createContainer", "startContainer",
					    "poststart", "poststop"};
	char *tree = probe_tree(), *rootfs, *hook, *cfg, *path;
	struct strbuf hooks = {0};

	c->id = id;
	c->root = xasprintf("%s/runc-root", test_tmpdir());
	c->bundle = xasprintf("%s/bundle-%s", test_tmpdir(), id);
	c->out = xasprintf("%s/%s.out", test_tmpdir(), id);
	c->log = xasprintf("%s/%s.log.json", test_tmpdir(), id);
	c->pidfile = xasprintf("%s/init.pid", c->bundle);
	c->hooklog = xasprintf("%s/%s.hooks", test_tmpdir(), id);
	c->cg = xasprintf("/lupine-test-%d/%s", (int)getpid(), id);
	rootfs = xasprintf("%s/rootfs", c->bundle);
	CHECK_INT(mkdir_p(c->bundle, 0755), 0);
	CHECK_INT(rename(tree, rootfs), 0);
	hook = hook_script(c);
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		sb_addf(&hooks, "%s\"%s\":[{\"path\":\"%s\",\"args\":[\"hook\",\"%s\"],\"env\":[\"FAIL_KIND=%s\"],"
				"\"timeout\":20}]", i ? "," : "", kinds[i], hook, kinds[i], fail_kind);
	cfg = xasprintf("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[%s],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\"},"
			"\"root\":{\"path\":\"rootfs\"},\"hooks\":{%s},\"linux\":{\"cgroupsPath\":\"%s\",\"resources\":{"
			"\"memory\":{\"limit\":67108864},\"cpu\":{\"quota\":150000,\"period\":100000},\"pids\":{\"limit\":"
			"64}},\"namespaces\":[{\"type\":\"network\"}]}}", args, hooks.buf, c->cg);
	path = xasprintf("%s/config.json", c->bundle);
	CHECK_INT(file_write_atomic(path, cfg, strlen(cfg), 0644), 0);
	free(path), free(cfg), free(hook), free(rootfs), free(tree);
	sb_release(&hooks);
}

/* create with the shim's stdio (a file the monitor keeps); its status, the monitor in c->pid. */
static int hcreate(struct hctr *c)
{
	char *bin = xasprintf("%s-runc", lupine_bin());
	char *argv[] = {bin, "--root", c->root, "--log", c->log, "--log-format", "json", "create", "--bundle",
			c->bundle, "--pid-file", c->pidfile, (char *)c->id, NULL};
	struct proc_opts o = PROC_OPTS_INIT;
	int fd = open(c->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), st;
	char *num;

	o.in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	o.out = o.err = fd;
	st = proc_run(argv, &o);
	close(fd), close(o.in);
	num = file_read(c->pidfile, NULL);
	c->pid = num ? atoi(num) : -1;
	free(num), free(bin);
	return st;
}

static int hreap(struct hctr *c, double secs)
{
	double t0 = now_sec();
	int st;
	while (now_sec() - t0 < secs) {
		if (proc_poll(c->pid, &st) == 1)
			return st;
		usleep(50000);
	}
	return -1;
}

static char *cg_file(const char *ctrl, const char *path, const char *file)
{
	int v2 = path_exists("/sys/fs/cgroup/cgroup.controllers");
	char *p = xasprintf("/sys/fs/cgroup%s%s%s/%s", v2 ? "" : "/", v2 ? "" : ctrl, path, file);
	char *text = file_read(p, NULL);
	free(p);
	return text ? text : xstrdup("");
}

static int cg_exists(const char *path)
{
	char *p = xasprintf("/sys/fs/cgroup/%s%s", path_exists("/sys/fs/cgroup/cgroup.controllers") ? "" : "memory",
			    path);
	int r = path_exists(p);
	free(p);
	return r;
}

static void hfree(struct hctr *c)
{
	struct strbuf ignored = {0};
	char *parent = xasprintf("/lupine-test-%d", (int)getpid());
	oci_cgroup_remove(parent, &ignored);
	free(parent);
	sb_release(&ignored);
	free(c->root), free(c->bundle), free(c->out), free(c->log), free(c->pidfile), free(c->cg), free(c->hooklog);
}

/* The pid of pid's child named qemu-*, or 0. */
static int qemu_of(pid_t pid)
{
	char *p = xasprintf("/proc/%d/task/%d/children", (int)pid, (int)pid), *text = file_read(p, NULL), *end;
	struct proc_stat ps;
	int found = 0;

	for (char *c = text; c && *c && !found; c = end) {
		long child = strtol(c, &end, 10);
		if (end == c)
			break;
		if (proc_stat_read((int)child, &ps) == 0 && str_starts(ps.comm, "qemu"))
			found = (int)child;
	}
	free(p), free(text);
	return found;
}

/* The monitor and its QEMU in every hierarchy's cgroup, the limits written. */
static void check_cgroup(struct hctr *c)
{
	char num[32], *t;

	int qemu = qemu_of(c->pid);
	CHECK(qemu > 0);
	const char *ctrls[] = {"memory", "cpu", "pids"};
	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
		t = cg_file(ctrls[i], c->cg, "cgroup.procs");
		snprintf(num, sizeof(num), "%d\n", (int)c->pid);
		CHECK_CONTAINS(t, num);
		snprintf(num, sizeof(num), "%d\n", qemu);
		CHECK_CONTAINS(t, num);
		free(t);
	}
	int v2 = path_exists("/sys/fs/cgroup/cgroup.controllers");
	snprintf(num, sizeof(num), "%lld\n", (64LL + OCI_VMM_HEADROOM_MIB) << 20);
	CHECK_CONTAINS((t = cg_file("memory", c->cg, v2 ? "memory.max" : "memory.limit_in_bytes")), num);
	free(t);
	CHECK_CONTAINS((t = cg_file("pids", c->cg, "pids.max")), "64\n");
	free(t);
	CHECK_CONTAINS((t = cg_file("cpu", c->cg, v2 ? "cpu.max" : "cpu.cfs_quota_us")), v2 ? "150000 100000" : "150000");
	free(t);
	/* what QEMU took at most, beside the guest's 64 MiB (the headroom's measure) */
	t = cg_file("memory", c->cg, v2 ? "memory.peak" : "memory.max_usage_in_bytes");
	char *stat = cg_file("memory", c->cg, "memory.stat"), *rss = strstr(stat, v2 ? "\nanon " : "\ntotal_rss ");
	char *qs = xasprintf("/proc/%d/status", qemu), *qst = file_read(qs, NULL), *hwm = qst ? strstr(qst, "VmHWM:") : NULL;
	fprintf(stderr, "    64 MiB guest: cgroup peak %lld MiB, anonymous now %lld MiB, QEMU's VmHWM %lld MiB\n",
		atoll(t) >> 20, rss ? atoll(strchr(rss + 1, ' ')) >> 20 : -1, hwm ? atoll(hwm + 6) >> 10 : -1);
	free(t), free(stat), free(qs), free(qst);
}

/* Every hook kind in its place around a VM; the monitor and QEMU in the
 * cgroup with its limits while it runs; delete removes the cgroup, then poststop. */
static void test_lifecycle(void)
{
	struct hctr c = {0};
	char num[32], *t;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	hbundle(&c, "hk", "\"/bin/probe\",\"wait\"", "none");
	CHECK_INT(hcreate(&c), 0);
	CHECK(c.pid > 0);
	snprintf(num, sizeof(num), "prestart creating %d present", (int)c.pid);
	CHECK_CONTAINS((t = file_read(c.hooklog, NULL)), num);
	free(t);
	struct cmd_out o = hrunc(&c, "start", NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	for (int i = 0; i < 600 && !strstr((t = file_read(c.out, NULL)) ? t : "", "probe: waiting"); i++)
		free(t), t = NULL, usleep(200000);
	CHECK_CONTAINS(t, "probe: waiting");
	free(t);
	check_cgroup(&c);
	o = hrunc(&c, "kill", "TERM");
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	CHECK_INT(hreap(&c, 60), 143);
	o = hrunc(&c, "delete", NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	CHECK(!cg_exists(c.cg));
	snprintf(num, sizeof(num), "%d", (int)c.pid);
	char *want = xasprintf("prestart creating %s present\ncreateRuntime creating %s present\n"
			       "createContainer creating %s present\nstartContainer created %s present\n"
			       "poststart running %s present\npoststop stopped 0 gone\n", num, num, num, num, num);
	t = file_read(c.hooklog, NULL);
	CHECK(t && !strcmp(t, want));
	if (t && strcmp(t, want))
		check_fail(__FILE__, __LINE__, "hook log:\n%s", t);
	free(t), free(want);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	hfree(&c);
}

/* A failing prestart fails create and leaves nothing: no record, no pid
 * file, no monitor, no cgroup. A failing startContainer fails start and
 * stops the container; poststart never runs, poststop does on delete. */
static void test_failures(void)
{
	struct hctr c = {0};
	char *t;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	hbundle(&c, "pre", "\"/bin/probe\"", "prestart");
	CHECK_INT(hcreate(&c), 1);
	CHECK_CONTAINS((t = file_read(c.log, NULL)), "prestart hook #0");
	free(t);
	CHECK_INT(dir_count(c.root, "pre"), 0);
	CHECK(!path_exists(c.pidfile));
	CHECK(!cg_exists(c.cg));
	CHECK(system("pgrep -f 'bundle-[p]re' >/dev/null") != 0); /* no monitor */
	CHECK_CONTAINS((t = file_read(c.hooklog, NULL)), "prestart creating ");
	CHECK_NOT_CONTAINS(t, "createRuntime"); /* the first failure ends create */
	free(t);
	hfree(&c);

	hbundle(&c, "sc", "\"/bin/probe\"", "startContainer");
	CHECK_INT(hcreate(&c), 0);
	struct cmd_out o = hrunc(&c, "start", NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "startContainer hook #0");
	cmd_out_free(&o);
	CHECK_INT(hreap(&c, 10), 137);
	o = hrunc(&c, "state", NULL);
	CHECK_CONTAINS(o.out, "\"status\": \"stopped\"");
	cmd_out_free(&o);
	o = hrunc(&c, "delete", NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	CHECK(!cg_exists(c.cg));
	t = file_read(c.hooklog, NULL);
	CHECK_NOT_CONTAINS(t, "poststart");
	CHECK_CONTAINS(t, "poststop stopped 0 gone");
	free(t);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	hfree(&c);
}

const struct test hooks_runc_tests[] = {
	{"hooks/runc-failures", test_failures, 1},
	{"hooks/runc-lifecycle", test_lifecycle, 1},
	{0, 0, 0},
};
