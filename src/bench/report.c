/* report.c: `lupine bench report`: the seed's evaluation in one command. Sizes,
 * boots, memory, system calls and throughput of Lupine's kernels against the
 * microVM (and Debian) kernel built by the same tool from the same tree,
 * measured in one run, written as DIR/report.md with CSV files and SVG plots. */
#include "bench/plot.h"
#include "bench/report.h"
#include "kernel/kbuild.h"
#include "kernel/kspec.h"
#include "vm/vmm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static char *vformat(const char *fmt, va_list ap)
{
	va_list again;
	int n;
	char *s;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	s = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	if (n < 0 || vsnprintf(s, (size_t)n + 1, fmt, ap) < 0)
		*s = 0;
	return s;
}

void report_md(struct report *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	sb_adds(&r->md, s);
	sb_adds(&r->md, "\n");
	free(s);
}

void report_fail(struct report *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (r->fatal.len)
		return;
	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	sb_adds(&r->fatal, s);
	free(s);
}

char *report_path(const struct report *r, const char *name)
{
	return xasprintf("%s/%s", r->dir, name);
}

void report_write(struct report *r, const char *name, const char *text)
{
	char *p = report_path(r, name);
	if (file_write_atomic(p, text, strlen(text), 0644) < 0)
		report_fail(r, "cannot write '%s': %s", p, strerror(errno));
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

/* The first line of `qemu-system-x86_64 --version`, e.g. "QEMU emulator version 7.2.x". */
static void qemu_version(char *out, size_t n)
{
	char *argv[] = {"qemu-system-x86_64", "--version", NULL};
	struct strbuf text = {0};

	snprintf(out, n, "QEMU (version unknown)");
	if (proc_capture(argv, 4096, &text) == 0 && text.len) {
		snprintf(out, n, "%s", text.buf);
		out[strcspn(out, "\n")] = 0;
	}
	sb_release(&text);
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

/* --quick: the baselines a full report (or lupine kernel --baseline) left
 * in the cache are measured too, so ratios are against microvm when it is there. */
static void add_cached_baselines(struct report *r)
{
	static const char *const names[] = {"microvm", "debian"};

	for (size_t i = 0; r->cached_baselines && i < ARRAY_SIZE(names); i++) {
		struct kspec ks = {0};
		struct kspec_build kb = {.source = r->source, .cached_only = 1};
		struct kbuild_result k = {0};
		struct strbuf err = {0};
		char *label = NULL;

		kspec_parse(&ks, names[i]);
		if (!strlist_has(&r->baselines, names[i]) && kspec_kernel(&ks, &kb, &k, &label, &err) == 0) {
			note("report: baseline %s is in the cache: measured too", names[i]);
			strlist_add(&r->baselines, names[i]);
		}
		kbuild_result_release(&k);
		kspec_release(&ks);
		free(label);
		sb_release(&err);
	}
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
	add_cached_baselines(r);
	for (size_t i = 0; i < r->baselines.n; i++)
		strlist_add(&r->kernels, r->baselines.v[i]);
	r->ref = strlist_has(&r->baselines, "microvm") ? "microvm" : r->kernels.v[0];
}

/* The sections in order, until one fails for good. */
static void run_sections(struct report *r)
{
	report_section_fn *const sections[] = {report_kernels, report_memory, report_syscalls, report_throughput,
					       report_warm};

	for (size_t i = 0; i < ARRAY_SIZE(sections) && !r->fatal.len; i++)
		if (sections[i])
			sections[i](r);
}

int report_run(struct report *r, struct strbuf *err)
{
	double t0 = now_sec();
	char d[32];

	if (mkdir_p(r->dir, 0755) < 0 || !(r->abs_dir = realpath(r->dir, NULL))) {
		sb_addf(err, "cannot create '%s': %s", r->dir, strerror(errno));
		return -1;
	}
	r->dir = r->abs_dir;
	describe_machine(r);
	choose_kernels(r);
	report_md(r, "# Lupine evaluation report\n");
	report_md(r, "Measured with `lupine bench report%s -n %d --apps ...`: %s.", r->quick ? " --quick" : "", r->n,
		  r->how);
	report_md(r, "Ratios are against **%s**, measured in this run. Raw samples are in the CSV files "
		     "beside this one; every plot has its gnuplot script (`NAME.svg.gp`).",
		  r->ref);
	run_sections(r);
	report_md(r, "\n---\nThe whole report took %s.", fmt_duration(now_sec() - t0, d, sizeof(d)));
	if (!r->fatal.len)
		report_write(r, "report.md", r->md.buf);
	if (r->fatal.len) {
		sb_adds(err, r->fatal.buf);
		return -1;
	}
	printf("report   %s/report.md (%s)%s\n", r->dir, d, r->trouble ? "; some measurements failed: see the report" : "");
	return r->trouble ? 1 : 0;
}

void report_release(struct report *r)
{
	sb_release(&r->md);
	sb_release(&r->fatal);
	strlist_release(&r->apps);
	strlist_release(&r->kernels);
	strlist_release(&r->baselines);
	strlist_release(&r->built);
	free(r->abs_dir);
	r->abs_dir = NULL;
}
