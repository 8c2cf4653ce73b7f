/* test_oci.c: config.json onto a Lupine microVM: what is honoured, what is refused; the
 * container record: IDs, and which process, if any, kill and delete may signal. */
#include "harness.h"
#include "oci/pod.h"
#include "oci/runtime.h"
#include "oci/sandbox.h"
#include "oci/spec.h"
#include "oci/state.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The shape ctr's default spec has, with the fields under test filled in. */
static char *spec_json(const char *process_extra, const char *extra_mount, const char *linux_extra, const char *top)
{
	return xasprintf(
		"{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/redis-server\",\"--port\",\"6379\"],"
		"\"env\":[\"PATH=/usr/bin:/bin\",\"A=b c\"],\"cwd\":\"/data\",\"user\":{\"uid\":999,\"gid\":998,"
		"\"additionalGids\":[5,6]}%s},\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"h1\","
		"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
		"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\"},"
		"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\"},"
		"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\"},"
		"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\"},"
		"{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}%s],"
		"\"linux\":{\"resources\":{\"memory\":{\"limit\":134217728}},\"namespaces\":[{\"type\":\"pid\"},"
		"{\"type\":\"network\",\"path\":\"/var/run/netns/n1\"},{\"type\":\"mount\"}]%s}%s}",
		process_extra, extra_mount, linux_extra, top);
}

static void test_honoured(void)
{
	const char *bundle = test_tmpdir();
	char *root = xasprintf("%s/rootfs", bundle), *j = spec_json(",\"terminal\":true", "", "",
		",\"annotations\":{\"org.lupine.apps\":\"redis\"}");
	struct oci_spec s;
	struct strbuf err = {0};

	CHECK_INT(mkdir_p(root, 0755), 0);
	CHECK_INT(oci_spec_parse(j, bundle, &s, &err), 0);
	CHECK_INT(s.args.n, 3);
	CHECK(s.args.n == 3 && !strcmp(s.args.v[2], "6379"));
	CHECK(s.env.n == 2 && !strcmp(s.env.v[1], "A=b c"));
	CHECK(s.cwd && !strcmp(s.cwd, "/data"));
	CHECK_INT(s.uid, 999);
	CHECK_INT(s.gid, 998);
	CHECK(s.groups.n == 2 && !strcmp(s.groups.v[1], "6"));
	CHECK(s.root && !strcmp(s.root, root));
	CHECK_INT(s.readonly, 1);
	CHECK_INT(s.terminal, 1);
	CHECK(s.hostname && !strcmp(s.hostname, "h1"));
	CHECK_INT(s.memory_mib, 128);
	CHECK_INT(s.netns, 1);
	CHECK(s.netns_path && !strcmp(s.netns_path, "/var/run/netns/n1"));
	CHECK(s.apps && !strcmp(s.apps, "redis"));
	CHECK_INT(s.vol.mounts.n, 7);
	CHECK_INT(s.vol.nshares, 0);
	oci_spec_release(&s);
	free(j);
	free(root);
}

static void test_refused(void)
{
	const char *bundle = test_tmpdir();
	char *root = xasprintf("%s/rootfs", bundle);
	struct {
		char *json;
		const char *why;
	} cases[] = {
		{spec_json("", ",{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/data\",\"options\":[\"rbind\"]}",
			   "", ""), "cannot bind '/srv/data' at /data"},
		{spec_json("", "", ",\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]", ""), "uidMappings"},
		{spec_json("", "", "", ",\"hooks\":{\"prestart\":[{\"path\":\"true\"}]}"), "hooks.prestart[0].path must be an absolute path"},
		{xasprintf("{\"process\":{\"args\":[]},\"root\":{\"path\":\"rootfs\"}}"), "process.args"},
		{xasprintf("{\"process\":{\"args\":[\"x\"]},\"root\":{\"path\":\"nosuch\"}}"), "is not a directory"},
		{xasprintf("{\"process\":{\"args\":[\"x\"]},\"root\":{\"path\":\"rootfs\"},"
			   "\"linux\":{\"resources\":{\"memory\":{\"limit\":4194304}}}}"), "at least 16 MiB"},
		{xasprintf("[1,2]"), "not a JSON object"},
	};

	CHECK_INT(mkdir_p(root, 0755), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct oci_spec s;
		struct strbuf err = {0};
		CHECK_INT(oci_spec_parse(cases[i].json, bundle, &s, &err), -1);
		CHECK_CONTAINS(err.buf, cases[i].why);
		CHECK(!strchr(err.buf ? err.buf : "", '\n'));
		CHECK(s.root == NULL && s.args.n == 0);
		sb_release(&err);
		free(cases[i].json);
	}
	free(root);
}

/* kill's SIGNAL: numbers 1-64, the names with or without SIG; anything else is -1. */
static void test_signals(void)
{
	static const struct {
		const char *arg;
		int sig;
	} cases[] = {
		/* numbers */
		{"1", 1}, {"9", 9}, {"15", 15}, {"64", 64},
		/* out of range */
		{"0", -1}, {"65", -1}, {"-9", -1}, {"99999999999999999999", -1},
		/* names, with and without SIG */
		{"TERM", SIGTERM}, {"SIGTERM", SIGTERM}, {"KILL", SIGKILL}, {"SIGKILL", SIGKILL},
		{"INT", SIGINT}, {"SIGHUP", SIGHUP}, {"QUIT", SIGQUIT}, {"SIGUSR1", SIGUSR1},
		{"USR2", SIGUSR2}, {"SIGWINCH", SIGWINCH},
		/* garbage */
		{"", -1}, {"SIG", -1}, {"term", -1}, {"sigkill", -1}, {"SIGSIGTERM", -1},
		{"KILLX", -1}, {"9x", -1}, {"SIG9", -1}, {"STOP", -1},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int got = oci_signal_parse(cases[i].arg);
		if (got != cases[i].sig)
			check_fail(__FILE__, __LINE__, "signal '%s' parsed as %d, not %d", cases[i].arg, got,
				   cases[i].sig);
	}
}

/* Container IDs by runc's rule: letters, digits, _ + - . and not "." or "..". */
static void test_ids(void)
{
	const char *good[] = {"a", "redis-1", "a+b", "a.b", "_x", "-x", ".x", "...", "A_b.C-d+9",
			      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};
	const char *bad[] = {"", ".", "..", "a/b", "/a", "a b", "a:b", "a,b", "a\\b", "caf\xc3\xa9", "a\nb", "*"};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!oci_id_valid(good[i]))
			check_fail(__FILE__, __LINE__, "'%s' refused", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (oci_id_valid(bad[i]))
			check_fail(__FILE__, __LINE__, "'%s' accepted", bad[i]);
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

enum { KILL_OK = 1, GOT_SIGNAL = 2, NOT_RUNNING = 4, STOPPED = 8, CREATING = 16 };

/* The record of container id in ROOT/oci-root: saved, then loaded back. */
static int record(const char *id, pid_t pid, unsigned long long pid_start, pid_t creator,
		  unsigned long long creator_start, struct oci_state *s)
{
	char *root = xasprintf("%s/oci-root", test_tmpdir());
	struct oci_state w = {.id = (char *)id, .bundle = "", .created = "", .pid = pid, .pid_start = pid_start,
			      .creator = creator, .creator_start = creator_start};
	struct strbuf err = {0};
	int r;

	w.dir = xasprintf("%s/%s", root, id);
	r = mkdir_p(w.dir, 0700) < 0 || oci_state_save(&w, &err) < 0 || oci_state_load(root, id, s, &err) < 0;
	free(w.dir);
	free(root);
	sb_release(&err);
	return r ? -1 : 0;
}

/* In a child in a process group of its own (a kill(0, ...) reaches nothing
 * else): records container id with pid (0, or the child itself when self)
 * whose start time is the child's plus off, and as its creator the child
 * (creator) or a process that is gone, then has oci_kill send SIGUSR1. The
 * bits of what happened. */
static int kill_recorded(const char *id, int self, unsigned long long off, int creator)
{
	char *root = xasprintf("%s/oci-root", test_tmpdir());
	int st = -1;
	pid_t c = fork();

	if (c == 0) {
		struct strbuf err = {0};
		struct oci_state s;
		struct proc_stat me;
		int bits = 0;

		setpgid(0, 0);
		signal(SIGUSR1, on_usr1);
		/* a creator gone: the parent's pid with another start time, as after a pid's reuse */
		if (proc_stat_read(getpid(), &me) < 0 ||
		    record(id, self ? getpid() : 0, me.start_time + off, creator ? getpid() : getppid(),
			   me.start_time + !creator, &s) < 0)
			_exit(64);
		bits |= oci_state_status(&s) == OCI_STOPPED ? STOPPED : 0;
		bits |= oci_state_status(&s) == OCI_CREATING ? CREATING : 0;
		bits |= oci_kill(root, id, SIGUSR1, &err) == 0 ? KILL_OK : 0;
		bits |= got_usr1 ? GOT_SIGNAL : 0;
		bits |= err.buf && !strcmp(err.buf, "container not running") ? NOT_RUNNING : 0;
		_exit(bits);
	}
	if (c > 0 && waitpid(c, &st, 0) == c)
		st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	free(root);
	return st;
}

/* A record with no monitor yet (pid 0): being created while its create
 * lives, stopped once it is gone; kill refuses either way and signals
 * nothing. A monitor whose pid now belongs to another process (another start
 * time): stopped, not signalled. The monitor itself: created, signalled. */
static void test_state_signals(void)
{
	CHECK_INT(kill_recorded("nopid", 0, 0, 0), NOT_RUNNING | STOPPED);
	CHECK_INT(kill_recorded("creating", 0, 0, 1), NOT_RUNNING | CREATING);
	CHECK_INT(kill_recorded("reused", 1, 1, 0), NOT_RUNNING | STOPPED);
	CHECK_INT(kill_recorded("itself", 1, 0, 0), KILL_OK | GOT_SIGNAL);
}

/* delete of a half-created container: with its create gone, the record goes
 * and nothing is signalled (delete --force once did kill(0, SIGKILL)); with
 * its create alive, that create is killed first. */
static void test_delete_half_created(void)
{
	char *root = xasprintf("%s/oci-root", test_tmpdir()), *dir = xasprintf("%s/half", root);
	struct strbuf err = {0};
	struct proc_stat ps;
	struct oci_state s;
	int st = 0;
	pid_t creator = fork();

	if (creator == 0) {
		pause();
		_exit(0);
	}
	CHECK_INT(record("half", 0, 0, getpid(), 0, &s), 0); /* a creator gone: this pid, another start */
	CHECK_INT(oci_state_status(&s), OCI_STOPPED);
	oci_state_release(&s);
	CHECK_INT(oci_delete(root, "half", 1, &err, &err), 0);
	CHECK(!path_exists(dir));
	CHECK_INT(proc_stat_read(creator, &ps), 0);
	CHECK_INT(record("half", 0, 0, creator, ps.start_time, &s), 0);
	CHECK_INT(oci_state_status(&s), OCI_CREATING);
	oci_state_release(&s);
	CHECK_INT(oci_delete(root, "half", 0, &err, &err), 0);
	CHECK(!path_exists(dir));
	CHECK_INT(waitpid(creator, &st, 0), creator);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	sb_release(&err);
	free(dir);
	free(root);
}


/* ROOT/id as an application container of pod (config.json's annotations),
 * its monitor this process (alive) or a pid that is gone. */
static void pod_record(const char *root, const char *id, const char *type, const char *pod, int alive)
{
	struct proc_stat me;
	struct strbuf err = {0};
	struct oci_state w = {.id = (char *)id, .bundle = "", .created = ""};
	CHECK_INT(proc_stat_read(getpid(), &me), 0);
	w.pid = getpid(), w.pid_start = me.start_time + !alive;
	w.dir = xasprintf("%s/%s", root, id);
	char *cfg = xasprintf("%s/config.json", w.dir);
	char *text = xasprintf("{\"annotations\": {\"" OCI_SANDBOX_ANNOTATION "\": \"%s\", \"" OCI_POD_ANNOTATION
			       "\": \"%s\"}}", type, pod);
	CHECK(mkdir_p(w.dir, 0700) == 0 && oci_state_save(&w, &err) == 0);
	CHECK_INT(file_write_atomic(cfg, text, strlen(text), 0600), 0);
	sb_release(&err);
	free(w.dir), free(cfg), free(text);
}

/* One application container of a pod at a time: another one alive in the
 * same pod refuses the claim (naming it); one that ended, one of another
 * pod and the sandbox itself do not. */
static void test_pod_one_app(void)
{
	char *root = xasprintf("%s/pod-root", test_tmpdir());
	struct strbuf err = {0};
	int fd;
	pod_record(root, "sb", "sandbox", "sb", 1);
	pod_record(root, "ended", "container", "sb", 0);
	pod_record(root, "elsewhere", "container", "other", 1);
	CHECK((fd = oci_pod_claim(root, "sb", "new", &err)) >= 0); /* locked: the sandbox's record exists */
	if (fd >= 0)
		close(fd);
	CHECK(oci_pod_claim(root, "nosb", "new", &err) == -1); /* no sandbox record: nothing to lock */
	CHECK(err.len == 0);
	pod_record(root, "first", "container", "sb", 1);
	CHECK_INT(oci_pod_claim(root, "sb", "new", &err), -2);
	CHECK_CONTAINS(err.buf, "pod sb already runs application container first");
	sb_release(&err);
	CHECK((fd = oci_pod_claim(root, "sb", "first", &err)) >= 0); /* itself is no other */
	if (fd >= 0)
		close(fd);
	rm_rf(root);
	free(root);
}

const struct test oci_tests[] = {
	{"oci/ids", test_ids, 0},
	{"oci/state-signals", test_state_signals, 0},
	{"oci/delete-half-created", test_delete_half_created, 0},
	{"oci/spec-honoured", test_honoured, 0},
	{"oci/spec-refused", test_refused, 0},
	{"oci/signals", test_signals, 0},
	{"oci/pod-one-app", test_pod_one_app, 0},
	{0, 0, 0},
};
