/* test_oci.c: config.json onto a Lupine microVM: what is honoured, what is refused. */
#include "harness.h"
#include "oci/runtime.h"
#include "oci/spec.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	char *root = xasprintf("%s/rootfs", bundle), *j = spec_json("", "", "",
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
	CHECK(s.hostname && !strcmp(s.hostname, "h1"));
	CHECK_INT(s.memory_mib, 128);
	CHECK_INT(s.netns, 1);
	CHECK(s.netns_path && !strcmp(s.netns_path, "/var/run/netns/n1"));
	CHECK(s.apps && !strcmp(s.apps, "redis"));
	CHECK_INT(s.mounts.n, 7);
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
		{spec_json(",\"terminal\":true", "", "", ""), "process.terminal"},
		{spec_json("", ",{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/data\",\"options\":[\"rbind\"]}",
			   "", ""), "'/srv/data' on /data"},
		{spec_json("", "", ",\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]", ""), "uidMappings"},
		{spec_json("", "", "", ",\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\"}]}"), "hooks"},
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

const struct test oci_tests[] = {
	{"oci/spec-honoured", test_honoured, 0},
	{"oci/spec-refused", test_refused, 0},
	{"oci/signals", test_signals, 0},
	{0, 0, 0},
};
