/* report_syscalls.c: section 4 of `lupine bench report`: the latency probe
 * (null call, read, write, stat, open+close, 2-process context switch) on each
 * app's kernel, the same with KML (the probe runs in ring 0), and microvm. */
#include "bench/latency.h"
#include "bench/report.h"
#include "bench/stats.h"
#include "kernel/kbuild.h"
#include "lib/guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXK 8
#define MAXREP 100

/* the calls the report shows, as the probe names them */
static const char *const shown[] = {"getppid", "read-devzero", "write-devnull", "stat", "open+close", "ctxsw-2p"};
#define NSHOWN (sizeof(shown) / sizeof(shown[0]))

struct lat_kernel {
	char spec[64];
	struct kbuild_result k;
	double v[NSHOWN][MAXREP];
	int n[NSHOWN];
	int cpl; /* the ring the probe ran in on this kernel */
};

static int get(struct report *r, struct lat_kernel *lk, const char *spec)
{
	snprintf(lk->spec, sizeof(lk->spec), "%s", spec);
	return report_kernel(r, spec, &lk->k);
}

static void record(struct lat_kernel *lk, const struct latency_sample *s, int n)
{
	for (int i = 0; i < n; i++)
		for (size_t j = 0; j < NSHOWN; j++)
			if (!strcmp(s[i].name, shown[j]) && lk->n[j] < MAXREP) {
				lk->v[j][lk->n[j]++] = s[i].ns;
				lk->cpl = s[i].cpl;
			}
}

static void run(struct report *r, struct lat_kernel *lks, int nk, const char *initrd)
{
	for (int rep = 0; rep < r->n; rep++) {
		for (int i = 0; i < nk; i++) {
			struct latency_sample s[LATENCY_MAX];
			struct strbuf err = {0};
			int n = latency_boot(lks[i].k.bzimage, initrd, s, &err);
			if (n < 0) {
				report_md(r, "\n**%s: the probe failed on boot %d**: %.300s", lks[i].spec, rep + 1, err.buf);
				r->trouble = 1;
			} else {
				record(&lks[i], s, n);
			}
			sb_release(&err);
		}
		fprintf(stderr, "\rreport: latency probe %d/%d on every kernel", rep + 1, r->n);
	}
	fprintf(stderr, "\n");
}

static void table(struct report *r, struct lat_kernel *lks, int nk, struct strbuf *csv, struct strbuf *dat)
{
	struct strbuf head = {0}, rule = {0};
	const struct lat_kernel *ref = NULL;

	for (int i = 0; i < nk; i++)
		if (!strcmp(lks[i].spec, "microvm"))
			ref = &lks[i];
	sb_adds(&head, "| call (ns) |");
	sb_adds(&rule, "|---|");
	for (int i = 0; i < nk; i++) {
		sb_addf(&head, " %s |", lks[i].spec);
		sb_adds(&rule, "---|");
	}
	report_md(r, "%s\n%s", head.buf, rule.buf);
	sb_adds(dat, "call");
	for (int i = 0; i < nk; i++)
		sb_addf(dat, " \"%s\"", lks[i].spec);
	sb_adds(dat, "\n");
	for (size_t j = 0; j < NSHOWN; j++) {
		struct strbuf row = {0};
		double refmed = 0;
		if (ref && ref->n[j]) {
			double tmp[MAXREP];
			memcpy(tmp, ref->v[j], sizeof(double) * (size_t)ref->n[j]);
			refmed = stats_of(tmp, (size_t)ref->n[j]).median;
		}
		sb_addf(&row, "| %s |", shown[j]);
		sb_addf(dat, "%s", shown[j]);
		for (int i = 0; i < nk; i++) {
			const struct lat_kernel *k = &lks[i];
			char ratio[32];
			for (int s = 0; s < k->n[j]; s++)
				sb_addf(csv, "%s,%s,%d,%.2f,%d\n", k->spec, shown[j], s + 1, k->v[j][s], k->cpl);
			double tmp[MAXREP];
			memcpy(tmp, k->v[j], sizeof(double) * (size_t)k->n[j]);
			struct stats st = stats_of(tmp, (size_t)k->n[j]);
			sb_addf(&row, st.n ? " %.1f [%.1f-%.1f] %s |" : " - |", st.median, st.min, st.max,
				ref && k != ref ? report_ratio(st.median, refmed, ratio, sizeof(ratio)) : "");
			sb_addf(dat, " %.1f", st.median);
		}
		sb_adds(dat, "\n");
		report_md(r, "%s", row.buf);
		sb_release(&row);
	}
	sb_release(&head);
	sb_release(&rule);
}

/* Each app's kernel and the same with KML (the first app only with
 * --quick), then microvm when measured; the number that built. */
static int get_all(struct report *r, struct lat_kernel *lks)
{
	int nk = 0;

	for (size_t a = 0; a < r->apps.n && nk + 2 <= MAXK; a++) {
		char *kml = xasprintf("%s+kml", r->apps.v[a]);
		nk += get(r, &lks[nk], r->apps.v[a]);
		nk += get(r, &lks[nk], kml);
		free(kml);
		if (r->quick)
			break;
	}
	if (strlist_has(&r->baselines, "microvm") && nk < MAXK)
		nk += get(r, &lks[nk], "microvm");
	return nk;
}

static void write_files(struct report *r, int nk, const struct strbuf *csv, const struct strbuf *dat)
{
	report_write(r, "syscalls.csv", csv->buf);
	report_write(r, "syscalls.dat", dat->buf);
	char *gp = xasprintf("set title 'System calls (median ns per call)'; set style data histograms;\n"
			     "set style histogram clustered gap 1; set style fill solid 0.6; set grid ytics;\n"
			     "set logscale y; set key top left; set xtics rotate by -20\n"
			     "plot for [i=2:%d] 'syscalls.dat' using i:xtic(1) title columnheader(i)\n", nk + 1);
	if (nk)
		report_plot(r, "syscalls", gp);
	free(gp);
}

void report_syscalls(struct report *r)
{
	struct lat_kernel *lks = NULL;
	struct strbuf csv = {0}, dat = {0}, err = {0};
	const char *iters = r->quick ? "20000" : "200000";
	char *tmp = tmp_dir("report"), *initrd = NULL;
	int nk = 0;

	if (!tmp) {
		report_fail(r, "cannot create a temporary directory");
		return;
	}
	if (!(initrd = latency_initrd(tmp, iters, &err))) {
		report_fail(r, "%s", err.buf);
		goto out;
	}
	lks = xcalloc(MAXK, sizeof(*lks));
	report_md(r, "\n## 4. System calls\n");
	report_md(r, "The probe (tests/kml/latency.c, static, KML musl) runs from /trusted/: in ring 0 on a +kml "
		     "kernel, ring 3 elsewhere; %s calls per kind, best of 3 loops per boot, %d boots per kernel, "
		     "alternating kernels. ctxsw-2p is lmbench's lat_ctx with 2 processes and no working set: a byte "
		     "passed round a pipe ring, ns per switch with one process's pipe cost taken out. Median [min-max] "
		     "over boots%s.\n", iters, r->n, strlist_has(&r->baselines, "microvm") ? ", ratio vs microvm" : "");
	sb_adds(&csv, "kernel,call,boot,ns,cpl\n");
	nk = get_all(r, lks);
	run(r, lks, nk, initrd);
	table(r, lks, nk, &csv, &dat);
	report_md(r, "\nSeed (4.0): lmbench null call 0.08 us on lupine-general (KVM); KML: syscall latency much lower.");
	write_files(r, nk, &csv, &dat);
	for (int i = 0; i < nk; i++)
		kbuild_result_release(&lks[i].k);
out:
	rm_rf(tmp);
	free(tmp);
	free(initrd);
	free(lks);
	sb_release(&err);
	sb_release(&dat);
	sb_release(&csv);
}
