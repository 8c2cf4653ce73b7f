/* hello.h: boot a kernel with Lupine's built-in hello init, to prove it reaches init and time it. */
#ifndef LUPINE_HELLO_H
#define LUPINE_HELLO_H

#include "vm/vmm.h"

/* Packs guest/hello as /init of a temporary initramfs and boots kernel with
 * it (mem_mib of memory, or with 0 enough for the kernel: 64 MiB, more when
 * it unpacks itself higher; software or hardware acceleration as accel says).
 * Returns 0 with res filled, or -1 with err set. */
int hello_boot(const char *kernel, int mem_mib, enum vm_accel accel, struct vm_result *res,
	       struct strbuf *err);
/* hello_boot with cmdline added to the kernel's command line (NULL: none). */
int hello_boot_cmdline(const char *kernel, const char *cmdline, int mem_mib, enum vm_accel accel,
		       struct vm_result *res, struct strbuf *err);
/* Whether res is a boot that reached the hello init and ended cleanly. */
int hello_reached(const struct vm_result *res);

/* `lupine kernel --boot`: boots kernel with the hello init (note on stderr).
 * 0 with "boot     reached init ..." in out; or -1 with err saying how it
 * ended instead (out then holds the console, to show how far it got). */
int hello_check(const char *kernel, struct strbuf *out, struct strbuf *err);

#endif
