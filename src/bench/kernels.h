/* kernels.h: `lupine bench kernels`: kernels side by side: size, options,
 * build time, time to init. */
#ifndef LUPINE_BENCH_KERNELS_H
#define LUPINE_BENCH_KERNELS_H

#include "lib/util.h"

struct bench_kernels_opts {
	char *const *specs; /* bench SPECs ("base", "redis+kml", "microvm", "image:PATH") */
	size_t nspecs;	    /* at least 1 */
	const char *source; /* kernel source (NULL: the default) */
	int n;		    /* boots per kernel, at least 1 */
};

/* Builds (or takes from the cache) each SPEC's kernel, "image:PATH" being a
 * prebuilt bzImage (boot time only), boots each o->n times round-robin with
 * the hello init (progress on stderr), then prints one row per kernel on
 * stdout, with ratios against the first. 0 when every boot reached init, 1
 * when some did not, -1 with err set when a kernel did not build or a boot
 * could not start. */
int bench_kernels(const struct bench_kernels_opts *o, struct strbuf *err);

/* `lupine bench boot`: each SPEC's kernel (or "image:PATH", a bzImage or a
 * vmlinux) booted from its bzImage and from its vmlinux (PVH), o->n plain
 * and o->n measuring boots each, round-robin (bench/bootphase.h); prints
 * per kernel the table of phases, time to init (against the first SPEC)
 * and sizes, and the ten slowest initcalls, as Markdown on stdout. 0 when
 * every plain boot reached init, 1 when some did not, -1 with err set. */
int bench_boot(const struct bench_kernels_opts *o, struct strbuf *err);

#endif
