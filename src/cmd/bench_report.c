/* bench_report.c: `lupine bench report`: its options parsed and checked;
 * bench/report.c measures and writes the report. */
#include "bench/report.h"
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "kernel/kbaseline.h"
#include "lib/guard.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: lupine bench report [-o DIR] [--apps redis,nginx] [-n N] [--quick]\n"
	"                           [--baselines microvm,debian|none] [--source PATH]\n"
	"\n"
	"Measures Lupine's kernels against the baselines built by 'lupine kernel\n"
	"--baseline' from the same Linux tree, and writes DIR/report.md with the raw\n"
	"samples as DIR/*.csv and plots as DIR/*.svg (gnuplot):\n"
	"  1. image size and options: base, each app's kernel, general, general+tiny,\n"
	"     the baselines\n"
	"  2. boot: time to init (host wall clock, guest clock), N boots per kernel,\n"
	"     round-robin; then where it goes, phase by phase, for each app's kernel,\n"
	"     general and microvm, booted from bzImage and from vmlinux (PVH)\n"
	"  3. memory: the smallest -m at which each app answers its client on its own\n"
	"     kernel, general and microvm; host RSS and CPU of idle VMs\n"
	"  4. system calls (getppid, read, write, stat, open+close) and a 2-process\n"
	"     context switch on each app's kernel, with KML (ring 0) and on microvm\n"
	"  5. throughput: redis-benchmark GET/SET, nginx with wrk (keep-alive) and ab\n"
	"     (a connection per request), on the app kernel, +KML, general and\n"
	"     microvm, alternating runs\n"
	"Ratios are against microvm measured in the same run (the first kernel when\n"
	"no baseline is measured), each with the seed's Linux 4.0 figure where it\n"
	"has one. Kernels and app bundles come from the cache or are built first\n"
	"(microvm ~20 minutes on 2 cores, debian longer).\n"
	"\n"
	"  -o DIR            where to write (default lupine-report; replaced files only)\n"
	"  --apps LIST       applications with recipes, comma-separated (default redis,nginx)\n"
	"  -n N              repetitions of every measurement (default 5; --quick 3)\n"
	"  --quick           a reduced set for a few minutes with cached kernels: the\n"
	"                    baselines already in the cache (none built unless --baselines\n"
	"                    names them), no base or tiny kernel,\n"
	"                    memory and throughput for the first app only, shorter loads\n"
	"  --baselines LIST  microvm, debian or none (default microvm,debian)\n"
	"  --source PATH     kernel source (see 'lupine kernel --help')\n"
	"\n"
	"Exits 1 when a build failed or a run stalled (the report says which).\n";

static void parse_args(struct report *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{"apps", required_argument, 0, 'a'}, {"quick", no_argument, 0, 'Q'},
		{"baselines", required_argument, 0, 'B'}, {"source", required_argument, 0, 's'},
		{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *apps = "redis,nginx", *baselines = NULL;
	int c;

	r->dir = "lupine-report";
	while ((c = getopt_long(argc, argv, "o:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': r->dir = optarg; break;
		case 'n': r->n = (int)opt_long("-n", optarg, 1, 100); break;
		case 'a': apps = optarg; break;
		case 'Q': r->quick = 1; break;
		case 'B': baselines = optarg; break;
		case 's': r->source = optarg; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s'; see 'lupine bench report --help'", argv[optind]);
	opt_list(apps, &r->apps);
	if (!r->apps.n)
		die("--apps: name at least one application with a recipe ('lupine apps list')");
	if (!baselines && r->quick)
		r->cached_baselines = 1;
	if (!baselines)
		baselines = r->quick ? "none" : "microvm,debian";
	if (strcmp(baselines, "none"))
		opt_list(baselines, &r->baselines);
	for (size_t i = 0; i < r->baselines.n; i++)
		if (!kbaseline_known(r->baselines.v[i]))
			die("--baselines: unknown baseline '%s'; the baselines are %s, or none", r->baselines.v[i],
			    kbaseline_names());
	if (!r->n)
		r->n = r->quick ? 3 : 5;
}

int cmd_bench_report(int argc, char **argv)
{
	struct report r = {0};
	struct strbuf err = {0};
	int ret;

	parse_args(&r, argc, argv);
	guard_start(); /* temporary directories go, however the report ends */
	ret = report_run(&r, &err);
	report_release(&r);
	if (ret < 0)
		die("%s", err.buf);
	return ret;
}
