/* stats.h: summaries of repeated measurements (min / median / max). */
#ifndef LUPINE_STATS_H
#define LUPINE_STATS_H

#include <stddef.h>

struct stats {
	double min, median, max;
	size_t n;
};

/* Summarises v[0..n) (sorted in place). n may be 0 (all fields 0). */
struct stats stats_of(double *v, size_t n);

#endif
