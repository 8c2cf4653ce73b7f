/* cripod.c: a pod through the CRI as the kubelet makes one (cripod.h). */
#include "cripod.h"
#include "lib/util.h"
#include "oci/cgroup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double pod_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* The first line of a call's stdout (caller frees), "" on failure with the
 * call's stderr reported. */
char *pod_line(struct cmd_out *o, const char *what)
{
	if (o->status != 0)
		check_fail(__FILE__, __LINE__, "%s: status %d: %s", what, o->status, o->err ? o->err : "");
	char *s = xstrdup(o->status == 0 && o->out ? o->out : "");
	s[strcspn(s, "\n")] = 0;
	cmd_out_free(o);
	return s;
}

/* Polls ContainerStatus until its line has want; 1 when it did. */
int pod_wait_status(struct crienv *e, const char *cid, const char *want, double secs)
{
	for (double end = pod_now() + secs; pod_now() < end; usleep(100000)) {
		struct cmd_out o = cri(e, "inspect", cid, NULL);
		int ok = o.status == 0 && o.out && strstr(o.out, want);
		cmd_out_free(&o);
		if (ok)
			return 1;
	}
	return 0;
}

int pod_log_has(const char *path, const char *want, double secs)
{
	for (double end = pod_now() + secs; pod_now() < end; usleep(100000)) {
		char *t = file_read(path, NULL);
		int ok = t && strstr(t, want);
		free(t);
		if (ok)
			return 1;
	}
	return 0;
}

/* RunPodSandbox, PodSandboxStatus, CreateContainer, StartContainer: the
 * probe waiting for SIGTERM in the pod; 0 once its log says so. */
int pod_up(struct crienv *e, struct pod *p, double boot_secs)
{
	char *handler = xasprintf("--handler=%s", p->handler), *pod = xasprintf("--pod=%s", p->name);
	char *logdir = xasprintf("--logdir=%s", p->logdir), *log = xasprintf("%s/app.log", p->logdir);
	char *image = xasprintf("--image=%s", p->image ? p->image : CRIENV_APP);
	double t0 = pod_now();
	int r = -1;

	p->id = pod_line((struct cmd_out[]){cri(e, handler, pod, logdir, "runp", NULL)}, "RunPodSandbox");
	if (!*p->id)
		goto out;
	char *st = pod_line((struct cmd_out[]){cri(e, "inspectp", p->id, NULL)}, "PodSandboxStatus");
	CHECK_CONTAINS(st, "state=SANDBOX_READY ip=10.201.7.");
	char *ip = strstr(st, "ip=");
	p->ip = xstrndup(ip ? ip + 3 : "", ip ? strcspn(ip + 3, " ") : 0);
	free(st);
	p->cid = pod_line((struct cmd_out[]){cri(e, pod, logdir, image, "--log=app.log",
						   "--env=FOO=hello", "create", p->id, "--", "/bin/probe",
						   p->mode ? p->mode : "trap", p->port, NULL)}, "CreateContainer");
	if (!*p->cid)
		goto out;
	free(pod_line((struct cmd_out[]){cri(e, "start", p->cid, NULL)}, "StartContainer"));
	CHECK(pod_wait_status(e, p->cid, "state=CONTAINER_RUNNING", boot_secs));
	if (pod_log_has(log, p->ready ? p->ready : " stdout F probe: waiting\n", boot_secs)) {
		p->start_secs = pod_now() - t0;
		r = 0;
	}
	CHECK_INT(r, 0);
out:
	free(handler), free(pod), free(logdir), free(log), free(image);
	return r;
}

/* ReopenContainerLog after a rotation, StopContainer (the probe's SIGTERM
 * handler says so in the new log and exits 0), RemoveContainer: the pod
 * then has no application container running (p->cid becomes ""). */
void pod_app_down(struct crienv *e, struct pod *p)
{
	char *log = xasprintf("%s/app.log", p->logdir), *rotated = xasprintf("%s.1", log);
	if (p->cid && *p->cid) {
		/* rotated as the kubelet does: what comes after the reopen is in a new file */
		CHECK_INT(rename(log, rotated), 0);
		free(pod_line((struct cmd_out[]){cri(e, "reopen", p->cid, NULL)}, "ReopenContainerLog"));
		CHECK(path_exists(log));
		free(pod_line((struct cmd_out[]){cri(e, "--timeout=10", "stop", p->cid, NULL)}, "StopContainer"));
		CHECK(pod_wait_status(e, p->cid, "state=CONTAINER_EXITED exit=0 reason=Completed", 5));
		CHECK(pod_log_has(log, " stdout F probe: got SIGTERM\n", 1));
		char *before = file_read(rotated, NULL);
		CHECK_CONTAINS(before, " stdout F probe: waiting\n");
		CHECK_NOT_CONTAINS(before, "SIGTERM");
		free(before);
		free(pod_line((struct cmd_out[]){cri(e, "rm", p->cid, NULL)}, "RemoveContainer"));
		*p->cid = '\0';
	}
	free(log), free(rotated);
}

/* pod_app_down, then pod_remove. */
void pod_down(struct crienv *e, struct pod *p)
{
	pod_app_down(e, p);
	pod_remove(e, p);
}

/* StopPodSandbox, RemovePodSandbox: then the pod is unknown and its shim gone. */
void pod_remove(struct crienv *e, struct pod *p)
{
	if (p->id && *p->id) {
		free(pod_line((struct cmd_out[]){cri(e, "stopp", p->id, NULL)}, "StopPodSandbox"));
		free(pod_line((struct cmd_out[]){cri(e, "rmp", p->id, NULL)}, "RemovePodSandbox"));
		struct cmd_out o = cri(e, "inspectp", p->id, NULL);
		CHECK(o.status != 0);
		CHECK_CONTAINS(o.err, "not found");
		cmd_out_free(&o);
		char *shim = xasprintf("pgrep -f -- '-i[d] %s' >/dev/null", p->id);
		CHECK(system(shim) != 0);
		free(shim);
	}
}

void pod_release(struct pod *p)
{
	free(p->logdir), free(p->id), free(p->cid), free(p->ip);
}

/* Another application container in the pod, started: its id ("" when a
 * call failed). mem: --memory=BYTES or NULL. */
char *pod_ctr_start(struct crienv *e, struct pod *p, const char *name, const char *opt, const char *a1,
		       const char *a2, const char *a3, const char *a4)
{
	char *pod = xasprintf("--pod=%s", p->name), *logdir = xasprintf("--logdir=%s", p->logdir);
	char *nm = xasprintf("--name=%s", name), *log = xasprintf("--log=%s.log", name);
	/* opt may hold two options, space-separated */
	char *o1 = xstrdup(opt ? opt : "--timeout=120"), *o2 = strchr(o1, ' ');
	if (o2)
		*o2++ = '\0';
	char *cid = pod_line((struct cmd_out[]){cri(e, pod, logdir, nm, log, "--image=" CRIENV_APP, o1,
						      o2 ? o2 : "--timeout=120", "create", p->id, "--", a1, a2, a3,
						      a4, NULL)}, "CreateContainer");
	free(o1);
	if (*cid)
		free(pod_line((struct cmd_out[]){cri(e, "start", cid, NULL)}, "StartContainer"));
	free(pod), free(logdir), free(nm), free(log);
	return cid;
}

/* The stdout a CRI log file holds: each line "TIME STREAM TAG TEXT", TAG F
 * ending the output's line and P a part of one, counted in *partial
 * (caller frees). */
static char *log_stdout(const char *path, size_t *n, int *partial)
{
	size_t len = 0;
	char *text = file_read(path, &len);
	struct strbuf b = {0};
	for (char *p = text, *end = text + (text ? len : 0); p && p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *s1 = memchr(p, ' ', (size_t)(end - p));
		nl = nl ? nl : end;
		char *s2 = s1 && s1 < nl ? memchr(s1 + 1, ' ', (size_t)(nl - s1 - 1)) : NULL;
		if (s2 && s2 + 3 <= nl && !strncmp(s1 + 1, "stdout ", 7)) {
			sb_add(&b, s2 + 3, (size_t)(nl - s2 - 3));
			if (s2[1] == 'F')
				sb_adds(&b, "\n");
			*partial += s2[1] == 'P';
		}
		p = nl + 1;
	}
	free(text);
	*n = b.len;
	return sb_detach(&b);
}

/* The application's stdout, rebuilt from its CRI log, is byte for byte what
 * it wrote (crienv_log_data: every byte value, a line split in parts). */
static void check_log_bytes(struct crienv *e, struct pod *p)
{
	char *cid = pod_ctr_start(e, p, "dump", NULL, "/bin/probe", "dump", CRIENV_LOG_DATA, NULL);
	char *log = xasprintf("%s/dump.log", p->logdir);
	size_t nwant, ngot;
	int partial = 0;
	CHECK(pod_wait_status(e, cid, "state=CONTAINER_EXITED exit=0 reason=Completed", 60));
	char *want = crienv_log_data(&nwant), *got = log_stdout(log, &ngot, &partial);
	size_t at = 0;
	while (at < nwant && at < ngot && want[at] == got[at])
		at++;
	if (nwant != ngot || at != nwant)
		check_fail(__FILE__, __LINE__, "%s: %zu bytes rebuilt, %zu written; first difference at %zu", log, ngot,
			   nwant, at);
	CHECK_INT(partial, 2); /* 40000 bytes: 16384, 16384, then the rest ends the line */
	if (*cid)
		free(pod_line((struct cmd_out[]){cri(e, "rm", cid, NULL)}, "RemoveContainer"));
	free(cid), free(log), free(want), free(got);
}

/* A configMap as the kubelet lays it out (key -> ..data/key, ..data -> a
 * timestamped directory) and updates it (a new link renamed over ..data):
 * a running application sees the new value, read through ExecSync. */
static void check_configmap_update(struct crienv *e, struct pod *p)
{
	char *dir = xasprintf("%s/cm-%s", e->dir, p->name), *v1 = xasprintf("%s/..v1", dir);
	char *v2 = xasprintf("%s/..v2", dir), *k1 = xasprintf("%s/key", v1), *k2 = xasprintf("%s/key", v2);
	char *data = xasprintf("%s/..data", dir), *tmp = xasprintf("%s/..data_tmp", dir), *key = xasprintf("%s/key", dir);
	char *opt = xasprintf("--mount=%s:/etc/cfg:ro", dir);
	CHECK_INT(mkdir_p(v1, 0755) | mkdir_p(v2, 0755), 0);
	CHECK_INT(file_write_atomic(k1, "one", 3, 0644) | file_write_atomic(k2, "two", 3, 0644), 0);
	CHECK_INT(symlink("..v1", data) | symlink("..data/key", key), 0);
	char *cid = pod_ctr_start(e, p, "cm", opt, "/bin/probe", "trap", NULL, NULL);
	CHECK(pod_wait_status(e, cid, "state=CONTAINER_RUNNING", 60));
	struct cmd_out o = cri(e, "exec", cid, "--", "/bin/probe", "cat", "/etc/cfg/key", NULL);
	CHECK_CONTAINS(o.out, "probe: /etc/cfg/key=<one>");
	cmd_out_free(&o);
	CHECK_INT(symlink("..v2", tmp) | rename(tmp, data), 0);
	o = cri(e, "exec", cid, "--", "/bin/probe", "cat", "/etc/cfg/key", NULL);
	CHECK_CONTAINS(o.out, "probe: /etc/cfg/key=<two>");
	cmd_out_free(&o);
	free(pod_line((struct cmd_out[]){cri(e, "--timeout=10", "stop", cid, NULL)}, "StopContainer"));
	CHECK(pod_wait_status(e, cid, "state=CONTAINER_EXITED exit=0 reason=Completed", 10));
	if (*cid)
		free(pod_line((struct cmd_out[]){cri(e, "rm", cid, NULL)}, "RemoveContainer"));
	free(cid), free(dir), free(v1), free(v2), free(k1), free(k2), free(data), free(tmp), free(key), free(opt);
}

/* A host directory (an emptyDir, configMap or secret is one to the CRI)
 * mounted read-only: the application reads its file and cannot write; the
 * same read-write: its write reaches the host. */
static void check_volume(struct crienv *e, struct pod *p)
{
	char *dir = xasprintf("%s/vol-%s", e->dir, p->name), *key = xasprintf("%s/key", dir);
	char *opt = xasprintf("--mount=%s:/data/cm:ro", dir), *log = xasprintf("%s/vol.log", p->logdir);
	CHECK_INT(mkdir_p(dir, 0755), 0);
	CHECK_INT(file_write_atomic(key, "value-1", 7, 0644), 0);
	char *reader = pod_ctr_start(e, p, "vol", opt, "/bin/probe", "cat", "/data/cm/key", NULL);
	CHECK(pod_wait_status(e, reader, "state=CONTAINER_EXITED exit=0 reason=Completed", 60));
	CHECK(pod_log_has(log, " stdout F probe: /data/cm/key=<value-1>\n", 1));
	char *writer = pod_ctr_start(e, p, "volw", opt, "/bin/probe", "write", "/data/cm/new", "x");
	CHECK(pod_wait_status(e, writer, "state=CONTAINER_EXITED exit=1 reason=Error", 60));
	char *created = xasprintf("%s/new", dir);
	CHECK(!path_exists(created));
	/* read-write (an emptyDir): the application's file is on the host */
	char *rw = xasprintf("--mount=%s:/data/empty", dir);
	char *filler = pod_ctr_start(e, p, "volrw", rw, "/bin/probe", "write", "/data/empty/new", "from-pod");
	CHECK(pod_wait_status(e, filler, "state=CONTAINER_EXITED exit=0 reason=Completed", 60));
	char *got = file_read(created, NULL);
	CHECK(got && !strcmp(got, "from-pod"));
	free(got), free(rw);
	char *ids[] = {reader, writer, filler};
	for (int i = 0; i < 3; i++) {
		if (*ids[i])
			free(pod_line((struct cmd_out[]){cri(e, "rm", ids[i], NULL)}, "RemoveContainer"));
		free(ids[i]);
	}
	free(dir), free(key), free(opt), free(log), free(created);
}

/* The container's host cgroup (containerd's /k8s.io/ID) holds the memory
 * limit (the application's under runc, the guest's RAM and QEMU's headroom
 * under lupine) and the CPU limit as CFS quota. */
static void check_cgroup(const char *cid, int vm)
{
	int v2 = path_exists("/sys/fs/cgroup/cgroup.controllers");
	char *path = xasprintf("/sys/fs/cgroup/%sk8s.io/%s/%s", v2 ? "" : "memory/", cid,
			       v2 ? "memory.max" : "memory.limit_in_bytes");
	char *text = file_read(path, NULL), want[32];
	snprintf(want, sizeof(want), "%lld\n", (64LL + (vm ? OCI_VMM_HEADROOM_MIB : 0)) << 20);
	CHECK_CONTAINS(text, want);
	free(path), free(text);
	/* half a CPU (--cpus=500): CFS quota 50 ms of every 100 ms, for the VMM and its vCPU alike */
	path = xasprintf("/sys/fs/cgroup/%sk8s.io/%s/%s", v2 ? "" : "cpu/", cid, v2 ? "cpu.max" : "cpu.cfs_quota_us");
	text = file_read(path, NULL);
	CHECK_CONTAINS(text, v2 ? "50000 100000\n" : "50000\n");
	free(path), free(text);
}

/* ContainerStatus of applications that end (their exit code, reason
 * Completed or Error), stderr's tag in the CRI log, memory and CPU limits, and StopContainer's SIGKILL once the
 * timeout passes on an application that ignores SIGTERM. vm: the limit is
 * the guest's memory. Each container is removed. */
void pod_lifecycle(struct crienv *e, struct pod *p, int vm)
{
	/* one after another: a Lupine pod runs one application container at a time (oci/pod.h) */
	char *bad = pod_ctr_start(e, p, "bad", NULL, "/bin/probe", "no-such-mode", NULL, NULL);
	CHECK(pod_wait_status(e, bad, "state=CONTAINER_EXITED exit=2 reason=Error", 60));
	/* stderr tagged as such in the CRI log */
	char *blog = xasprintf("%s/bad.log", p->logdir);
	CHECK(pod_log_has(blog, " stderr F probe: unknown mode 'no-such-mode'\n", 5));
	free(blog);
	char *mem = pod_ctr_start(e, p, "mem", "--memory=67108864", "/bin/probe", "cat", "/proc/meminfo", NULL);
	CHECK(pod_wait_status(e, mem, "state=CONTAINER_EXITED exit=0 reason=Completed", 60));
	char *log = xasprintf("%s/mem.log", p->logdir), *text = file_read(log, NULL);
	char *total = text ? strstr(text, "MemTotal:") : NULL;
	CHECK(total != NULL);
	if (vm && total) { /* the guest's RAM is the limit, less what the kernel keeps */
		printf("    a 64 MiB limit: the guest's MemTotal %ld kB\n", atol(total + 9));
		CHECK(atol(total + 9) > 32768 && atol(total + 9) <= 65536);
	}
	char *stubborn = pod_ctr_start(e, p, "stubborn", "--memory=67108864 --cpus=500", "/bin/probe", "ignore", NULL,
				       NULL);
	CHECK(pod_wait_status(e, stubborn, "state=CONTAINER_RUNNING", 60));
	char *slog = xasprintf("%s/stubborn.log", p->logdir);
	CHECK(pod_log_has(slog, "probe: waiting", 60));
	check_cgroup(stubborn, vm);
	double t0 = pod_now();
	free(pod_line((struct cmd_out[]){cri(e, "--timeout=2", "stop", stubborn, NULL)}, "StopContainer"));
	CHECK(pod_now() - t0 >= 2);
	CHECK(pod_wait_status(e, stubborn, "state=CONTAINER_EXITED exit=137 reason=Error", 10));
	check_log_bytes(e, p);
	check_volume(e, p);
	check_configmap_update(e, p);
	char *ids[] = {bad, mem, stubborn};
	for (int i = 0; i < 3; i++) {
		if (*ids[i])
			free(pod_line((struct cmd_out[]){cri(e, "rm", ids[i], NULL)}, "RemoveContainer"));
		free(ids[i]);
	}
	free(log), free(text), free(slog);
}
