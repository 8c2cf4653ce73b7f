/* test_cri_cold.c: a pod whose kernel is not in the cache yet, as the kubelet
 * would start it (a measurement, TEST_MANUAL: its kernel build takes minutes).
 * StartContainer is given the kubelet's default runtime request timeout
 * (2 minutes); when that passes, a new attempt is made as the kubelet's
 * retry would, with no limit, and the time to the application's first log
 * line is printed. LUPINE_TEST_CRI_KERNEL names the kernel (default
 * "general+tiny"): remove it from the cache first for a cold figure. */
#include "cripod.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CreateContainer + StartContainer of the probe with the kernel annotation;
 * the container's id (caller frees) and StartContainer's status. */
static char *start_with_kernel(struct crienv *e, struct pod *p, const char *name, const char *timeout,
			       const char *kernel, int *status)
{
	char *pod = xasprintf("--pod=%s", p->name), *logdir = xasprintf("--logdir=%s", p->logdir);
	char *nm = xasprintf("--name=%s", name), *log = xasprintf("--log=%s.log", name);
	char *ann = xasprintf("--ann=org.lupine.kernel=%s", kernel);
	char *cid = pod_line((struct cmd_out[]){cri(e, pod, logdir, nm, log, ann, "--image=" CRIENV_APP, "create",
						      p->id, "--", "/bin/probe", "trap", NULL)}, "CreateContainer");
	struct cmd_out o = cri(e, timeout, "start", cid, NULL);
	*status = o.status;
	if (o.status)
		printf("    StartContainer (%s): %.*s\n", timeout, (int)strcspn(o.err, "\n"), o.err);
	cmd_out_free(&o);
	free(pod), free(logdir), free(nm), free(log), free(ann);
	return cid;
}

static void test_uncached_kernel(void)
{
	const char *kernel = getenv("LUPINE_TEST_CRI_KERNEL") ? getenv("LUPINE_TEST_CRI_KERNEL") : "general+tiny";
	struct crienv e;
	struct pod p = {.handler = "lupine", .name = "cold-pod"};
	int status = 0;
	if (crienv_start(&e) == 0) {
		p.logdir = xasprintf("%s/logs/%s", e.dir, p.name);
		double t0 = pod_now();
		char *handler = xasprintf("--handler=%s", p.handler), *pod = xasprintf("--pod=%s", p.name);
		char *logdir = xasprintf("--logdir=%s", p.logdir);
		p.id = pod_line((struct cmd_out[]){cri(&e, handler, pod, logdir, "runp", NULL)}, "RunPodSandbox");
		char *cid = start_with_kernel(&e, &p, "first", "--timeout=120", kernel, &status), *log = NULL;
		printf("    kernel %s: first StartContainer %s after %.1f s\n", kernel, status ? "failed" : "returned",
		       pod_now() - t0);
		if (status) {
			free(cid);
			cid = start_with_kernel(&e, &p, "retry", "--timeout=3600", kernel, &status);
			CHECK_INT(status, 0);
			log = xasprintf("%s/retry.log", p.logdir);
		} else {
			log = xasprintf("%s/first.log", p.logdir);
		}
		CHECK(pod_log_has(log, " stdout F probe: waiting\n", 60));
		printf("    kernel %s: RunPodSandbox to the application's first log line %.1f s\n", kernel, pod_now() - t0);
		free(handler), free(pod), free(logdir), free(cid), free(log);
		pod_remove(&e, &p);
	}
	crienv_stop(&e);
	pod_release(&p);
}

const struct test cri_cold_tests[] = {
	{"cri/uncached-kernel", test_uncached_kernel, TEST_MANUAL},
	{0},
};
