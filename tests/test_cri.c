/* test_cri.c: pods through containerd's CRI plugin as the kubelet makes
 * them, with build/crictl-lite (tests/cri/): the sandbox with a CNI bridge
 * address, an application container started, its CRI log, exec, a graceful
 * stop, removal. Handler runc (Debian's runc) proves the client and the
 * environment; handler lupine runs the sandbox natively (no VM) and the
 * application as a microVM. */
#include "cripod.h"
#include "lib/util.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ExecSync: the command's stdout, stderr and exit status come back apart. */
static void check_exec(struct crienv *e, const char *cid)
{
	struct cmd_out o = cri(e, "exec", (char *)cid, "--", "/bin/probe", "show", NULL);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: FOO=<hello>");
	cmd_out_free(&o);
	o = cri(e, "exec", (char *)cid, "--", "/bin/probe", "exit", "3", NULL);
	CHECK_INT(o.status, 3);
	cmd_out_free(&o);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* ExecSync in more ways: stderr apart from stdout, a death by signal
 * (128+N), a command that is not there (the call fails), every byte value
 * (the image's log-data file through `probe dump`, compared with cmp), and
 * the latency: the median of 9 calls of a command that exits at once
 * (crictl-lite's own start and gRPC included). */
static void check_exec_more(struct crienv *e, const char *cid, const char *handler)
{
	struct cmd_out o = cri(e, "exec", (char *)cid, "--", "/bin/probe", "nosuch", NULL);
	CHECK_INT(o.status, 2);
	CHECK(o.out && !*o.out);
	CHECK(o.err && !strcmp(o.err, "probe: unknown mode 'nosuch'\n"));
	cmd_out_free(&o);
	o = cri(e, "exec", (char *)cid, "--", "/bin/probe", "kill", "9", NULL);
	CHECK_INT(o.status, 137);
	cmd_out_free(&o);
	o = cri(e, "exec", (char *)cid, "--", "/bin/no-such-command", NULL);
	CHECK(o.status != 0);
	CHECK_CONTAINS(o.err, "ExecSync");
	cmd_out_free(&o);
	size_t n;
	char *data = crienv_log_data(&n), *want = xasprintf("%s/log-data", e->dir);
	CHECK_INT(file_write_atomic(want, data, n, 0644), 0);
	CHECK_INT(crienv_sh(e, "build/crictl-lite -r %s exec %s -- /bin/probe dump " CRIENV_LOG_DATA " | cmp - %s",
			    e->sock, cid, want), 0);
	free(data), free(want);
	double t[9];
	for (int i = 0; i < 9; i++) {
		o = cri(e, "exec", (char *)cid, "--", "/bin/probe", "exit", "0", NULL);
		CHECK_INT(o.status, 0);
		t[i] = o.secs;
		cmd_out_free(&o);
	}
	qsort(t, 9, sizeof(t[0]), by_value);
	printf("    %s ExecSync latency: median %.0f ms of 9 (%.0f-%.0f ms)\n", handler, t[4] * 1000, t[0] * 1000,
	       t[8] * 1000);
}

/* What kubectl exec drives beside ExecSync: the shim's exec with stdin
 * streamed, and with a terminal (its console socket), through ctr on the
 * CRI's container; script gives ctr a terminal of its own. In the guest's
 * pty, "hello" and ^D are a line (echoed) and its end. Typed 6 s in, with 15
 * s more before the input closes (which ends the exec): a CI run once saw
 * 137 with 3 and 5. */
static void check_ctr_exec(struct crienv *e, const char *cid)
{
	CHECK_INT(crienv_sh(e, "printf 'from-stdin' | ctr --address %s -n k8s.io task exec --exec-id in1 %s "
			       "/bin/probe stdin | grep -qx 'probe: stdin=<from-stdin> 10 bytes'", e->sock, cid), 0);
	CHECK_INT(crienv_sh(e, "(sleep 6; printf 'hello\\n\\004'; sleep 15) | script -qec 'ctr --address %s -n k8s.io "
			       "task exec -t --exec-id tty1 %s /bin/probe stdin' /dev/null > %s/tty.out", e->sock, cid,
			    e->dir), 0);
	char *path = xasprintf("%s/tty.out", e->dir), *text = file_read(path, NULL), *w = text;
	/* the terminals on the way (ctr's, script's) may add \r of their own: the lines matter */
	for (char *r = text; r && *r; r++)
		if (*r != '\r')
			*w++ = *r;
	if (w)
		*w = 0;
	CHECK_CONTAINS(text, "hello\nprobe: stdin=<hello\n> 6 bytes\n");
	free(path), free(text);
}

/* PullImage from the registry in the namespace: the image's digest. */
static void check_pull(struct crienv *e)
{
	CHECK_INT(crienv_registry(e), 0);
	char *ref = pod_line((struct cmd_out[]){cri(e, "pull", CRIENV_PULLED, NULL)}, "PullImage");
	CHECK(!strncmp(ref, "sha256:", 7));
	free(ref);
}

/* The runc handler: every call of the client against the real thing, the
 * application's image pulled. */
static void test_runc_pod(void)
{
	struct crienv e;
	struct pod p = {.handler = "runc", .name = "runc-pod", .image = CRIENV_PULLED};
	if (crienv_start(&e) == 0) {
		check_pull(&e);
		p.logdir = xasprintf("%s/logs/%s", e.dir, p.name);
		if (pod_up(&e, &p, 30) == 0) {
			printf("    runc pod: RunPodSandbox to the application's first log line %.2f s, pod IP %s\n",
			       p.start_secs, p.ip);
			/* the pod's veth is on the bridge in the test's namespace */
			CHECK_INT(crienv_sh(&e, "ip link show master lupcni0 | grep -q veth"), 0);
			check_exec(&e, p.cid);
			check_exec_more(&e, p.cid, "runc");
			pod_lifecycle(&e, &p, 0);
		}
		pod_down(&e, &p);
	}
	crienv_stop(&e);
	pod_release(&p);
}

/* The pid of a container's monitor as its lupine-runc record holds it; 0
 * when there is no record. */
static int monitor_of(const char *id)
{
	char *path = xasprintf("/run/containerd/runc/k8s.io/%s/state.json", id);
	json_t *j = json_load_file(path, 0, NULL);
	int pid = (int)json_integer_value(json_object_get(j, "pid"));
	json_decref(j);
	free(path);
	return pid;
}

/* The monitor's QEMU child (the container's VM): its pid, or 0. (QEMU's own
 * command line names the sandbox's shm directory, not the container.) */
static int vm_of(int monitor)
{
	char *cmd = xasprintf("pgrep -P %d '^qemu-system'", monitor);
	char *argv[] = {"sh", "-c", cmd, NULL};
	struct cmd_out o = monitor > 0 ? run_capture(argv, NULL) : (struct cmd_out){0};
	int pid = o.status == 0 && o.out ? atoi(o.out) : 0;
	cmd_out_free(&o);
	free(cmd);
	return pid;
}

static int has_vm(int monitor)
{
	return vm_of(monitor) > 0;
}

/* What the sandbox costs beside the application's monitor (QEMU apart). */
static void print_rss(int holder, int app)
{
	char *a = xasprintf("/proc/%d/status", holder), *b = xasprintf("/proc/%d/status", app);
	char *ta = file_read(a, NULL), *tb = file_read(b, NULL);
	char *ra = ta ? strstr(ta, "VmRSS:") : NULL, *rb = tb ? strstr(tb, "VmRSS:") : NULL;
	printf("    the sandbox's holder: VmRSS %ld kB (the application's monitor: %ld kB)\n", ra ? atol(ra + 6) : -1L,
	       rb ? atol(rb + 6) : -1L);
	free(a), free(b), free(ta), free(tb);
}

/* A container's org.lupine.* annotations reach lupine-runc (the runtime's
 * container_annotations let them through): a bad one is its refusal, at
 * StartContainer (CreateContainer runs no runtime). */
static void check_annotations(struct crienv *e, struct pod *p)
{
	char *pod = xasprintf("--pod=%s", p->name), *logdir = xasprintf("--logdir=%s", p->logdir);
	char *cid = pod_line((struct cmd_out[]){cri(e, pod, logdir, "--name=annotated", "--image=" CRIENV_APP,
						      "--ann=org.lupine.ports=80x", "create", p->id, "--",
						      "/bin/probe", NULL)}, "CreateContainer");
	struct cmd_out o = cri(e, "start", cid, NULL);
	CHECK(o.status != 0);
	CHECK_CONTAINS(o.err, "annotation org.lupine.ports '80x'");
	cmd_out_free(&o);
	free(pod_line((struct cmd_out[]){cri(e, "rm", cid, NULL)}, "RemoveContainer"));
	free(pod), free(logdir), free(cid);
}

/* The lupine handler: the sandbox is a native holder (no VM, no vm/ bundle),
 * the application a microVM in the pod. */
static void test_lupine_pod(void)
{
	struct crienv e;
	struct pod p = {.handler = "lupine", .name = "lupine-pod"};
	int holder = 0, app = 0;
	char *cid = NULL;
	if (crienv_start(&e) == 0) {
		p.logdir = xasprintf("%s/logs/%s", e.dir, p.name);
		int up = pod_up(&e, &p, 240);
		cid = xstrdup(p.cid ? p.cid : "");
		if (up == 0) {
			printf("    lupine pod: RunPodSandbox to the application's first log line %.2f s, pod IP %s\n",
			       p.start_secs, p.ip);
			/* the sandbox: a record with a live monitor, no VM bundle, no QEMU */
			char *vm = xasprintf("/run/containerd/runc/k8s.io/%s/vm", p.id);
			CHECK(!path_exists(vm));
			holder = monitor_of(p.id), app = monitor_of(p.cid);
			CHECK(holder > 0 && kill(holder, 0) == 0);
			CHECK(!has_vm(holder));
			print_rss(holder, app);
			CHECK(has_vm(app));
			free(vm);
			/* exec into the VM (lupine-runc exec through the shim), as runc's */
			check_exec(&e, p.cid);
			check_exec_more(&e, p.cid, "lupine");
			check_ctr_exec(&e, p.cid);
			/* the rest one after another, the pod's application ended first (oci/pod.h) */
			pod_app_down(&e, &p);
			pod_lifecycle(&e, &p, 1);
			check_annotations(&e, &p);
		}
		pod_down(&e, &p);
		/* no record, monitor, QEMU or host cgroup left of either */
		CHECK(!monitor_of(p.id) && !monitor_of(cid));
		CHECK(holder <= 0 || kill(holder, 0) != 0);
		CHECK(app <= 0 || kill(app, 0) != 0);
		int v2 = path_exists("/sys/fs/cgroup/cgroup.controllers");
		for (int i = 0; i < 2; i++) {
			char *cg = xasprintf("/sys/fs/cgroup/%sk8s.io/%s", v2 ? "" : "memory/", i ? cid : p.id);
			CHECK(!path_exists(cg));
			free(cg);
		}
	}
	crienv_stop(&e);
	pod_release(&p);
	free(cid);
}

/* A second application container while the first owns the pod's interface:
 * CreateContainer succeeds (no runtime runs), StartContainer fails with
 * lupine-runc's reason (oci/pod.h), and nothing of it runs. Its id, for
 * the caller to remove (caller frees). */
static char *second_container(struct crienv *e, struct pod *p)
{
	char *pod = xasprintf("--pod=%s", p->name), *logdir = xasprintf("--logdir=%s", p->logdir);
	char *cid = pod_line((struct cmd_out[]){cri(e, pod, logdir, "--name=second", "--log=second.log",
						      "--image=" CRIENV_APP, "create", p->id, "--", "/bin/probe",
						      "serve", "7778", NULL)}, "CreateContainer");
	struct cmd_out o = cri(e, "start", cid, NULL);
	CHECK(o.status != 0);
	CHECK_CONTAINS(o.err, "already runs application container");
	CHECK_CONTAINS(o.err, "one application container per pod at a time");
	printf("    second container in the pod: StartContainer refused: %.*s\n", (int)strcspn(o.err, "\n"), o.err);
	cmd_out_free(&o);
	o = cri(e, "inspect", cid, NULL);
	CHECK_NOT_CONTAINS(o.out, "state=CONTAINER_RUNNING");
	CHECK(!monitor_of(cid));
	cmd_out_free(&o);
	free(pod), free(logdir);
	return cid;
}

/* 1 once the probe's server at ip:port sends the 5 bytes asked of it, from
 * the node's namespace (the test's). */
static int answers(struct crienv *e, const char *ip, const char *port, double secs)
{
	for (double end = pod_now() + secs; pod_now() < end; usleep(200000))
		if (crienv_sh(e, "printf 'down 5\\n' | nc -w 3 %s %s | wc -c | grep -qx 5", ip, port) == 0)
			return 1;
	return 0;
}

/* The application owns the pod's IP (the CNI veth taken over): the probe's
 * server answers on it from the node's namespace; a second application
 * container in the pod is refused while it runs; the server told to quit
 * ends Completed, and a third takes the pod's IP over again (and is left
 * running for the pod's removal to end). */
static void test_lupine_pod_ip(void)
{
	struct crienv e;
	struct pod p = {.handler = "lupine", .name = "ip-pod", .mode = "serve", .port = "7777",
			.ready = " stdout F probe: serving on 7777\n"};
	char *second = NULL, *third = NULL;
	if (crienv_start(&e) == 0) {
		p.logdir = xasprintf("%s/logs/%s", e.dir, p.name);
		double t0 = pod_now();
		if (pod_up(&e, &p, 240) == 0) {
			CHECK(answers(&e, p.ip, "7777", 60));
			printf("    lupine pod: RunPodSandbox to the application answering on the pod IP %s: %.2f s\n", p.ip,
			       pod_now() - t0);
			char *log = xasprintf("%s/app.log", p.logdir), *text = file_read(log, NULL);
			char *want = xasprintf("stdout F probe: eth0 ip=%s\n", p.ip);
			CHECK_CONTAINS(text, want);
			second = second_container(&e, &p);
			if (*second)
				free(pod_line((struct cmd_out[]){cri(&e, "rm", second, NULL)}, "RemoveContainer"));
			CHECK_INT(crienv_sh(&e, "printf 'quit\\n' | nc -w 3 %s 7777 >/dev/null", p.ip), 0);
			CHECK(pod_wait_status(&e, p.cid, "state=CONTAINER_EXITED exit=0 reason=Completed", 30));
			free(pod_line((struct cmd_out[]){cri(&e, "rm", p.cid, NULL)}, "RemoveContainer"));
			/* the interface given back: the next application takes the pod's IP again */
			third = pod_ctr_start(&e, &p, "third", NULL, "/bin/probe", "serve", "7779", NULL);
			CHECK(answers(&e, p.ip, "7779", 60));
			free(log), free(text), free(want);
		}
		/* the pod stopped and removed with the third application still running */
		int mon = third ? monitor_of(third) : 0, qemu = vm_of(mon);
		CHECK(!third || qemu > 0);
		pod_remove(&e, &p);
		CHECK(!third || !monitor_of(third));
		CHECK(mon <= 0 || kill(mon, 0) != 0);
		CHECK(qemu <= 0 || kill(qemu, 0) != 0);
		free(second), free(third);
	}
	crienv_stop(&e);
	pod_release(&p);
}

const struct test cri_tests[] = {
	{"cri/runc-pod", test_runc_pod, 1},
	{"cri/lupine-pod", test_lupine_pod, 1},
	{"cri/lupine-pod-ip", test_lupine_pod_ip, 1},
	{0, 0, 0},
};
