/* latency.h: the guest's system-call latency probe (tests/kml/latency.c): an
 * initrd that runs it from /trusted/, one boot, its lines parsed. Shared by
 * `lupine bench syscall` and `lupine bench report`. */
#ifndef LUPINE_BENCH_LATENCY_H
#define LUPINE_BENCH_LATENCY_H

#include "lib/util.h"

#define LATENCY_MAX 16

struct latency_sample {
	char name[32]; /* "getppid", "read-devzero", ..., "ctxsw-2p" */
	double ns;     /* per call (per switch for ctxsw-2p) */
	int cpl;       /* the ring the probe ran in: 0 on a KML kernel */
};

/* Writes DIR/initrd running the probe with ITERS calls per kind; its path
 * (caller frees), or NULL with err set naming what is missing. */
char *latency_initrd(const char *dir, const char *iters, struct strbuf *err);
/* Boots kernel with the probe's initrd once; the number of samples (up to
 * LATENCY_MAX) in out, or -1 with err set (with the console's tail) when the
 * probe did not run to its end. */
int latency_boot(const char *kernel, const char *initrd, struct latency_sample *out, struct strbuf *err);
/* The probe's "latency NAME 123.4 ns/call (cpl C, ...)" lines in console
 * (NULL: none) into out, in order; lines that do not parse are skipped, and
 * lines past the first LATENCY_MAX are dropped. The number filled. */
int latency_parse(const char *console, struct latency_sample out[LATENCY_MAX]);

#endif
