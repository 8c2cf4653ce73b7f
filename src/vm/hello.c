/* hello.c: boot a kernel with Lupine's built-in hello init, to prove it reaches init and time it. */
#include "vm/hello.h"
#include "lib/bzimage.h"
#include "lib/guard.h"
#include "rootfs/cpio.h"
#include "lib/embedded.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* 64 MiB, or the kernel's unpack floor + 32 when that is more: the floor
 * only gets it started (Debian's kernel unpacks up to 76 MiB). */
static int enough_memory(const char *kernel)
{
	int floor = bzimage_floor_mib(kernel);
	return floor + 32 > 64 ? floor + 32 : 64;
}

int hello_boot(const char *kernel, int mem_mib, enum vm_accel accel, struct vm_result *res,
	       struct strbuf *err)
{
	return hello_boot_cmdline(kernel, NULL, mem_mib, accel, res, err);
}

int hello_boot_cmdline(const char *kernel, const char *cmdline, int mem_mib, enum vm_accel accel,
		       struct vm_result *res, struct strbuf *err)
{
	const struct embedded_file *hello = embedded_find(embedded_guest, "hello");
	char *tmpl = tmp_dir("hello");
	char *root = NULL, *init = NULL, *initrd = NULL;
	int ret = -1;

	if (!tmpl) {
		sb_addf(err, "cannot create a temporary directory: %s", strerror(errno));
		return -1;
	}
	root = xasprintf("%s/root", tmpl);
	init = xasprintf("%s/init", root);
	initrd = xasprintf("%s/hello.cpio.gz", tmpl);
	if (mkdir_p(root, 0755) < 0 || file_write_atomic(init, hello->data, (size_t)hello->size, 0755) < 0) {
		sb_addf(err, "cannot stage the hello init in '%s': %s", tmpl, strerror(errno));
		goto out;
	}
	if (cpio_write_dir(root, initrd, err) < 0)
		goto out;
	struct vm_config cfg = {.kernel = kernel, .initrd = initrd, .accel = accel, .timeout = 120, .cmdline = cmdline,
				.mem_mib = mem_mib ? mem_mib : enough_memory(kernel)};
	ret = vmm_run(&cfg, res, err);
out:
	rm_rf(tmpl);
	free(tmpl);
	free(root);
	free(init);
	free(initrd);
	return ret;
}

int hello_reached(const struct vm_result *res)
{
	return res->end == VM_EXITED && res->status == 0 && res->console &&
	       strstr(res->console, "lupine-hello: reached init as pid 1");
}

int hello_check(const char *kernel, struct strbuf *out, struct strbuf *err)
{
	struct vm_result r;
	char how[128];
	int ret = -1;

	note("booting it with the hello init ...");
	if (hello_boot(kernel, 0, VM_ACCEL_AUTO, &r, err) < 0)
		return -1;
	if (!hello_reached(&r)) {
		sb_adds(out, r.console ? r.console : "");
		sb_addf(err, "the kernel did not reach the hello init: %s", vm_end_describe(&r, how, sizeof(how)));
	} else {
		sb_addf(out, "boot     reached init %.2fs after QEMU started (guest clock %.2fs), %s\n", r.t_init,
			r.guest_init, r.accel);
		ret = 0;
	}
	vm_result_release(&r);
	return ret;
}
