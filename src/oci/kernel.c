/* kernel.c: a container's kernel (kernel.h). */
#include "oci/kernel.h"
#include "kernel/kbuild.h"
#include "lib/proc.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void oci_kernel_spec(const struct oci_spec *s, struct kspec *ks)
{
	if (s->kernel) {
		kspec_parse(ks, s->kernel);
	} else if (s->apps) {
		char *copy = xstrdup(s->apps), *save = NULL;
		for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
			kspec_add_app(ks, w);
		free(copy);
	} else {
		ks->general = 1;
	}
}

static int build_kernel(void *arg)
{
	struct kspec spec = *(const struct kspec *)arg;
	struct kspec_build kb = {0};
	struct kbuild_result res;
	struct strbuf err = {0};
	char *label = NULL;

	/* as bundle_build reads a spec that names nothing: lupine-general */
	if (!spec.napps && !spec.nfiles && !spec.baseline)
		spec.general = 1;
	int r = kspec_kernel(&spec, &kb, &res, &label, &err);
	if (r == 0)
		kbuild_result_release(&res);
	free(label);
	sb_release(&err);
	return r < 0;
}

void oci_kernel_ahead(const struct kspec *ks)
{
	struct proc_opts po = PROC_OPTS_INIT;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* no death signal, a group of its own, nothing on create's pipes (the shim
	 * closes them when it kills create, and a write would end the build) */
	po.outlive = 1, po.own_pgrp = 1;
	po.in = po.out = po.err = null;
	pid_t pid = proc_fork(build_kernel, (void *)ks, &po);
	if (null >= 0)
		close(null);
	if (pid > 0)
		proc_wait(pid);
}
