/* test_process.c: the OCI process spec inside the guest. config.json's
 * rlimits, capability sets, no_new_privs, user, umask, oom_score_adj, sysctl,
 * masked and read-only paths and read-only root: checked and translated into
 * the run file at create (no VM), refused in one line when the kernel would
 * refuse them, and applied by the init in a VM, as the probe reports from
 * inside; the same config.json under Debian's runc gives the same report. */
#include "harness.h"
#include "bundle/bundle.h"
#include "bundle/runconfig.h"
#include "lib/util.h"
#include "oci/spec.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A config.json asking for everything, with PROCESS_EXTRA and LINUX_EXTRA (each "" or ",..."). */
static char *confined_json(const char *args, const char *process_extra, const char *linux_extra)
{
	return xasprintf(
		"{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[%s],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\","
		"\"user\":{\"uid\":1000,\"gid\":1000,\"additionalGids\":[5,7],\"umask\":23},"
		"\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\",\"CAP_NET_RAW\","
		"\"CAP_SYS_TIME\"],\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
		"\"effective\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],\"inheritable\":[\"CAP_KILL\","
		"\"CAP_NET_BIND_SERVICE\"],\"ambient\":[\"CAP_NET_BIND_SERVICE\"]},"
		"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":123,\"hard\":456},"
		"{\"type\":\"RLIMIT_CORE\",\"soft\":1000,\"hard\":2000}],"
		"\"noNewPrivileges\":true,\"oomScoreAdj\":123%s},"
		"\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"confined\","
		"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"mode=755\"]},"
		"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"mode=1777\"]},"
		"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"ro\"]}],"
		"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"ipc\"},"
		"{\"type\":\"network\"}],\"sysctl\":{\"kernel.domainname\":\"lupine.test\",\"net.ipv4.ip_forward\":\"1\"},"
		"\"maskedPaths\":[\"/etc/secret\",\"/work/secretdir\",\"/no/such/path\"],"
		"\"readonlyPaths\":[\"/proc/sys\",\"/dev/shm\"]%s}}",
		args, process_extra, linux_extra);
}

/* The run file lines config.json's process spec becomes; NULL with err when refused. */
static char *render(const char *json, struct strbuf *err)
{
	char *root = xasprintf("%s/rootfs", test_tmpdir()), *text = NULL;
	struct oci_spec s;

	CHECK_INT(mkdir_p(root, 0755), 0);
	if (oci_spec_parse(json, test_tmpdir(), &s, err) == 0)
		text = run_config_render(&s.confine);
	oci_spec_release(&s);
	free(root);
	return text;
}

/* config.json -> the run file's process-spec keys, exactly. */
static void test_translate(void)
{
	char *json = confined_json("\"/bin/probe\"", "", ""), *text;
	struct strbuf err = {0};

	text = render(json, &err);
	CHECK(text != NULL);
	CHECK_CONTAINS(text, "rlimit RLIMIT_NOFILE 123 456\nrlimit RLIMIT_CORE 1000 2000\n");
	/* bounding CHOWN(0) KILL(5) NET_BIND_SERVICE(10) NET_RAW(13) SYS_TIME(25) */
	CHECK_CONTAINS(text, "caps 2002421 420 421 420 400\n");
	CHECK_CONTAINS(text, "nonewprivs 1\n");
	CHECK_CONTAINS(text, "umask 0027\n");
	CHECK_CONTAINS(text, "oomscoreadj 123\n");
	CHECK_CONTAINS(text, "sysctl kernel.domainname=lupine.test\n");
	CHECK_CONTAINS(text, "sysctl net.ipv4.ip_forward=1\n");
	CHECK_CONTAINS(text, "mask /etc/secret\nmask /work/secretdir\nmask /no/such/path\n");
	CHECK_CONTAINS(text, "ropath /proc/sys\nropath /dev/shm\nrootro 1\n");
	free(text);
	free(json);

	/* Docker's unlimited (--ulimit memlock=-1): UINT64_MAX, past jansson's integers; in a string, untouched */
	json = xstrdup("{\"process\":{\"args\":[\"/bin/probe\",\"18446744073709551615\"],\"rlimits\":[{\"type\":"
		       "\"RLIMIT_MEMLOCK\",\"soft\":18446744073709551615,\"hard\":18446744073709551615},{\"type\":"
		       "\"RLIMIT_CORE\",\"soft\":0,\"hard\":18446744073709551615}]},\"root\":{\"path\":\"rootfs\"}}");
	text = render(json, &err);
	CHECK_CONTAINS(text, "rlimit RLIMIT_MEMLOCK 18446744073709551615 18446744073709551615\n"
			     "rlimit RLIMIT_CORE 0 18446744073709551615\n");
	free(text);
	free(json);
	struct oci_spec sp;
	CHECK_INT(oci_spec_parse("{\"process\":{\"args\":[\"a\\\"18446744073709551615\"]},\"root\":{\"path\":"
				 "\"rootfs\"}}", test_tmpdir(), &sp, &err), 0);
	CHECK(sp.args.n == 1 && !strcmp(sp.args.v[0], "a\"18446744073709551615"));
	oci_spec_release(&sp);

	/* no capabilities object: every set empty, as runc gives it; nothing else asked, nothing said */
	json = xstrdup("{\"process\":{\"args\":[\"/bin/probe\"]},\"root\":{\"path\":\"rootfs\"}}");
	text = render(json, &err);
	CHECK(text && !strcmp(text, "caps 0 0 0 0 0\n"));
	free(text);
	free(json);
	sb_release(&err);
}

#define P8 "\"/a\",\"/b\",\"/c\",\"/d\",\"/e\",\"/f\",\"/g\",\"/h\","
#define MANY_PATHS P8 P8 P8 P8 P8 P8 P8 P8 "\"/i\"" /* 65 */

/* What the kernel would refuse at start, refused at create in one line naming the field. */
static void test_refused(void)
{
	static const struct {
		const char *process, *lx, *why;
	} cases[] = {
		{",\"rlimits\":[{\"type\":\"RLIMIT_NOPE\",\"soft\":1,\"hard\":1}]", "", "unknown type 'RLIMIT_NOPE'"},
		{",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":9,\"hard\":8}]", "", "above the hard limit"},
		{",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":-2,\"hard\":8}]", "", "integers, 0 or more"},
		{",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":18446744073709551615,\"hard\":8}]", "",
		 "the soft limit 18446744073709551615 is above the hard limit 8"},
		{",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1},{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,"
		 "\"hard\":1}]", "", "RLIMIT_NOFILE is given twice"},
		{",\"capabilities\":{\"bounding\":[\"CAP_FLY\"]}", "", "bounding: unknown capability 'CAP_FLY'"},
		{",\"capabilities\":{\"effective\":[\"chown\"]}", "", "effective: unknown capability 'chown'"},
		{",\"capabilities\":{\"effective\":[\"CAP_KILL\"]}", "", "CAP_KILL is effective but not permitted"},
		{",\"capabilities\":{\"permitted\":[\"CAP_KILL\"],\"ambient\":[\"CAP_KILL\"]}", "",
		 "CAP_KILL is ambient but not both permitted and inheritable"},
		{",\"capabilities\":{\"inheritable\":[\"CAP_KILL\"]}", "", "CAP_KILL is inheritable but not in the bounding"},
		{",\"oomScoreAdj\":1001", "", "process.oomScoreAdj"},
		{",\"user\":{\"uid\":0,\"gid\":0,\"umask\":512}", "", "process.user.umask"},
		{",\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[\"wheel\"]}", "", "additionalGids"},
		{"", ",\"sysctl\":{\"../../etc/x\":\"1\"}", "'../../etc/x' is not a sysctl name"},
		{"", ",\"sysctl\":{\"net..ipv4\":\"1\"}", "'net..ipv4' is not a sysctl name"},
		{"", ",\"sysctl\":{\"net/ipv4/ip_forward\":\"1\"}", "is not a sysctl name"},
		{"", ",\"sysctl\":{\"\":\"1\"}", "'' is not a sysctl name"},
		{"", ",\"sysctl\":{\"kernel.x\":1}", "the value of kernel.x must be a string"},
		{"", ",\"maskedPaths\":[\"etc/secret\"]", "linux.maskedPaths[0] is not an absolute path"},
		{"", ",\"readonlyPaths\":\"/proc\"", "linux.readonlyPaths must be an array"},
		{"", ",\"maskedPaths\":[" MANY_PATHS "]", "linux.maskedPaths has more than 64 paths"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *json = xasprintf("{\"process\":{\"args\":[\"/bin/probe\"]%s},\"root\":{\"path\":\"rootfs\"},"
				       "\"linux\":{\"namespaces\":[]%s}}", cases[i].process, cases[i].lx);
		struct strbuf err = {0};
		char *text = render(json, &err);
		CHECK(text == NULL);
		CHECK_CONTAINS(err.buf, cases[i].why);
		CHECK(!strchr(err.buf ? err.buf : "", '\n'));
		free(text);
		free(json);
		sb_release(&err);
	}
}

/* A bundle at DIR: the probe tree as rootfs/ with a file and a directory to
 * mask, a directory anyone may write, a passwd and a group file that would
 * give uid 1000 group 9 (additionalGids must win), and config.json. */
static void make_bundle(const char *dir, const char *json)
{
	char *tree = probe_tree(), *rootfs = xasprintf("%s/rootfs", dir), *path;

	CHECK_INT(mkdir_p(dir, 0755), 0);
	CHECK_INT(rename(tree, rootfs), 0);
	static const char *const files[][2] = {
		{"etc/secret", "hidden\n"}, {"work/secretdir/file", "hidden\n"},
		{"etc/passwd", "root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n"},
		{"etc/group", "root:x:0:\nwheel:x:9:app\n"},
	};
	path = xasprintf("%s/work/secretdir", rootfs);
	CHECK_INT(mkdir_p(path, 0755), 0);
	free(path);
	path = xasprintf("%s/etc", rootfs);
	CHECK_INT(mkdir_p(path, 0755), 0);
	free(path);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		path = xasprintf("%s/%s", rootfs, files[i][0]);
		CHECK_INT(file_write_atomic(path, files[i][1], strlen(files[i][1]), 0644), 0);
		free(path);
	}
	path = xasprintf("%s/work/open", rootfs);
	CHECK_INT(mkdir_p(path, 0777), 0);
	CHECK_INT(chmod(path, 0777), 0);
	free(path);
	path = xasprintf("%s/config.json", dir);
	CHECK_INT(file_write_atomic(path, json, strlen(json), 0644), 0);
	free(path);
	free(rootfs);
	free(tree);
}

/* The container's output (stdout and stderr) and exit status, run by
 * lupine-runc as the shim does (create with the output in a file, start,
 * the monitor reaped by this subreaper, delete), or by Debian's runc (run). */
static int run_container(int lupine, const char *bundle, const char *id, char **out)
{
	char *root = xasprintf("%s/root-%s", test_tmpdir(), id), *file = xasprintf("%s/%s.out", test_tmpdir(), id);
	char *pidfile = xasprintf("%s/%s.pid", test_tmpdir(), id), *num;
	char bin[512];
	int st = -1, status = -1;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s", lupine ? lupine_bin() : "runc");
	if (lupine)
		strncat(bin, "-runc", sizeof(bin) - strlen(bin) - 1);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if ((pid = fork()) == 0) {
		int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644), in = open("/dev/null", O_RDONLY);
		dup2(in, 0), dup2(fd, 1), dup2(fd, 2);
		char *const argv[] = {bin, "--root", root, lupine ? "create" : "run", "--bundle", (char *)bundle,
				      "--pid-file", pidfile, (char *)id, NULL};
		execvp(bin, argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (lupine && status == 0 && (num = file_read(pidfile, NULL))) {
		char *const start[] = {bin, "--root", root, "start", (char *)id, NULL};
		struct cmd_out o = run_capture(start, NULL);
		CHECK_INT(o.status, 0);
		cmd_out_free(&o);
		pid = atoi(num);
		free(num);
		CHECK_INT(waitpid(pid, &st, 0), pid);
		status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	char *const del[] = {bin, "--root", root, "delete", "--force", (char *)id, NULL};
	struct cmd_out o = run_capture(del, NULL);
	cmd_out_free(&o);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	/* lines as the probe wrote them: the serial console ends them with \r\n */
	if ((*out = file_read(file, NULL)))
		for (char *r = *out, *w = *out;; r++)
			if (*r != '\r' && !(*w++ = *r))
				break;
	free(pidfile);
	free(file);
	free(root);
	return status;
}

/* The report of a confined probe, the same from either runtime. */
static void check_report(const char *out)
{
	static const char *const want[] = {
		"probe: rlimit NOFILE 123 456\n", "probe: rlimit CORE 1000 2000\n",
		"probe: Groups:\t5 7", "probe: uid=1000 gid=1000 umask=0027\n",
		/* as uid 1000 after exec, only the ambient set stays permitted and effective */
		"probe: CapInh:\t0000000000000420\n", "probe: CapPrm:\t0000000000000400\n",
		"probe: CapEff:\t0000000000000400\n", "probe: CapBnd:\t0000000002002421\n",
		"probe: CapAmb:\t0000000000000400\n", "probe: NoNewPrivs:\t1\n",
		"probe: read /proc/self/oom_score_adj: 4 bytes <123>\n",
		"probe: read /proc/sys/kernel/domainname: 12 bytes <lupine.test>\n",
		"probe: read /proc/sys/net/ipv4/ip_forward: 2 bytes <1>\n",
		"probe: read /etc/secret: 0 bytes <>\n", "probe: dir /work/secretdir: 0 entries\n",
		"probe: w /work/secretdir/x: Read-only file system\n",
		"probe: w /proc/sys/kernel/domainname: Read-only file system\n",
		"probe: w /dev/shm/x: Read-only file system\n", "probe: w /work/open/x: Read-only file system\n",
		"probe: read /etc/group: ", "<root:x:0:>\n", /* the image's own files still read */
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		CHECK_CONTAINS(out, want[i]);
}

#define PROBE_ARGS "\"/bin/probe\",\"confine\",\"r:/proc/sys/kernel/domainname\",\"r:/proc/sys/net/ipv4/ip_forward\"," \
	"\"r:/etc/secret\",\"d:/work/secretdir\",\"w:/work/secretdir/x\",\"w:/proc/sys/kernel/domainname\"," \
	"\"w:/dev/shm/x\",\"w:/work/open/x\",\"r:/etc/group\""

/* One VM: everything config.json asks for, as the probe sees it from inside. */
static void test_guest(void)
{
	char *bundle = xasprintf("%s/confined", test_tmpdir()), *json = confined_json(PROBE_ARGS, "", ""), *out = NULL;

	make_bundle(bundle, json);
	CHECK_INT(run_container(1, bundle, "confined", &out), 0);
	check_report(out);
	free(out);
	free(json);
	free(bundle);
}

/* The same config.json under Debian's runc: the same report (no VM; runc
 * confines a host process). What lupine-runc applies is what runc applies. */
static void test_same_as_runc(void)
{
	char *bundle = xasprintf("%s/runc-confined", test_tmpdir()), *json = confined_json(PROBE_ARGS, "", ""), *out = NULL;
	struct cmd_out o = run_capture((char *const[]){"runc", "--version", NULL}, NULL);

	if (o.status != 0 || geteuid() != 0) {
		cmd_out_free(&o);
		test_skip("needs Debian's runc and root");
		free(json), free(bundle);
		return;
	}
	cmd_out_free(&o);
	make_bundle(bundle, json);
	CHECK_INT(run_container(0, bundle, "runc-confined", &out), 0);
	check_report(out);
	free(out);
	free(json);
	free(bundle);
}

/* A sysctl the kernel does not have: the start fails (127) with the name and the path it lacks. */
static void test_guest_missing_sysctl(void)
{
	char *bundle = xasprintf("%s/nosysctl", test_tmpdir()), *out = NULL;
	char *json = confined_json("\"/bin/probe\",\"hello\"", "", ",\"sysctl\":{\"kernel.no_such_knob\":\"1\"}");

	/* a second "sysctl" key: jansson keeps the last, so only the missing one is asked */
	make_bundle(bundle, json);
	CHECK_INT(run_container(1, bundle, "nosysctl", &out), 127);
	/* the init's "error" control line, shown by the host */
	CHECK_CONTAINS(out, "lupine: the application did not start: cannot set sysctl kernel.no_such_knob: this "
			    "kernel has no /proc/sys/kernel/no_such_knob\n");
	CHECK_NOT_CONTAINS(out, "probe: hello");
	free(out);
	free(json);
	free(bundle);
}

/* On the base kernel (no /proc, no users), the init's own part: each start
 * fails naming the option it lacks. lupine-runc's kernels come from
 * specs, none of them base alone, so the keys go straight into a bundle of
 * `lupine build --config EMPTY` (the diagnose tests' kernel). The start fails
 * with 127 when the VM-wide part cannot be applied, 126 when the application's
 * own part cannot (as for any credential the init cannot set). */
static void test_guest_kernel_lacks(void)
{
	static const char *const why[] = {
		"cannot set sysctl kernel.domainname: no /proc (kernel without CONFIG_PROC_FS)",
		"cannot set supplementary groups: Function not implemented (kernel without CONFIG_MULTIUSER)",
		"cannot set the capability sets: Function not implemented (kernel without CONFIG_MULTIUSER)",
	};
	char *frag = xasprintf("%s/empty.config", test_tmpdir()), *tree = probe_tree(), *src = xasprintf("dir:%s", tree);
	char *out = xasprintf("%s/base.lupine", test_tmpdir());
	char *const build[] = {"build", src, "--config", frag, "-o", out, "-q", "--", "/bin/probe", "hello", NULL};
	char *const run[] = {"run", out, NULL};
	struct strbuf err = {0};
	struct bundle b;

	CHECK_INT(file_write_atomic(frag, "# the base kernel alone\n", 24, 0644), 0);
	struct cmd_out o = run_lupine(build);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	for (size_t i = 0; i < ARRAY_SIZE(why); i++) {
		CHECK_INT(bundle_load(out, &b, &err), 0);
		strlist_release(&b.run.sysctl);
		if (i == 0)
			strlist_add(&b.run.sysctl, "kernel.domainname=x");
		b.run.uid = b.run.gid = i == 1 ? 1000 : 0;
		strlist_release(&b.run.groups);
		if (i == 1)
			strlist_add(&b.run.groups, "5");
		run_config_set(&b.run.caps, "20 0 0 0 0");
		CHECK_INT(bundle_write_json(out, &b, &err), 0);
		bundle_release(&b);
		o = run_lupine(run);
		/* 127: the init's own part failed; 126: the application's child could not become it */
		CHECK_INT(o.status, i == 0 ? 127 : 126);
		CHECK_CONTAINS(o.err, "lupine: the application did not start: ");
		CHECK_CONTAINS(o.err, why[i]);
		CHECK_NOT_CONTAINS(o.out, "probe: hello");
		cmd_out_free(&o);
	}
	sb_release(&err);
	free(out), free(src), free(tree), free(frag);
}

const struct test process_tests[] = {
	{"process/translate", test_translate, 0},
	{"process/refused", test_refused, 0},
	{"process/same-as-runc", test_same_as_runc, 0},
	{"process/guest-applies", test_guest, 1},
	{"process/guest-missing-sysctl", test_guest_missing_sysctl, 1},
	{"process/guest-kernel-lacks", test_guest_kernel_lacks, 1},
	{0, 0, 0},
};
