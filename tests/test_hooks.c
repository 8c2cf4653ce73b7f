/* test_hooks.c: config.json's hooks run as the runtime spec says (real shell
 * scripts that record their stdin, args and env), and the host cgroup: the
 * cgroupsPath forms and the limits written into a real cgroup. */
#include "harness.h"
#include "lib/util.h"
#include "oci/cgroup.h"
#include "oci/hooks.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A script in the test dir: NAME runs body with sh, its path returned (caller frees). */
static char *script(const char *name, const char *body)
{
	char *path = xasprintf("%s/%s", test_tmpdir(), name), *text = xasprintf("#!/bin/sh\n%s\n", body);
	CHECK_INT(file_write_atomic(path, text, strlen(text), 0755), 0);
	free(text);
	return path;
}

/* The record a hook hears of: container "h1" whose monitor is this process. */
static struct oci_state fake_state(void)
{
	struct oci_state s = {.id = "h1", .bundle = "/srv/bundle-h1", .dir = (char *)test_tmpdir(),
			      .created = "2026-01-01T00:00:00Z", .pid = getpid()};
	return s;
}

static json_t *config(const char *hooks_json)
{
	char *text = xasprintf("{\"hooks\":%s,\"annotations\":{\"com.example.k\":\"v w\"}}", hooks_json);
	json_t *j = json_loads(text, 0, NULL);
	struct strbuf err = {0};
	CHECK(j != NULL);
	CHECK_INT(oci_hooks_check(json_object_get(j, "hooks"), &err), 0);
	sb_release(&err);
	free(text);
	return j;
}

/* Two prestart hooks: in order, the state on stdin, args and env exactly as given. */
static void test_run(void)
{
	const char *d = test_tmpdir();
	/* the argv the hook's process has, as /proc shows it (a script's $0 is its own path) */
	char *rec = script("rec", "cat >\"$OUT.stdin\"; tr '\\0' '|' </proc/$$/cmdline >\"$OUT.args\"; "
				  "env >\"$OUT.env\"; echo \"$OUT\" >>\"$ORDER\"");
	char *hooks = xasprintf("{\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"first-hook\",\"-c\",\". %s\",\"x\","
				"\"a b\",\"\"],\"env\":[\"OUT=%s/one\",\"ORDER=%s/order\"]},{\"path\":\"%s\",\"env\":["
				"\"OUT=%s/two\",\"ORDER=%s/order\"],\"timeout\":5}]}", rec, d, d, rec, d, d);
	json_t *cfg = config(hooks), *st;
	struct oci_state s = fake_state();
	struct strbuf err = {0};
	char *path, *text;

	setenv("LUPINE_NOT_FOR_HOOKS", "1", 1);
	CHECK_INT(oci_hooks_run(cfg, "prestart", &s, OCI_CREATING, &err), 0);
	unsetenv("LUPINE_NOT_FOR_HOOKS");
	path = xasprintf("%s/order", d);
	text = file_read(path, NULL);
	char *want = xasprintf("%s/one\n%s/two\n", d, d);
	CHECK(text && !strcmp(text, want));
	free(want), free(text), free(path);
	path = xasprintf("%s/one.args", d);
	text = file_read(path, NULL);
	want = xasprintf("first-hook|-c|. %s|x|a b||", rec); /* argv[0] as given, not the path */
	CHECK(text && !strcmp(text, want));
	free(want), free(text), free(path);
	path = xasprintf("%s/two.args", d);
	text = file_read(path, NULL);
	want = xasprintf("/bin/sh|%s|", rec); /* no args: argv[0] is the path (sh's #! keeps no argv[0]) */
	CHECK(text && !strcmp(text, want));
	free(want), free(text), free(path);
	path = xasprintf("%s/one.env", d);
	text = file_read(path, NULL);
	CHECK_CONTAINS(text, "ORDER=");
	CHECK_NOT_CONTAINS(text, "LUPINE_NOT_FOR_HOOKS"); /* only the env given */
	free(text), free(path);
	path = xasprintf("%s/two.stdin", d);
	st = json_load_file(path, 0, NULL);
	CHECK(st != NULL);
	CHECK(!strcmp(json_string_value(json_object_get(st, "ociVersion")) ?: "", "1.0.2"));
	CHECK(!strcmp(json_string_value(json_object_get(st, "id")) ?: "", "h1"));
	CHECK(!strcmp(json_string_value(json_object_get(st, "status")) ?: "", "creating"));
	CHECK_INT(json_integer_value(json_object_get(st, "pid")), getpid());
	CHECK(!strcmp(json_string_value(json_object_get(st, "bundle")) ?: "", "/srv/bundle-h1"));
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(st, "annotations"), "com.example.k")) ?: "",
		      "v w"));
	json_decref(st);
	free(path);
	json_decref(cfg);
	free(hooks);
	free(rec);
	sb_release(&err);
}

/* A failing hook stops its kind there, its status and output in the error;
 * one over its timeout is killed with its children; a warning kind runs them all. */
static void test_fail(void)
{
	const char *d = test_tmpdir();
	char *bad = script("bad", "echo 'no network for you' >&2; exit 3");
	char *slow = script("slow", "sleep 30 & echo $! >\"$0.child\"; wait");
	char *mark = script("mark", "touch \"$0.ran\"");
	char *hooks = xasprintf("{\"createRuntime\":[{\"path\":\"%s\"},{\"path\":\"%s\"}],\"prestart\":[{\"path\":\"%s\","
				"\"timeout\":1}],\"poststop\":[{\"path\":\"%s\"},{\"path\":\"%s/nosuch\"},{\"path\":\"%s\"}]}",
				bad, mark, slow, bad, d, mark);
	json_t *cfg = config(hooks);
	struct oci_state s = fake_state();
	struct strbuf err = {0}, warn = {0};
	char *ran = xasprintf("%s.ran", mark), *child = xasprintf("%s.child", slow), *num;

	CHECK_INT(oci_hooks_run(cfg, "createRuntime", &s, OCI_CREATING, &err), -1);
	CHECK_CONTAINS(err.buf, "createRuntime hook #0");
	CHECK_CONTAINS(err.buf, "exit status 3: no network for you");
	CHECK(!path_exists(ran));
	sb_release(&err);
	double t0 = now_sec();
	CHECK_INT(oci_hooks_run(cfg, "prestart", &s, OCI_CREATING, &err), -1);
	CHECK(now_sec() - t0 < 5);
	CHECK_CONTAINS(err.buf, "did not finish in 1 s and was killed");
	usleep(100000);
	num = file_read(child, NULL);
	struct proc_stat ps;
	/* its background sleep went with it (gone, or a zombie not yet reaped) */
	CHECK(num && (proc_stat_read(atoi(num), &ps) < 0 || ps.state == 'Z'));
	free(num);
	oci_hooks_run_all(cfg, "poststop", &s, OCI_STOPPED, &warn);
	CHECK_CONTAINS(warn.buf, "poststop hook #0");
	CHECK_CONTAINS(warn.buf, "poststop hook #1");
	CHECK_CONTAINS(warn.buf, "No such file or directory");
	CHECK(path_exists(ran)); /* #2 ran after two failures */
	CHECK_INT(oci_hooks_run(cfg, "startContainer", &s, OCI_CREATED, &err), 0); /* none: nothing to fail */
	free(ran), free(child), free(hooks), free(bad), free(slow), free(mark);
	json_decref(cfg);
	sb_release(&err);
	sb_release(&warn);
}

static void test_check(void)
{
	const char *bad[][2] = {
		{"{\"prestart\":[{\"path\":\"hook\"}]}", "hooks.prestart[0].path must be an absolute path"},
		{"{\"poststop\":[{\"path\":\"/x\",\"args\":[1]}]}", "args and env must be arrays of strings"},
		{"{\"prestart\":[{\"path\":\"/x\",\"timeout\":0}]}", "timeout must be a number of seconds above 0"},
		{"{\"preStart\":[]}", "hooks.preStart is not a hook list"},
		{"[]", "hooks must be an object"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		json_t *j = json_loads(bad[i][0], 0, NULL);
		struct strbuf err = {0};
		CHECK_INT(oci_hooks_check(j, &err), -1);
		CHECK_CONTAINS(err.buf, bad[i][1]);
		sb_release(&err);
		json_decref(j);
	}
}

/* cgroupsPath's forms, and linux.resources read. */
static void test_cgroup_parse(void)
{
	const char *forms[][2] = {
		{"/docker/abc", "/docker/abc"},
		{"k8s/pod1", "/k8s/pod1"},
		{"system.slice:docker:abc", "/system.slice/docker-abc.scope"},
		{"kubepods-besteffort-pod12.slice:cri-containerd:f00",
		 "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice/cri-containerd-f00.scope"},
		{":runc:x", "/system.slice/runc-x.scope"},
		{"-.slice:p:n", "/p-n.scope"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		char *text = xasprintf("{\"cgroupsPath\":\"%s\",\"resources\":{\"memory\":{\"limit\":67108864},"
				       "\"cpu\":{\"quota\":50000,\"period\":100000,\"shares\":512},\"pids\":{\"limit\":0}}}",
				       forms[i][0]);
		json_t *j = json_loads(text, 0, NULL);
		struct oci_cgroup c;
		struct strbuf err = {0};
		CHECK_INT(oci_cgroup_parse(j, &c, &err), 0);
		CHECK(c.path && !strcmp(c.path, forms[i][1]));
		if (!c.path || strcmp(c.path, forms[i][1]))
			check_fail(__FILE__, __LINE__, "%s gave %s", forms[i][0], c.path ? c.path : "(none)");
		CHECK_INT(c.memory, 67108864);
		CHECK_INT(c.cpu_quota, 50000);
		CHECK_INT(c.pids, -1); /* 0 given: unlimited */
		oci_cgroup_release(&c);
		sb_release(&err);
		json_decref(j);
		free(text);
	}
	const char *bad[] = {"/a/../b", "a.slice:b", "bad:p:n", "/"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *text = xasprintf("{\"cgroupsPath\":\"%s\"}", bad[i]);
		json_t *j = json_loads(text, 0, NULL);
		struct oci_cgroup c;
		struct strbuf err = {0};
		CHECK_INT(oci_cgroup_parse(j, &c, &err), -1);
		CHECK_CONTAINS(err.buf, "linux.cgroupsPath");
		sb_release(&err);
		json_decref(j);
		free(text);
	}
}

/* A cgroup file's contents, or "" (caller frees). */
static char *cgroup_read(const char *ctrl, const char *path, const char *file)
{
	int v2 = path_exists("/sys/fs/cgroup/cgroup.controllers");
	char *p = xasprintf("/sys/fs/cgroup%s%s%s/%s", v2 ? "" : "/", v2 ? "" : ctrl, path, file);
	char *text = file_read(p, NULL);
	free(p);
	return text ? text : xstrdup("");
}

/* A real cgroup: a sleeping process moved in, the limits written, the directories removed. */
static void test_cgroup_apply(void)
{
	struct oci_cgroup c = {.memory = 64 << 20, .cpu_quota = 50000, .cpu_period = 100000, .cpu_shares = 512,
			       .pids = 20};
	char *const argv[] = {"sleep", "30", NULL};
	struct proc_opts o = PROC_OPTS_INIT;
	pid_t pid = proc_spawn(argv, &o);
	char *path = xasprintf("/lupine-test-%d/c1", (int)getpid()), *parent = xasprintf("/lupine-test-%d", (int)getpid());
	int v2 = path_exists("/sys/fs/cgroup/cgroup.controllers");
	struct strbuf err = {0};
	char num[32], *t;

	CHECK_INT(oci_cgroup_apply(&c, path, pid, &err), 0);
	if (err.len)
		check_fail(__FILE__, __LINE__, "%s", err.buf);
	snprintf(num, sizeof(num), "%d\n", (int)pid);
	const char *ctrls[] = {"memory", "cpu", "pids"};
	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
		CHECK_CONTAINS((t = cgroup_read(ctrls[i], path, "cgroup.procs")), num);
		free(t);
	}
	snprintf(num, sizeof(num), "%lld\n", (64LL + OCI_VMM_HEADROOM_MIB) << 20);
	CHECK_CONTAINS((t = cgroup_read("memory", path, v2 ? "memory.max" : "memory.limit_in_bytes")), num);
	free(t);
	CHECK_CONTAINS((t = cgroup_read("pids", path, "pids.max")), "20\n");
	free(t);
	CHECK_CONTAINS((t = cgroup_read("cpu", path, v2 ? "cpu.max" : "cpu.cfs_quota_us")), v2 ? "50000 100000" : "50000");
	free(t);
	if (!v2) {
		CHECK_CONTAINS((t = cgroup_read("cpu", path, "cpu.shares")), "512\n");
		free(t);
	}
	kill(pid, SIGKILL);
	proc_wait(pid);
	CHECK_INT(oci_cgroup_remove(path, &err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
		char *dir = xasprintf("/sys/fs/cgroup/%s%s", v2 ? "" : ctrls[i], path);
		CHECK(!path_exists(dir));
		free(dir);
	}
	oci_cgroup_remove(parent, &err); /* the test's own parent */
	free(parent), free(path);
	sb_release(&err);
}

/* In a mount namespace of its own whose /sys/fs/cgroup is a cgroup2 mount:
 * the v2 tree is told apart and used. This host binds its controllers to
 * v1, so the v2 tree has none: a limit must fail naming memory.max, and a
 * cgroup without limits must take the process and go on remove. Returns a
 * bit per failed step. */
static int v2_child(void *arg)
{
	const char *path = arg;
	struct oci_cgroup lim = {.memory = 64 << 20}, none = {0};
	struct strbuf err = {0};
	char *procs = xasprintf("/sys/fs/cgroup%s/cgroup.procs", path), *dir = xasprintf("/sys/fs/cgroup%s", path);
	char num[32], *t;
	int bad = 0;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL) < 0)
		return 64;
	bad |= oci_cgroup_apply(&lim, path, getpid(), &err) == 0 || !strstr(err.buf ? err.buf : "", "memory.max");
	bad |= (oci_cgroup_remove(path, &err) < 0) << 1;
	bad |= (oci_cgroup_apply(&none, path, getpid(), &err) < 0) << 2;
	snprintf(num, sizeof(num), "%d\n", (int)getpid());
	bad |= (!(t = file_read(procs, NULL)) || !strstr(t, num)) << 3;
	free(t);
	FILE *f = fopen("/sys/fs/cgroup/cgroup.procs", "w"); /* out again, to the root */
	bad |= (!f || fprintf(f, "%d", (int)getpid()) < 0 || fclose(f) != 0) << 4;
	bad |= (oci_cgroup_remove(path, &err) < 0 || path_exists(dir)) << 5;
	*strrchr(dir, '/') = 0;
	rmdir(dir);
	free(procs), free(dir);
	sb_release(&err);
	return bad;
}

static void test_cgroup_v2(void)
{
	char *path = xasprintf("/lupine-test-v2-%d/c1", (int)getpid());
	struct proc_opts o = PROC_OPTS_INIT;
	pid_t pid;

	if (path_exists("/sys/fs/cgroup/cgroup.controllers")) {
		test_skip("this host is pure cgroup v2: hooks/cgroup-apply tests it");
		free(path);
		return;
	}
	pid = proc_fork(v2_child, path, &o);
	CHECK_INT(proc_wait(pid), 0);
	free(path);
}

const struct test hooks_tests[] = {
	{"hooks/check", test_check, 0},
	{"hooks/run", test_run, 0},
	{"hooks/fail-timeout-warn", test_fail, 0},
	{"hooks/cgroup-parse", test_cgroup_parse, 0},
	{"hooks/cgroup-apply", test_cgroup_apply, 0},
	{"hooks/cgroup-v2", test_cgroup_v2, 0},
	{0, 0, 0},
};
