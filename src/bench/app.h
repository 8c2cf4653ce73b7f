/* app.h: `lupine bench app`: bundles timed from boot to a ready application, and their smallest memory. */
#ifndef LUPINE_BENCH_APP_H
#define LUPINE_BENCH_APP_H

#include "bundle/ready.h"

/* n runs of bundle with mem MiB, each until r's check passes (progress on
 * stderr); one line "BUNDLE ready after 1.23s median [min-max], K/N runs
 * ready (-m MEM)" appended to out. */
void bench_app_times(struct readiness *r, const char *bundle, int n, int mem, struct strbuf *out);
/* The smallest memory at which bundle gets ready (at most mem), as a line appended to out. */
void bench_app_min_memory(struct readiness *r, const char *bundle, int mem, struct strbuf *out);

#endif
