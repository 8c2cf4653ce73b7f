/* test_docker.c: Debian's Docker (docker.io 20.10) runs lupine-runc: a
 * dockerd of the test's own (data-root, exec-root, pid file, socket under
 * the test dir, `--add-runtime lupine=...`, its managed containerd) inside a
 * network namespace the test makes, entered with nsenter (ip netns exec
 * would remount /sys, and dockerd would find no cgroups); a docker-save
 * image of the probe loaded; `docker run --runtime lupine` with no network
 * and with Docker's bridge, whose prestart hook (libnetwork-setkey) needs
 * the monitor's network namespace, and -p reaching the VM, which took the
 * container's veth over; -m and --pids-limit on the host cgroup;
 * docker rm -f. Everything is torn down at the end. */
#include "harness.h"
#include "imagekit.h"
#include "lib/util.h"
#include "oci/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define DOCKER "/usr/bin/docker" /* Debian's client, matching its dockerd's API */

struct dk {
	char *dir, *netns, *sock, *host, *cgparent, *log;
	pid_t pid;
};

static struct cmd_out docker(struct dk *d, ...)
{
	char *argv[40] = {DOCKER, "-H", d->host};
	int k = 3;
	va_list ap;
	va_start(ap, d);
	for (char *a; k < 39 && (a = va_arg(ap, char *));)
		argv[k++] = a;
	va_end(ap);
	argv[k] = NULL;
	return run_capture(argv, NULL);
}

/* The namespace, then dockerd in it; 0 once `docker info` answers. */
static int dk_start(struct dk *d)
{
	char cwd[4096];
	char *runc = xasprintf("%s-runc", lupine_bin()), *abs = runc[0] == '/' ? xstrdup(runc) :
		xasprintf("%s/%s", getcwd(cwd, sizeof(cwd)) ? cwd : ".", runc); /* not realpath: a symlink named lupine-runc */
	char *rt = xasprintf("lupine=%s", abs), *data = xasprintf("%s/data", d->dir);
	char *exec = xasprintf("%s/x", d->dir), *pidf = xasprintf("%s/docker.pid", d->dir);
	char *netarg = xasprintf("--net=/run/netns/%s", d->netns);
	char *const argv[] = {"nsenter", netarg, "dockerd", "--data-root", data, "--exec-root", exec, "--pidfile", pidf,
			      "-H", d->host, "--add-runtime", rt, "--storage-driver", "vfs", "--cgroup-parent",
			      d->cgparent, NULL};
	struct proc_opts o = PROC_OPTS_INIT;
	int r = -1;

	if (test_sh("ip netns add %s && ip -n %s link set lo up", d->netns, d->netns) != 0)
		goto out;
	o.out = o.err = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	o.in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	o.death_signal = SIGTERM; /* a test killed midway still stops its dockerd */
	d->pid = proc_spawn(argv, &o);
	close(o.out), close(o.in);
	for (int i = 0; i < 120 && d->pid > 0 && r < 0; i++) {
		struct cmd_out info = docker(d, "info", "--format", "{{.ServerVersion}}", NULL);
		r = info.status == 0 ? 0 : -1;
		cmd_out_free(&info);
		if (r < 0)
			usleep(500000);
	}
out:
	free(runc), free(abs), free(rt), free(data), free(exec), free(pidf), free(netarg);
	return r;
}

/* The managed containerd, had dockerd left it: by its pid file, checked to be ours. */
static void stop_containerd(struct dk *d)
{
	char *pidf = xasprintf("%s/x/containerd/containerd.pid", d->dir), *num = file_read(pidf, NULL);
	char *cmdp = xasprintf("/proc/%d/cmdline", num ? atoi(num) : 0);
	size_t n = 0;
	char *cmd = num && atoi(num) > 0 ? file_read(cmdp, &n) : NULL;
	struct proc_stat ps;

	for (size_t i = 0; cmd && i + 1 < n; i++)
		cmd[i] = cmd[i] ? cmd[i] : ' ';
	if (cmd && strstr(cmd, d->dir) && proc_stat_read(atoi(num), &ps) == 0) {
		proc_signal(atoi(num), ps.start_time, SIGTERM);
		for (int i = 0; i < 100 && proc_stat_read(atoi(num), &ps) == 0 && ps.state != 'Z'; i++)
			usleep(100000);
	}
	free(pidf), free(num), free(cmdp), free(cmd);
}

/* dockerd stopped (it stops its containerd), what it left mounted under the
 * test dir unmounted, the namespace and the cgroup parent removed. */
static void dk_stop(struct dk *d)
{
	struct strbuf ignored = {0};
	int st;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		for (int i = 0; i < 300 && proc_poll(d->pid, &st) == 0; i++)
			usleep(100000);
		if (proc_poll(d->pid, &st) == 0) {
			kill(d->pid, SIGKILL);
			proc_wait(d->pid);
		}
	}
	stop_containerd(d);
	test_sh("grep -o ' %s/[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null", d->dir);
	test_sh("ip netns del %s 2>/dev/null", d->netns);
	oci_cgroup_remove(d->cgparent, &ignored);
	sb_release(&ignored);
}

/* The probe tree as a docker-save archive, loaded as lupine-probe:dk. */
static int dk_load(struct dk *d)
{
	char *tree = probe_tree(), *layer = kit_layer_tree(d->dir, "probe-layer.tar", tree);
	char *tar = xasprintf("%s/probe.tar", d->dir);
	const char *layers[] = {layer};
	struct kit_image img = {.layers = layers, .nlayers = 1, .config_json = "{\"Cmd\":[\"/bin/probe\"]}",
				.tag = "lupine-probe:dk"};
	int r = kit_docker_archive(tar, &img);

	if (r == 0) {
		struct cmd_out o = docker(d, "load", "-i", tar, NULL);
		r = o.status;
		if (r)
			fprintf(stderr, "    docker load: %s%s\n", o.out, o.err);
		cmd_out_free(&o);
	}
	free(tree), free(layer), free(tar);
	return r;
}

static void report(const char *what, struct cmd_out *o, struct dk *d)
{
	char *log = file_read(d->log, NULL);
	fprintf(stderr, "    %s: status %d\n    stdout: %s\n    stderr: %s\n", what, o->status, o->out, o->err);
	if (log && strlen(log) > 3000)
		fprintf(stderr, "    dockerd log (end): %s\n", log + strlen(log) - 3000);
	free(log);
}

/* A cgroup file of the container's, v1 or v2 (caller frees; "" when absent). */
static char *cg_read(struct dk *d, const char *ctrl, const char *id, const char *file)
{
	int v2 = path_exists("/sys/fs/cgroup/cgroup.controllers");
	char *p = xasprintf("/sys/fs/cgroup/%s%s/%s/%s", v2 ? "" : ctrl, d->cgparent, id, file);
	char *t = file_read(p, NULL);
	free(p);
	return t ? t : xstrdup("");
}

/* docker run -d -m 128m --pids-limit 50: the limits on the host's cgroup
 * (the guest's RAM plus QEMU's headroom), docker logs, then docker rm -f
 * leaving no QEMU and no cgroup. */
static void limits_and_rm(struct dk *d)
{
	int v2 = path_exists("/sys/fs/cgroup/cgroup.controllers");
	struct cmd_out o = docker(d, "run", "-d", "--runtime", "lupine", "--network", "none", "-m", "128m",
				  "--pids-limit", "50", "lupine-probe:dk", "/bin/probe", "wait", NULL);
	char *id = xstrdup(str_trim(o.out ? o.out : "")), num[32], *t = NULL;
	int up = 0;

	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	for (int i = 0; i < 300 && !up && *id; i++) {
		o = docker(d, "logs", id, NULL);
		up = o.out && strstr(o.out, "probe: waiting");
		cmd_out_free(&o);
		if (!up)
			usleep(200000);
	}
	CHECK(up);
	snprintf(num, sizeof(num), "%lld\n", (128LL + OCI_VMM_HEADROOM_MIB) << 20);
	CHECK_CONTAINS((t = cg_read(d, "memory", id, v2 ? "memory.max" : "memory.limit_in_bytes")), num);
	free(t);
	CHECK_CONTAINS((t = cg_read(d, "pids", id, "pids.max")), "50\n");
	free(t);
	t = cg_read(d, "memory", id, "cgroup.procs");
	CHECK(strchr(t, '\n') != strrchr(t, '\n')); /* the monitor and its QEMU at least */
	free(t);
	o = docker(d, "rm", "-f", id, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	char *dir = xasprintf("/sys/fs/cgroup/%s%s/%s", v2 ? "" : "memory", d->cgparent, id);
	CHECK(!path_exists(dir));
	/* [c]: the pattern must not match the shell running pgrep */
	CHECK(*id && test_sh("sleep 1; pgrep -f '[%c]%s/vm' >/dev/null", id[0], id + 1) != 0);
	free(dir), free(id);
}

/* docker run -p: Docker's NAT and docker-proxy to the container's address
 * reach the application in the VM, which took over the container's veth
 * (vm/net.h); and the address itself from dockerd's namespace, as another
 * container on the bridge would. */
static void publish(struct dk *d)
{
	struct cmd_out o = docker(d, "run", "-d", "--runtime", "lupine", "-p", "127.0.0.1:18080:7777", "lupine-probe:dk",
				  "/bin/probe", "serve", "7777", NULL);
	char *id = xstrdup(str_trim(o.out ? o.out : "")), *ip;

	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	o = docker(d, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", id, NULL);
	ip = xstrdup(str_trim(o.out ? o.out : ""));
	cmd_out_free(&o);
	CHECK(*ip);
	/* first the address (connecting is retried until the VM answers; docker-proxy would accept at once) */
	CHECK_INT(probe_talk(d->netns, ip, 7777, "down 1000", 0), 1000);
	CHECK_INT(probe_talk(d->netns, "127.0.0.1", 18080, "down 1000", 0), 1000);
	o = docker(d, "logs", id, NULL);
	char *want = xasprintf("probe: eth0 ip=%s", ip);
	CHECK_CONTAINS(o.out, want);
	cmd_out_free(&o);
	CHECK_INT(probe_talk(d->netns, ip, 7777, "quit", 0), 0);
	o = docker(d, "rm", "-f", id, NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	free(want), free(ip), free(id);
}

static void test_docker_run(void)
{
	struct dk d = {0};

	if (!path_exists("/usr/sbin/dockerd") || !path_exists(DOCKER)) {
		test_skip("Debian's docker.io is not installed (scripts/setup.sh installs it)");
		return;
	}
	d.dir = xstrdup(test_tmpdir());
	d.netns = xasprintf("lupine-dk-%d", (int)getpid());
	d.sock = xasprintf("%s/docker.sock", d.dir);
	d.host = xasprintf("unix://%s", d.sock);
	d.cgparent = xasprintf("/lupine-dk-%d", (int)getpid());
	d.log = xasprintf("%s/dockerd.log", d.dir);
	int up = dk_start(&d);
	CHECK_INT(up, 0);
	if (up == 0 && dk_load(&d) == 0) {
		struct cmd_out o = docker(&d, "run", "--rm", "--runtime", "lupine", "--network", "none", "lupine-probe:dk",
					  "/bin/probe", "show", "from docker", NULL);
		CHECK_INT(o.status, 0);
		CHECK_CONTAINS(o.out, "probe: argv[2]=<from docker>");
		if (o.status)
			report("run --network none", &o, &d);
		cmd_out_free(&o);
		o = docker(&d, "run", "--rm", "--runtime", "lupine", "--network", "none", "lupine-probe:dk", "/bin/probe",
			   "exit", "7", NULL);
		CHECK_INT(o.status, 7);
		cmd_out_free(&o);
		/* Docker's bridge: its prestart hook gives the monitor's namespace a veth */
		o = docker(&d, "run", "--rm", "--runtime", "lupine", "lupine-probe:dk", "/bin/probe", "show", "bridged",
			   NULL);
		CHECK_INT(o.status, 0);
		CHECK_CONTAINS(o.out, "probe: argv[2]=<bridged>");
		if (o.status)
			report("run on the bridge", &o, &d);
		cmd_out_free(&o);
		publish(&d);
		limits_and_rm(&d);
		o = docker(&d, "ps", "-aq", NULL);
		CHECK(o.out && !*o.out); /* --rm removed them all */
		cmd_out_free(&o);
	}
	dk_stop(&d);
	CHECK(test_sh("ip netns list | grep -q '^%s'", d.netns) != 0);
	/* [d], [x]: the patterns must not match the shell that runs pgrep */
	CHECK(test_sh("pgrep -f '[d]ockerd --data-root %s/' >/dev/null", d.dir) != 0);
	CHECK(test_sh("pgrep -f '%s/[x]/' >/dev/null", d.dir) != 0); /* no containerd, no shim */
	CHECK(test_sh("grep -q ' %s/' /proc/self/mountinfo", d.dir) != 0);
	free(d.dir), free(d.netns), free(d.sock), free(d.host), free(d.cgparent), free(d.log);
}

const struct test docker_tests[] = {
	{"docker/run", test_docker_run, 1},
	{0, 0, 0},
};
