/* report.h: `lupine bench report`, one file per section. Each section
 * measures, writes its CSV of raw samples and its plot into the report's
 * directory, and appends its part of report.md. */
#ifndef LUPINE_BENCH_REPORT_H
#define LUPINE_BENCH_REPORT_H

#include "lib/util.h"

struct report;
/* A section of the report. */
typedef void report_section_fn(struct report *r);

struct report {
	const char *dir;        /* where to write; absolute once report_run made it */
	const char *source;     /* kernel source (NULL: the default) */
	int n;                  /* repetitions of every measurement */
	int quick;
	struct strlist apps;    /* applications with recipes: redis, nginx */
	struct strlist kernels; /* bench SPECs for sizes and boots */
	struct strlist baselines; /* microvm, debian (those asked for) */
	int cached_baselines;   /* and every other baseline already in the cache (--quick) */
	const char *ref;        /* the SPEC ratios are against: microvm when measured */
	struct strbuf md;       /* report.md, assembled */
	char how[640];          /* how everything was measured: VMM, accel, machine, date */
	int trouble;            /* builds that failed, runs that stalled: reported, exit 1 */
	struct strlist built;   /* bundles built in this run: "APP/VARIANT" */
	struct strbuf fatal;    /* the failure that ended the report early (report_fail) */
	char *abs_dir;          /* dir made absolute by report_run */
};

/* Measures everything and writes r->dir/report.md with its CSV files and
 * plots (r zero-initialised, then dir, n, apps and baselines set; progress
 * on stderr, the closing line on stdout). 0, 1 when a build failed or a run
 * stalled (the report says which), or -1 with err set when the report
 * could not be written (nor report.md, then). Release r with report_release. */
int report_run(struct report *r, struct strbuf *err);
void report_release(struct report *r);

/* Appends a line of report.md (printf-style). */
void report_md(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* DIR/NAME (caller frees). */
char *report_path(const struct report *r, const char *name);
/* Writes DIR/NAME atomically from text; a failure ends the report (report_fail). */
void report_write(struct report *r, const char *name, const char *text);
/* Draws DIR/NAME.svg with a gnuplot script; a failure is noted in the report, not fatal. */
void report_plot(struct report *r, const char *name, const char *script);
/* "x0.27", the ratio of v to ref, or "-" when either is missing. */
const char *report_ratio(double v, double ref, char *buf, size_t n);
/* A failure the report cannot go on after (the first is kept): the sections
 * left are skipped and report_run returns -1 with it. */
void report_fail(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct kbuild_result;
/* The kernel for a bench SPEC, from the cache or built now (progress on
 * stderr); 1, or 0 with the failure said in the report and r->trouble set. */
int report_kernel(struct report *r, const char *spec, struct kbuild_result *k);

/* The kernels an app is compared on: "own" (its manifest), "kml" (+KML),
 * "general", "microvm" (when that baseline is measured). */
int report_variant_wanted(const struct report *r, const char *variant);
/* APP's recipe built on kernel VARIANT into DIR/bundles/APP-VARIANT.lupine
 * (once per report; a failure's reason in a log beside it); the bundle's
 * path (caller frees), or NULL when the build failed (said in the report). */
char *report_bundle(struct report *r, const char *app, const char *variant);
struct recipe;
struct readiness;
/* A readiness check for rec's client check on a fresh host port (*port:
 * "HOST:GUEST", caller frees), logging runs to DIR/logs/APP-VARIANT.log. */
void report_readiness(struct report *r, const struct recipe *rec, const char *variant, struct readiness *rd,
		      char **port, char **log);

/* 1. sizes and options, 2. boot: every kernel of r->kernels. */
void report_kernels(struct report *r);
/* 2b's end: the first app's runs on its bundles, init to exec to ready. */
void report_app_phases(struct report *r);
/* 3. smallest memory, density and idle CPU. */
void report_memory(struct report *r);
/* 4. system calls and context switches on each app's kernel, its KML variant, microvm. */
void report_syscalls(struct report *r);
/* 5. application throughput. */
void report_throughput(struct report *r);
/* 6. warm start: cold against restored ready time, memory, snapshot sizes. */
void report_warm(struct report *r);

#endif
