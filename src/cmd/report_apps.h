/* report_apps.h (cmd/ internal): the parts of `lupine bench report` that run
 * `lupine run` through readiness.h, and so stay in cmd/ until readiness
 * moves in-process: each app's bundles and client check (report_apps.c),
 * and sections 3 and 5, which cmd/bench_report.c hands to report_run. */
#ifndef LUPINE_CMD_REPORT_APPS_H
#define LUPINE_CMD_REPORT_APPS_H

#include "bench/report.h"

/* The kernels an app is compared on: "own" (its manifest), "kml" (+KML),
 * "general", "microvm" (when that baseline is measured). */
int report_variant_wanted(const struct report *r, const char *variant);
/* APP's recipe built on kernel VARIANT into DIR/bundles/APP-VARIANT.lupine
 * (once per report; log beside it); the bundle's path (caller frees), or
 * NULL when the build failed (said in the report). */
char *report_bundle(struct report *r, const char *app, const char *variant);
struct recipe;
struct readiness;
/* A readiness check for rec's client check on a fresh host port (*port:
 * "HOST:GUEST", caller frees), logging runs to DIR/logs/APP-VARIANT.log. */
void report_readiness(struct report *r, const struct recipe *rec, const char *variant, struct readiness *rd,
		      char **port, char **log);

/* 3. smallest memory, density and idle CPU. */
void report_memory(struct report *r);
/* 5. application throughput. */
void report_throughput(struct report *r);

#endif
