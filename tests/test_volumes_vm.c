/* test_volumes_vm.c: mounts seen from inside the guest (tests/guest/steps.c on
 * lupine-general): config.json's through lupine-runc, `lupine run -v` live
 * both ways; and the VMM's side of shares without a boot. */
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

#define STEPS "build/testguest/steps"

/* A bundle (for lupine run) of a tree with /bin/steps as its command, and a
 * dangling symlink /etc/link -> ../run/x/target; on lupine-general, or on
 * app's kernel. */
static char *steps_bundle_on(const char *app)
{
	char *tree = xasprintf("%s/steps-tree", test_tmpdir()), *bin = xasprintf("%s/bin", tree);
	char *dst = xasprintf("%s/steps", bin), *src = xasprintf("dir:%s", tree), *etc = xasprintf("%s/etc", tree);
	char *link = xasprintf("%s/link", etc);
	char *out = xasprintf("%s/steps-%s.lupine", test_tmpdir(), app ? app : "general");
	char *const args[] = {"build", src, "-o", out, "-q", app ? "--app" : "--", app ? (char *)app : "/bin/steps",
			      app ? "--" : NULL, "/bin/steps", NULL};
	struct cmd_out o;

	CHECK_INT(mkdir_p(bin, 0755), 0);
	CHECK_INT(file_copy(STEPS, dst, 0755), 0);
	CHECK_INT(mkdir_p(etc, 0755) | symlink("../run/x/target", link), 0);
	o = run_lupine(args);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	free(tree), free(bin), free(dst), free(src), free(etc), free(link);
	return out;
}

static char *steps_bundle(void)
{
	return steps_bundle_on(NULL);
}

/* lupine-runc ARGS... (NULL-terminated, at most 12), stdio to out when not NULL; its status. */
static int runc(const char *out, char *const *args)
{
	char bin[512], *argv[16];
	int n = 0, st;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s-runc", lupine_bin());
	argv[n++] = bin;
	for (; args[n - 1] && n < 15; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	if ((pid = fork()) == 0) {
		int fd = out ? open(out, O_WRONLY | O_CREAT | O_APPEND, 0644) : open("/dev/null", O_WRONLY);
		dup2(fd, 1), dup2(fd, 2);
		execv(bin, argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The config.json of the runc test: Docker's kernel mounts, a tmpfs with size
 * and mode, a host file as /etc/resolv.conf, a directory read-write and read-only. */
static char *runc_config(const char *t)
{
	return xasprintf(
		"{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/steps\",\"stat:/tmp\",\"statfs:/tmp\","
		"\"stat:/dev/null\",\"mount:/dev\",\"mount:/dev/pts\",\"mount:/dev/mqueue\",\"cat:/etc/resolv.conf\","
		"\"write:/etc/resolv.conf:x\",\"write:/vol/from-guest:guest\",\"cat:/ro/r\",\"write:/ro/y:n\","
		"\"cat:/dev/termination-log\"],"
		"\"env\":[\"PATH=/bin\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"mounts\":["
		"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\","
		"\"mode=755\",\"size=65536k\"]},"
		"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\",\"noexec\","
		"\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
		"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"ro\"]},"
		"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\",\"options\":[\"nosuid\","
		"\"noexec\",\"nodev\"]},"
		"{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"size=2m\","
		"\"mode=1770\"]},"
		"{\"destination\":\"/etc/resolv.conf\",\"type\":\"bind\",\"source\":\"%s/resolv.conf\",\"options\":"
		"[\"rbind\",\"ro\"]},"
		"{\"destination\":\"/vol\",\"type\":\"bind\",\"source\":\"%s/vol\",\"options\":[\"rbind\",\"rprivate\"]},"
		"{\"destination\":\"/ro\",\"type\":\"bind\",\"source\":\"%s/ro\",\"options\":[\"rbind\",\"ro\"]},"
		/* a file under the /dev tmpfs, as Kubernetes binds its termination log */
		"{\"destination\":\"/dev/termination-log\",\"type\":\"bind\",\"source\":\"%s/ro/r\",\"options\":"
		"[\"rbind\"]}]}",
		t, t, t, t);
}

static void test_runc_mounts(void)
{
	const char *t = test_tmpdir();
	char *rootbin = xasprintf("%s/b/rootfs/bin", t), *steps = xasprintf("%s/steps", rootbin);
	char *cfg = xasprintf("%s/b/config.json", t), *json = runc_config(t), *out = xasprintf("%s/out", t);
	char *state = xasprintf("%s/state", t), *bundle = xasprintf("%s/b", t), *vol = xasprintf("%s/vol", t);
	char *ro = xasprintf("%s/ro", t), *rfile = xasprintf("%s/ro/r", t), *resolv = xasprintf("%s/resolv.conf", t);
	char *pidf = xasprintf("%s/pid", t), *seen = xasprintf("%s/vol/from-guest", t), *num, *log, *text;
	int st = -1;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	CHECK_INT(mkdir_p(rootbin, 0755) | mkdir_p(vol, 0755) | mkdir_p(ro, 0755), 0);
	CHECK_INT(file_copy(STEPS, steps, 0755), 0);
	CHECK_INT(file_write_atomic(cfg, json, strlen(json), 0644), 0);
	CHECK_INT(file_write_atomic(rfile, "r\n", 2, 0644), 0);
	CHECK_INT(file_write_atomic(resolv, "nameserver 192.0.2.53\n", 22, 0644), 0);
	char *const create[] = {"--root", state, "create", "--bundle", bundle, "--pid-file", pidf, "vm1", NULL};
	char *const start[] = {"--root", state, "start", "vm1", NULL}, *const del[] = {"--root", state, "delete", "vm1", NULL};
	CHECK_INT(runc(out, create), 0);
	num = file_read(pidf, NULL);
	CHECK_INT(runc(NULL, start), 0);
	for (double t0 = now_sec(); num && now_sec() - t0 < 120; usleep(50000))
		if (waitpid(atoi(num), &st, WNOHANG) > 0)
			break;
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	log = file_read(out, NULL);
	CHECK_CONTAINS(log, "steps: stat /tmp mode=1770");
	CHECK_CONTAINS(log, "steps: statfs /tmp bytes=2097152");
	CHECK_CONTAINS(log, "steps: stat /dev/null mode=666");
	CHECK_CONTAINS(log, "steps: mount tmpfs /dev tmpfs rw,nosuid,size=65536k,mode=755");
	CHECK_CONTAINS(log, "steps: mount devpts /dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666");
	CHECK_CONTAINS(log, "steps: mount mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec");
	/* lupine-general has no cgroups: said (on the console, which lupine-runc
	 * keeps apart from the container's streams), not silently skipped */
	char *clog_path = xasprintf("%s/vm1/console.log", state), *clog = file_read(clog_path, NULL);
	CHECK_CONTAINS(clog, "no cgroup2 on '/sys/fs/cgroup': this kernel leaves it out (CONFIG_CGROUPS)");
	CHECK_NOT_CONTAINS(log, "no cgroup2 on");
	free(clog);
	free(clog_path);
	CHECK_CONTAINS(log, "steps: cat /etc/resolv.conf=<nameserver 192.0.2.53\n>");
	CHECK_CONTAINS(log, "steps: write /etc/resolv.conf: Read-only file system");
	CHECK_CONTAINS(log, "steps: write /vol/from-guest: ok");
	CHECK_CONTAINS(log, "steps: cat /ro/r=<r\n>");
	CHECK_CONTAINS(log, "steps: write /ro/y: Read-only file system");
	CHECK_CONTAINS(log, "steps: cat /dev/termination-log=<r\n>");
	text = file_read(seen, NULL);
	CHECK(text && !strcmp(text, "guest"));
	free(rfile);
	rfile = xasprintf("%s/ro/y", t);
	CHECK_INT(path_exists(rfile), 0); /* QEMU's readonly=on refused it too */
	CHECK_INT(runc(NULL, del), 0);
	free(text), free(log), free(num), free(pidf), free(seen), free(resolv), free(rfile), free(ro), free(vol);
	free(bundle), free(state), free(out), free(json), free(cfg), free(steps), free(rootbin);
}

/* lupine run -v: the guest's write reaches the host while it runs, and the
 * host's later changes reach the guest: a new file, and a configMap-style
 * swap of a symlink (the kubelet's ..data) to a new directory. */
static void test_run_live(void)
{
	const char *t = test_tmpdir();
	char *b = steps_bundle(), *dir = xasprintf("%s/share", t), *v1 = xasprintf("%s/share/..v1", t);
	char *v2 = xasprintf("%s/share/..v2", t), *data = xasprintf("%s/share/..data", t);
	char *tmp = xasprintf("%s/share/..data_tmp", t), *key = xasprintf("%s/share/key", t);
	char *k1 = xasprintf("%s/key", v1), *k2 = xasprintf("%s/key", v2), *g = xasprintf("%s/from-guest", dir);
	char *h = xasprintf("%s/from-host", dir), *vspec = xasprintf("%s:/cfg", dir), *text;
	char *file = xasprintf("%s/file", t), *fspec = xasprintf("%s:/etc/link:ro", file);
	/* the file lands where the image's symlink leads, made as the container sees it */
	char *const args[] = {"run", b, "-v", vspec, "-v", fspec, "--timeout", "150", "--", "cat:/run/x/target",
			      "write:/etc/link:x", "cat:/cfg/key", "write:/cfg/from-guest:guest",
			      "waitfor:/cfg/from-host", "cat:/cfg/from-host", "cat:/cfg/key", NULL};
	struct bg run;

	CHECK_INT(mkdir_p(v1, 0755) | mkdir_p(v2, 0755), 0);
	CHECK_INT(file_write_atomic(k1, "one", 3, 0644) | file_write_atomic(k2, "two", 3, 0644), 0);
	CHECK_INT(symlink("..v1", data) | symlink("..data/key", key), 0);
	CHECK_INT(file_write_atomic(file, "bound", 5, 0600), 0);
	run = bg_lupine(args, NULL);
	CHECK(wait_log(&run, "steps: write /cfg/from-guest: ok", 120));
	text = file_read(g, NULL);
	CHECK(text && !strcmp(text, "guest"));
	free(text);
	/* the kubelet's update: a new link renamed over ..data, atomically */
	CHECK_INT(symlink("..v2", tmp) | rename(tmp, data), 0);
	CHECK_INT(file_write_atomic(h, "host", 4, 0644), 0);
	CHECK_INT(wait_bg(&run, 120), 0);
	text = file_read(run.log, NULL);
	CHECK_CONTAINS(text, "steps: cat /run/x/target=<bound>");
	CHECK_CONTAINS(text, "steps: write /etc/link: Read-only file system");
	CHECK_CONTAINS(text, "steps: cat /cfg/key=<one>");
	CHECK_CONTAINS(text, "steps: cat /cfg/from-host=<host>");
	CHECK_CONTAINS(text, "steps: cat /cfg/key=<two>");
	/* one before the host's change, two after it */
	CHECK(text && strstr(text, "<one>") < strstr(text, "from-guest: ok") &&
	      strstr(text, "<host>") < strstr(text, "<two>"));
	free(text), free(run.log);
	free(b), free(dir), free(v1), free(v2), free(data), free(tmp), free(key), free(k1), free(k2), free(g);
	free(h), free(vspec), free(file), free(fspec);
}

/* The VMM's side, no boot: QEMU's 9p devices, Firecracker's and microvm's limits. */
static void test_vmm_shares(void)
{
	const char *t = test_tmpdir();
	char *b = steps_bundle(), *d = xasprintf("%s/a,b", t), *rw = xasprintf("%s:/x", d), *ro = xasprintf("%s:/y:ro", d);
	char *const qemu[] = {"run", b, "-v", rw, "-v", ro, "--dry-run", NULL};
	char *const fc[] = {"run", b, "--vmm", "firecracker", "-v", rw, "--dry-run", NULL};
	char *many[40] = {"run", b, "--dry-run"};
	struct cmd_out o;
	int n = 3;

	CHECK_INT(mkdir_p(d, 0755), 0);
	o = run_lupine(qemu);
	CHECK_INT(o.status, 0);
	/* a comma in the path is doubled, as QEMU's option syntax needs */
	CHECK_CONTAINS(o.out, "-fsdev local,id=fs0,path=");
	CHECK_CONTAINS(o.out, "/a,,b,security_model=passthrough,multidevs=remap -device virtio-9p-device,fsdev=fs0,"
			      "mount_tag=lupine0");
	CHECK_CONTAINS(o.out, "multidevs=remap,readonly=on -device virtio-9p-device,fsdev=fs1,mount_tag=lupine1");
	cmd_out_free(&o);
	o = run_lupine(fc);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "Firecracker has no virtio-9p");
	cmd_out_free(&o);
	for (int i = 0; i < 9; i++)
		many[n++] = "-v", many[n++] = rw;
	many[n] = NULL;
	o = run_lupine(many);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "9 host directories to share");
	CHECK(o.err && strchr(o.err, '\n') == o.err + strlen(o.err) - 1); /* one line */
	cmd_out_free(&o);
	free(b), free(d), free(rw), free(ro);
}

/* A kernel without 9p (redis's manifest kernel): the run stops, naming the option. */
static void test_no_9p(void)
{
	char *b = steps_bundle_on("redis"), *v = xasprintf("%s:/data", test_tmpdir());
	char *const args[] = {"run", b, "-v", v, "--", "stat:/data", NULL};
	struct cmd_out o = run_lupine(args);

	CHECK_INT(o.status, 127);
	CHECK_CONTAINS(o.err, "cannot mount the host directory on '/data': this kernel has no 9p (CONFIG_9P_FS)");
	CHECK_NOT_CONTAINS(o.out, "steps: stat");
	cmd_out_free(&o);
	free(b), free(v);
}

const struct test volumes_vm_tests[] = {
	{"volumes/no-9p-kernel", test_no_9p, 1},
	{"volumes/vmm-shares", test_vmm_shares, 1},
	{"volumes/runc-mounts", test_runc_mounts, 1},
	{"volumes/run-live", test_run_live, 1},
	{0},
};
