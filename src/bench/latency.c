/* latency.c: the guest's system-call latency probe: its initrd, one boot, its lines parsed. */
#include "bench/latency.h"
#include "bundle/runinit.h"
#include "lib/embedded.h"
#include "rootfs/cpio.h"
#include "vm/vmm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *latency_initrd(const char *dir, const char *iters, struct strbuf *err)
{
	const struct embedded_file *lat = embedded_find(embedded_guest, "latency");
	char *root = xasprintf("%s/root", dir), *t = xasprintf("%s/trusted", root);
	char *bin = xasprintf("%s/latency", t), *base = xasprintf("%s/base.cpio.gz", dir);
	char *initrd = xasprintf("%s/initrd", dir);
	struct run_config rc;

	run_config_init(&rc);
	if (!lat) {
		sb_adds(err, "this lupine was built without the latency probe "
			     "(build/kml/latency needs the KML musl: scripts/setup.sh)");
		goto fail;
	}
	if (mkdir_p(t, 0755) < 0 || file_write_atomic(bin, lat->data, (size_t)lat->size, 0755) < 0) {
		sb_addf(err, "cannot stage the latency probe in '%s'", dir);
		goto fail;
	}
	strlist_add(&rc.arg, "/trusted/latency");
	strlist_add(&rc.arg, iters);
	if (cpio_write_dir(root, base, err) < 0 || runinit_write(&rc, base, initrd, err) < 0)
		goto fail;
	goto out;
fail:
	free(initrd);
	initrd = NULL;
out:
	run_config_release(&rc);
	free(base);
	free(bin);
	free(t);
	free(root);
	return initrd;
}

int latency_parse(const char *console, struct latency_sample out[LATENCY_MAX])
{
	int n = 0;

	for (const char *p = console; p && (p = strstr(p, "latency ")) && n < LATENCY_MAX; p++)
		if (sscanf(p, "latency %31s %lf ns/call (cpl %d", out[n].name, &out[n].ns, &out[n].cpl) == 3)
			n++;
	return n;
}

int latency_boot(const char *kernel, const char *initrd, struct latency_sample *out, struct strbuf *err)
{
	struct vm_config cfg = {.kernel = kernel, .initrd = initrd, .mem_mib = 128, .timeout = 600,
				.init_timeout = 120};
	struct vm_result r;
	int n = -1;

	if (vmm_run(&cfg, &r, err) < 0)
		return -1;
	if (r.end == VM_EXITED && r.status == 0)
		n = latency_parse(r.console, out);
	if (n <= 0) {
		const char *c = r.console ? r.console : "";
		size_t len = strlen(c);
		sb_addf(err, "the latency probe did not run to its end on %s; the console's end:\n%s", kernel,
			len > 1500 ? c + len - 1500 : c);
		n = -1;
	}
	vm_result_release(&r);
	return n;
}
