/* bootphase.h: where the time to init goes, per kernel and per image
 * (bzImage through QEMU's loader, or vmlinux through the PVH entry), from
 * the same run: `lupine bench boot` and the report's phase section. */
#ifndef LUPINE_BENCH_BOOTPHASE_H
#define LUPINE_BENCH_BOOTPHASE_H

#include "bench/phases.h"
#include "lib/util.h"

enum { BOOT_BZIMAGE, BOOT_VMLINUX, BOOT_NIMAGES };

/* One kernel image's boots. */
struct boot_image {
	const char *path;          /* NULL: not booted */
	unsigned long long bytes;  /* the file's size */
	unsigned long long loaded; /* vmlinux: what its PT_LOAD segments put in memory */
	double *plain;             /* host seconds to init of the plain boots that reached it */
	int nplain, tries;
	struct boot_phases *ph;    /* the measuring boots that could be read */
	int nph;
};

/* One kernel: fill label, image[].path and vmlinux (its symbols). */
struct boot_kernel {
	const char *label;
	const char *vmlinux;
	struct boot_image image[BOOT_NIMAGES];
};

/* Boots every image n times round-robin, each time twice: a plain boot
 * (time to init, as any run) and a measuring boot (PHASES_CMDLINE), so
 * drift in the machine's load spreads over all; progress on stderr. 0, or
 * -1 with err set when a boot could not be started at all. */
int bootphase_measure(struct boot_kernel *k, size_t nk, int n, struct strbuf *err);
/* Markdown: per kernel, a table of phase medians for each image, the plain
 * boots' time to init and the image sizes, then the ten slowest initcalls
 * of the measuring boot with the median time to init. ref (NULL: none) is
 * the label plain times are compared with. */
void bootphase_table(const struct boot_kernel *k, size_t nk, const char *ref, struct strbuf *md);
/* The CSV of every measuring boot's phases. */
void bootphase_csv(const struct boot_kernel *k, size_t nk, struct strbuf *csv);
void boot_kernel_release(struct boot_kernel *k);

#endif
