/* bzimage.h: what an x86 bzImage's boot header says about the memory it needs.
 * A kernel unpacks itself at its load address (CONFIG_PHYSICAL_START, 16 MiB
 * by default) and needs init_size bytes there, so a VM with less memory than
 * their sum never reaches the kernel's first line of output. Read so that
 * `lupine run -m` can say so, and the benchmarks can start their search there. */
#ifndef LUPINE_BZIMAGE_H
#define LUPINE_BZIMAGE_H

#include <stdint.h>

struct bzimage {
	uint64_t pref_address; /* where the kernel unpacks (boot protocol 2.10+); a
				* vmlinux: its lowest physical load address */
	uint32_t init_size;    /* bytes it needs from there to start; a vmlinux:
				* up to the end of its highest segment (bss included) */
};

/* Reads the boot header of the kernel at path: 1 a bzImage, or an x86-64
 * ELF vmlinux booted through PVH (b filled from its PT_LOAD segments), 0
 * neither (a header older than protocol 2.10), -1 unreadable. */
int bzimage_read(const char *path, struct bzimage *b);
/* The header's fields out of the first n bytes of a kernel file, as above. */
int bzimage_parse(const unsigned char *buf, unsigned long n, struct bzimage *b);
/* The least guest memory, in whole MiB, that holds pref_address + init_size
 * and then `above` bytes more (an initrd QEMU places at the top), in 64
 * bits; UINT64_MAX when the sum does not fit (a header that lies). */
uint64_t bzimage_min_mib(const struct bzimage *b, uint64_t above);
/* bzimage_min_mib(header of the kernel at path, 0), or 0 when it has none
 * or asks for more than an int of MiB (no VM has that much). */
int bzimage_floor_mib(const char *path);

#endif
