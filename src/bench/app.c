/* app.c: `lupine bench app`: bundles timed from boot to a ready application, and their smallest memory. */
#include "bench/app.h"
#include "bench/stats.h"

#include <stdio.h>
#include <stdlib.h>

void bench_app_times(struct readiness *r, const char *bundle, int n, int mem, struct strbuf *out)
{
	double *v = xcalloc((size_t)n, sizeof(double));
	size_t ok = 0;

	for (int i = 0; i < n; i++) {
		double t = ready_time(r, bundle, mem, 300);
		if (t >= 0)
			v[ok++] = t;
		fprintf(stderr, "\r%s: run %d/%d", bundle, i + 1, n);
	}
	fprintf(stderr, "\n");
	struct stats s = stats_of(v, ok);
	sb_addf(out, "%-32s ready after %.2fs median [%.2f-%.2f], %zu/%d runs ready (-m %d)\n", bundle, s.median,
		s.min, s.max, ok, n, mem);
	free(v);
}

void bench_app_min_memory(struct readiness *r, const char *bundle, int mem, struct strbuf *out)
{
	int m = smallest_memory(r, bundle, mem, 120);

	if (m < 0)
		sb_addf(out, "%-32s not ready even with -m %d\n", bundle, mem);
	else
		sb_addf(out, "%-32s smallest memory: %d MiB\n", bundle, m);
}
