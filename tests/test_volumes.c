/* test_volumes.c: config.json's mounts and `lupine run -v`: the guest's mount
 * lines and the host directories shared for them, what is refused at create,
 * and VMs that check the mounts from inside. */
#include "harness.h"
#include "lib/util.h"
#include "oci/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A config.json running /bin/steps with mounts (a JSON list's inside) after /proc. */
static char *mounts_json(const char *mounts)
{
	return xasprintf("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/steps\"],\"cwd\":\"/\"},"
			 "\"root\":{\"path\":\"rootfs\"},\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\","
			 "\"source\":\"proc\"}%s%s]}", *mounts ? "," : "", mounts);
}

/* The bundle directory (with rootfs/) the spec tests parse against. */
static const char *spec_bundle(void)
{
	const char *b = test_tmpdir();
	char *root = xasprintf("%s/rootfs", b);

	CHECK_INT(mkdir_p(root, 0755), 0);
	free(root);
	return b;
}

static void test_spec_lines(void)
{
	const char *b = spec_bundle();
	char *dir = xasprintf("%s/vol dir", b), *file = xasprintf("%s/hosts", b), *j;
	struct oci_spec s;
	struct strbuf err = {0};

	CHECK_INT(mkdir_p(dir, 0755), 0);
	CHECK_INT(file_write_atomic(file, "127.0.0.1 x\n", 12, 0640), 0);
	j = mounts_json(
		"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\","
		"\"strictatime\",\"mode=755\",\"size=65536k\"]},"
		"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"ro\"]},"
		"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"vol dir\",\"options\":[\"rbind\",\"rprivate\",\"mode=755\"]},"
		"{\"destination\":\"/r o\",\"source\":\"vol dir\",\"options\":[\"rbind\",\"ro\",\"nosuid\"]},"
		"{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"hosts\",\"options\":[\"rbind\"]}");
	CHECK_INT(oci_spec_parse(j, b, &s, &err), 0);
	if (err.len)
		fprintf(stderr, "%s\n", err.buf);
	CHECK_INT(s.vol.mounts.n, 6);
	if (s.vol.mounts.n == 6) {
		CHECK(!strcmp(s.vol.mounts.v[0], "proc proc /proc defaults"));
		CHECK(!strcmp(s.vol.mounts.v[1], "tmpfs tmpfs /dev nosuid,strictatime,mode=755,size=65536k"));
		/* the spec's source is the name the guest's /proc/mounts shows */
		CHECK(!strcmp(s.vol.mounts.v[2], "cgroup2 cgroup /sys/fs/cgroup ro"));
		/* a bind mount's data ("mode=755") is no concern of it, as with runc */
		CHECK(!strcmp(s.vol.mounts.v[3], "9p lupine0 /data rw"));
		/* a space in a path is \040, as in fstab */
		CHECK(!strcmp(s.vol.mounts.v[4], "9p lupine1 /r\\040o ro,nosuid"));
		/* base64 of "127.0.0.1 x\n", with the file's mode and owner */
		CHECK(!strcmp(s.vol.mounts.v[5], "file MTI3LjAuMC4xIHgK /etc/hosts rw,mode=0640,uid=0,gid=0"));
	}
	CHECK_INT(s.vol.nshares, 2);
	if (s.vol.nshares == 2) {
		CHECK(!strcmp(s.vol.shares[0].path, dir) && !s.vol.shares[0].readonly);
		CHECK(!strcmp(s.vol.shares[1].tag, "lupine1") && s.vol.shares[1].readonly);
	}
	oci_spec_release(&s);
	sb_release(&err);
	free(j);
	free(dir);
	free(file);
}

/* Mounts refused at create, each with one line naming it. */
static void test_spec_refused(void)
{
	const char *b = spec_bundle();
	char *big = xasprintf("%s/big", b), *sock = xasprintf("%s/sock", b), *many = xstrdup("");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	char *data = xcalloc(1, VOLUME_FILES_MAX + 1);

	memset(data, 'x', VOLUME_FILES_MAX + 1);
	CHECK_INT(file_write_atomic(big, data, VOLUME_FILES_MAX + 1, 0644), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	CHECK_INT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	for (int i = 0; i < 64; i++) {
		char *m = xasprintf("%s{\"destination\":\"/t%d\",\"type\":\"tmpfs\"},", many, i);
		free(many);
		many = m;
	}
	many[strlen(many) - 1] = 0;
	struct {
		char *mounts;
		const char *why;
	} cases[] = {
		{xasprintf("{\"destination\":\"data\",\"type\":\"tmpfs\"}"), "mounts[1] has no absolute destination"},
		{xasprintf("{\"destination\":\"/a/../etc\",\"type\":\"tmpfs\"}"), "free of '.' and '..'"},
		{xasprintf("{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/nonexistent/dir\"}"),
		 "cannot bind '/nonexistent/dir' at /x: No such file or directory"},
		{xasprintf("{\"destination\":\"/x\",\"type\":\"overlay\",\"source\":\"overlay\"}"),
		 "mount type 'overlay' on /x is not one the guest kernel makes"},
		{xasprintf("{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"rbind\",\"idmap\"]}"),
		 "option 'idmap' cannot apply"},
		{xasprintf("{\"destination\":\"/x\",\"type\":\"bind\"}"), "a bind mount needs a source"},
		{xasprintf("{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"%s\"}", sock),
		 "only directories and regular files"},
		{xasprintf("{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"%s\"}", big), "bind its directory instead"},
		{xasprintf("{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[1]}"), "options must be an array of strings"},
		{xstrdup(many), "the guest makes at most 64"},
		{xasprintf("{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"%0500d\"]}", 0),
		 "the guest takes fewer than 480"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *j = mounts_json(cases[i].mounts);
		struct oci_spec s;
		struct strbuf err = {0};
		CHECK_INT(oci_spec_parse(j, b, &s, &err), -1);
		CHECK_CONTAINS(err.buf, cases[i].why);
		CHECK_CONTAINS(err.buf, "config.json: mounts");
		CHECK(!strchr(err.buf ? err.buf : "", '\n'));
		CHECK_INT(s.vol.mounts.n + s.vol.nshares, 0); /* released: nothing half-made */
		sb_release(&err);
		free(j);
		free(cases[i].mounts);
	}
	close(fd);
	free(data);
	free(many);
	free(sock);
	free(big);
}

/* -v's forms, and a bad one refused by lupine run before anything else. */
static void test_run_v_parse(void)
{
	const char *dir = test_tmpdir();
	static const char *const bad[] = {"", "/tmp", ":/x", "/tmp:", "/tmp:/x:rx", "/tmp:rel", "/tmp:/a/../b",
					  "/nonexistent:/x"};
	struct volumes v = {0};
	struct strbuf err = {0};
	char *ok = xasprintf("%s:/data:ro", dir);

	CHECK_INT(volumes_add_spec(&v, ok, &err), 0);
	CHECK(v.nshares == 1 && v.shares[0].readonly && !strcmp(v.mounts.v[0], "9p lupine0 /data ro"));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		sb_release(&err);
		CHECK_INT(volumes_add_spec(&v, bad[i], &err), -1);
		CHECK(err.len && !strchr(err.buf, '\n'));
	}
	CHECK_INT(v.nshares, 1);
	volumes_release(&v);
	char *const args[] = {"run", "/nonexistent.lupine", "-v", "/tmp:relative", NULL};
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "'relative' is not an absolute path");
	cmd_out_free(&o);
	sb_release(&err);
	free(ok);
}

/* lupine-runc create with a bad mount: one line naming it, and no container left. */
static void test_create_refused(void)
{
	const char *b = spec_bundle();
	char *cfg = xasprintf("%s/config.json", b), *root = xasprintf("%s/state", b), *j, bin[512];
	char *ctr = xasprintf("%s/c1", root);

	j = mounts_json("{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/nonexistent/hosts\"}");
	CHECK_INT(file_write_atomic(cfg, j, strlen(j), 0644), 0);
	snprintf(bin, sizeof(bin), "%s-runc", lupine_bin());
	char *const argv[] = {bin, "--root", root, "create", "--bundle", (char *)b, "c1", NULL};
	struct cmd_out o = run_capture(argv, NULL);
	CHECK(o.status != 0);
	CHECK_CONTAINS(o.err, "config.json: mounts[1]: cannot bind '/nonexistent/hosts' at /etc/hosts");
	CHECK(o.err && strchr(o.err, '\n') == o.err + strlen(o.err) - 1);
	CHECK_INT(path_exists(ctr), 0);
	cmd_out_free(&o);
	free(ctr), free(root), free(cfg), free(j);
}

const struct test volumes_fast_tests[] = {
	{"volumes/create-refused", test_create_refused, 0},
	{"volumes/spec-lines", test_spec_lines, 0},
	{"volumes/spec-refused", test_spec_refused, 0},
	{"volumes/run-v-parse", test_run_v_parse, 0},
	{0},
};
