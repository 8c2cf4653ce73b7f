/* report.c: `lupine bench report`: the seed's evaluation in one command. Sizes,
 * boots, memory, system calls and throughput of Lupine's kernels against the
 * microVM (and Debian) kernel built by the same tool from the same tree,
 * measured in one run, written as DIR/report.md with CSV files and SVG plots. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/report.h"
#include "kernel/kbaseline.h"
#include "kernel/kspec.h"
#include "lib/guard.h"
#include "bench/plot.h"
#include "vm/vmm.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

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
	"     round-robin\n"
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
	"  --quick           a reduced set for a few minutes with cached kernels: no\n"
	"                    baselines unless --baselines names them, no base or tiny kernel,\n"
	"                    memory and throughput for the first app only, shorter loads\n"
	"  --baselines LIST  microvm, debian or none (default microvm,debian)\n"
	"  --source PATH     kernel source (see 'lupine kernel --help')\n"
	"\n"
	"Exits 1 when a build failed or a run stalled (the report says which).\n";

void report_md(struct report *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	sb_adds(&r->md, s);
	sb_adds(&r->md, "\n");
	free(s);
}

char *report_path(const struct report *r, const char *name)
{
	return xasprintf("%s/%s", r->dir, name);
}

void report_write(const struct report *r, const char *name, const char *text)
{
	char *p = report_path(r, name);
	if (file_write_atomic(p, text, strlen(text), 0644) < 0)
		die("cannot write '%s': %s", p, strerror(errno));
	free(p);
}

void report_plot(struct report *r, const char *name, const char *script)
{
	char *file = xasprintf("%s.svg", name), *svg = report_path(r, file);
	struct strbuf err = {0};

	if (plot_svg(svg, script, &err) < 0) {
		report_md(r, "\n(plot %s not drawn: %s)", file, err.buf);
		warning("%s", err.buf);
	} else {
		report_md(r, "\n![%s](%s)", name, file);
	}
	sb_release(&err);
	free(svg);
	free(file);
}

const char *report_ratio(double v, double ref, char *buf, size_t n)
{
	if (v > 0 && ref > 0)
		snprintf(buf, n, "x%.2f", v / ref);
	else
		snprintf(buf, n, "-");
	return buf;
}

int report_kernel(struct report *r, const char *spec, struct kbuild_result *k)
{
	struct kspec ks = {0};
	struct strbuf err = {0};
	char *label = NULL;
	int ok;

	struct kspec_build kb = {.source = r->source};

	kspec_parse(&ks, spec);
	note("report: kernel %s ...", spec);
	ok = kspec_kernel(&ks, &kb, k, &label, &err) == 0;
	if (!ok) {
		report_md(r, "\n**%s: the kernel did not build**: %s", spec, err.buf);
		warning("%s: %s", spec, err.buf);
		r->trouble = 1;
	}
	kspec_release(&ks);
	free(label);
	sb_release(&err);
	return ok;
}

static void split_list(const char *list, struct strlist *out)
{
	char *copy = xstrdup(list), *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		strlist_add(out, w);
	free(copy);
}

/* The first line of `qemu-system-x86_64 --version`, e.g. "QEMU emulator version 7.2.x". */
static void qemu_version(char *out, size_t n)
{
	FILE *p = popen("qemu-system-x86_64 --version 2>/dev/null", "r");
	snprintf(out, n, "QEMU (version unknown)");
	if (p && fgets(out, (int)n, p))
		out[strcspn(out, "\n")] = 0;
	if (p)
		pclose(p);
}

static void describe_machine(struct report *r)
{
	char qemu[128], date[32], cpu[128] = "an unknown CPU";
	struct utsname u;
	time_t now = time(NULL);
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	while (f && fgets(line, sizeof(line), f))
		if (str_starts(line, "model name")) {
			const char *c = strchr(line, ':');
			snprintf(cpu, sizeof(cpu), "%.120s", c ? c + 2 : line);
			cpu[strcspn(cpu, "\n")] = 0;
			break;
		}
	if (f)
		fclose(f);
	qemu_version(qemu, sizeof(qemu));
	uname(&u);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	snprintf(r->how, sizeof(r->how), "%s, microvm machine, accel %s, 1 vCPU; host %ld CPUs (%s), Linux %s; %s",
		 qemu, vmm_kvm_usable() ? "KVM" : "TCG (software emulation: no usable KVM here)",
		 sysconf(_SC_NPROCESSORS_ONLN), cpu, u.release, date);
}

static void choose_kernels(struct report *r)
{
	if (!r->quick) /* --quick: the kernels a test suite already has */
		strlist_add(&r->kernels, "base");
	for (size_t i = 0; i < r->apps.n; i++)
		strlist_add(&r->kernels, r->apps.v[i]);
	strlist_add(&r->kernels, "general");
	if (!r->quick)
		strlist_add(&r->kernels, "general+tiny");
	for (size_t i = 0; i < r->baselines.n; i++)
		strlist_add(&r->kernels, r->baselines.v[i]);
	r->ref = strlist_has(&r->baselines, "microvm") ? "microvm" : r->kernels.v[0];
}

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
	split_list(apps, &r->apps);
	if (!r->apps.n)
		die("--apps: name at least one application with a recipe ('lupine apps list')");
	if (!baselines)
		baselines = r->quick ? "none" : "microvm,debian";
	if (strcmp(baselines, "none"))
		split_list(baselines, &r->baselines);
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
	double t0 = now_sec();
	char *absdir;
	char d[32];

	parse_args(&r, argc, argv);
	guard_start(); /* temporary directories go, however the report ends */
	if (mkdir_p(r.dir, 0755) < 0 || !(absdir = realpath(r.dir, NULL)))
		die("cannot create '%s': %s", r.dir, strerror(errno));
	r.dir = absdir;
	describe_machine(&r);
	choose_kernels(&r);
	report_md(&r, "# Lupine evaluation report\n");
	report_md(&r, "Measured with `lupine bench report%s -n %d --apps ...`: %s.", r.quick ? " --quick" : "", r.n,
		  r.how);
	report_md(&r, "Ratios are against **%s**, measured in this run. Raw samples are in the CSV files "
		      "beside this one; every plot has its gnuplot script (`NAME.svg.gp`).",
		  r.ref);
	report_kernels(&r);
	report_memory(&r);
	report_syscalls(&r);
	report_throughput(&r);
	report_md(&r, "\n---\nThe whole report took %s.", fmt_duration(now_sec() - t0, d, sizeof(d)));
	report_write(&r, "report.md", r.md.buf);
	printf("report   %s/report.md (%s)%s\n", r.dir, d, r.trouble ? "; some measurements failed: see the report" : "");
	sb_release(&r.md);
	strlist_release(&r.apps);
	strlist_release(&r.kernels);
	strlist_release(&r.baselines);
	free(absdir);
	return r.trouble ? 1 : 0;
}
