/* syscall.h: `lupine bench syscall`: system calls timed by the latency probe
 * on a KML kernel (in ring 0) and on the same config with only
 * KERNEL_MODE_LINUX off, or on any two kernels, side by side. */
#ifndef LUPINE_BENCH_SYSCALL_H
#define LUPINE_BENCH_SYSCALL_H

#include "lib/util.h"

#define BENCH_SYSCALL_MAX_REPS 64

struct bench_syscall_opts {
	const char *app;     /* whose kernel is built with and without KML (unless pair) */
	const char *iters;   /* calls per kind, a decimal number */
	const char *source;  /* kernel source (NULL: the default) */
	const char *pair[2]; /* two bzImages to compare instead (ring 3 on both); NULL, NULL: app's */
	int n;		     /* boots per kernel, 1 to BENCH_SYSCALL_MAX_REPS */
};

/* Gets the two kernels (app's from the cache or built), boots them o->n
 * times each, alternating, with the probe (progress on stderr), and prints
 * ns per call and the ratio, median [min-max], on stdout. 0, or -1 with err
 * set: a kernel did not build, the probe failed or (app's pair) ran in
 * another ring than expected. Temporary files go under $TMPDIR (guard.h). */
int bench_syscall(const struct bench_syscall_opts *o, struct strbuf *err);

#endif
