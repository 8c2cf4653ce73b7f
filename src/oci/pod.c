/* pod.c: a pod's one running application container (pod.h). */
#include "oci/pod.h"
#include "oci/sandbox.h"
#include "oci/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* 1 when ROOT/NAME is an application container of pod that has not ended. */
static int pod_member_alive(const char *root, const char *name, const char *pod)
{
	struct oci_state st;
	struct strbuf ignored = {0};
	json_t *cfg, *ann;
	int alive = 0;

	if (oci_state_load(root, name, &st, &ignored) < 0) {
		sb_release(&ignored);
		return 0;
	}
	if ((cfg = oci_state_config(&st))) {
		ann = json_object_get(cfg, "annotations");
		const char *type = json_string_value(json_object_get(ann, OCI_SANDBOX_ANNOTATION));
		const char *of = json_string_value(json_object_get(ann, OCI_POD_ANNOTATION));
		alive = type && !strcmp(type, "container") && of && !strcmp(of, pod) &&
			oci_state_status(&st) != OCI_STOPPED;
		json_decref(cfg);
	}
	oci_state_release(&st);
	return alive;
}

static int lock_pod(const char *root, const char *pod)
{
	char *dir = xasprintf("%s/%s", root, pod);
	int fd = oci_id_valid(pod) ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	free(dir);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int oci_pod_claim(const char *root, const char *pod, const char *id, struct strbuf *err)
{
	int lock = lock_pod(root, pod);
	DIR *d = opendir(root);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		/* records only: not ours, not a create's temporary (':' is in no ID) */
		if (!oci_id_valid(e->d_name) || !strcmp(e->d_name, id) || !strcmp(e->d_name, pod))
			continue;
		if (pod_member_alive(root, e->d_name, pod)) {
			sb_addf(err, "pod %s already runs application container %s in a Lupine VM, which owns the pod's "
				     "network: lupine-runc runs one application container per pod at a time; give this "
				     "one a pod of its own (or another RuntimeClass)", pod, e->d_name);
			closedir(d);
			if (lock >= 0)
				close(lock);
			return -2;
		}
	}
	if (d)
		closedir(d);
	return lock;
}
