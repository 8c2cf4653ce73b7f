/* report.h (cmd/ internal): `lupine bench report`, one file per section. Each
 * section measures, writes its CSV of raw samples and its plot into the
 * report's directory, and appends its part of report.md. */
#ifndef LUPINE_CMD_REPORT_H
#define LUPINE_CMD_REPORT_H

#include "lib/util.h"

struct report {
	const char *dir;
	const char *source;     /* kernel source (NULL: the default) */
	int n;                  /* repetitions of every measurement */
	int quick;
	struct strlist apps;    /* applications with recipes: redis, nginx */
	struct strlist kernels; /* bench SPECs for sizes and boots */
	struct strlist baselines; /* microvm, debian (those asked for) */
	const char *ref;        /* the SPEC ratios are against: microvm when measured */
	struct strbuf md;       /* report.md, assembled */
	char how[640];          /* how everything was measured: VMM, accel, machine, date */
	int trouble;            /* builds that failed, runs that stalled: reported, exit 1 */
	struct strlist built;   /* bundles built in this run: "APP/VARIANT" */
};

/* Appends a line of report.md (printf-style). */
void report_md(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* DIR/NAME (caller frees). */
char *report_path(const struct report *r, const char *name);
/* Writes DIR/NAME atomically from text; a failure is fatal (the report is the output). */
void report_write(const struct report *r, const char *name, const char *text);
/* Draws DIR/NAME.svg with a gnuplot script; a failure is noted in the report, not fatal. */
void report_plot(struct report *r, const char *name, const char *script);
/* "x0.27", the ratio of v to ref, or "-" when either is missing. */
const char *report_ratio(double v, double ref, char *buf, size_t n);

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

struct kbuild_result;
/* The kernel for a bench SPEC, from the cache or built now (progress on
 * stderr); 1, or 0 with the failure said in the report and r->trouble set. */
int report_kernel(struct report *r, const char *spec, struct kbuild_result *k);

/* 1. sizes and options, 2. boot: every kernel of r->kernels. */
void report_kernels(struct report *r);
/* 4. system calls and context switches on each app's kernel, its KML variant, microvm. */
void report_syscalls(struct report *r);
/* 3. smallest memory, density and idle CPU. */
void report_memory(struct report *r);
/* 5. application throughput. */
void report_throughput(struct report *r);

#endif
