/* warm.h: `lupine bench warm` and the report's warm-start rows: an app's
 * cold ready time against its restored ready time (bundle/snapshot.h) in
 * the same run, alternating, with the host memory of each VM and the
 * snapshot's size on disk, against what compressing its RAM would save
 * and cost. */
#ifndef LUPINE_BENCH_WARM_H
#define LUPINE_BENCH_WARM_H

#include "bench/stats.h"
#include "lib/util.h"

#define WARM_MAX_REPS 50

struct warm_row {
	char app[64];
	double take;                      /* seconds the snapshot's cold boot took to be ready */
	double cold[WARM_MAX_REPS], warm[WARM_MAX_REPS]; /* ready seconds, -1 when not ready */
	int n;
	long cold_rss, warm_rss;          /* KiB: QEMU's resident memory once ready (first run) */
	long cold_private, warm_private;  /* KiB: ... of it, pages no other process can share */
	unsigned long long snap_alloc, snap_size, ram_alloc, disk_alloc; /* bytes: on disk, apparent */
	unsigned long long ram_zstd;      /* bytes: the RAM file compressed (zstd -1), 0: not measured */
	double unzstd;                    /* seconds to decompress it, -1: not measured */
};

/* For app's recipe (its client check) and its bundle: takes a snapshot into
 * snap, then n times (1 to WARM_MAX_REPS) a cold run and a restore, each
 * until the check passes (progress on stderr; logs in log when not NULL).
 * 0 with row filled, or -1 with err (the snapshot could not be taken). */
int bench_warm_app(const char *app, const char *bundle, const char *snap, int n, const char *log,
		   struct warm_row *row, struct strbuf *err);
/* The row as a markdown table line, and the header it goes under. */
void bench_warm_md(const struct warm_row *row, struct strbuf *out);
extern const char bench_warm_header[];
/* The raw samples as CSV lines "app,kind,i,seconds" (kind cold or restored). */
void bench_warm_csv(const struct warm_row *row, struct strbuf *out);

#endif
