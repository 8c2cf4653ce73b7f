/* report_kernels.c: sections 1 and 2 of `lupine bench report`: each kernel's
 * size and options, then its time to init over N boots, round-robin. */
#include "bench/bootphase.h"
#include "bench/boots.h"
#include "bench/report.h"
#include "bench/stats.h"
#include "kernel/kbuild.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Seed (Linux 4.0, Firecracker, KVM): lupine's image was 27% of the microVM
 * config's; lupine-base set ~285 options, microVM ~811. */
#define SEED_IMAGE_RATIO "x0.27 (lupine kernels)"
#define SEED_BASE_OPTIONS "~285 (base), ~811 (microVM)"

struct kern {
	const char *spec;
	struct kbuild_result k;
	int built;
	struct boot_series *b; /* its boots */
};

static struct kern *find(struct kern *ks, size_t n, const char *spec)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ks[i].spec, spec))
			return &ks[i];
	return NULL;
}

static void build_all(struct report *r, struct kern *ks)
{
	for (size_t i = 0; i < r->kernels.n; i++) {
		ks[i].spec = r->kernels.v[i];
		ks[i].built = report_kernel(r, ks[i].spec, &ks[i].k);
	}
}

static void sizes(struct report *r, struct kern *ks)
{
	struct strbuf csv = {0}, dat = {0};
	struct kern *ref = find(ks, r->kernels.n, r->ref);
	char a[32], b[32], c[32], d[32], e[32];

	report_md(r, "\n## 1. Image size and options\n");
	report_md(r, "| kernel | bzImage bytes | vs %s | vmlinux text+data+bss | vs %s | options =y | built in | seed (4.0) |",
		  r->ref, r->ref);
	report_md(r, "|---|---:|---:|---:|---:|---:|---:|---|");
	sb_adds(&csv, "kernel,bzimage_bytes,text,data,bss,options_y,build_sec,config_hash\n");
	for (size_t i = 0; i < r->kernels.n; i++) {
		const struct kern *k = &ks[i];
		if (!k->built)
			continue;
		unsigned long long tdb = k->k.text + k->k.data + k->k.bss;
		unsigned long long rtdb = ref && ref->built ? ref->k.text + ref->k.data + ref->k.bss : 0;
		int lupine = !strstr(k->spec, "microvm") && !strstr(k->spec, "debian");
		report_md(r, "| %s | %s | %s | %s | %s | %lu | %s | %s |", k->spec,
			  fmt_thousands(k->k.bzimage_bytes, a, sizeof(a)),
			  report_ratio((double)k->k.bzimage_bytes, ref && ref->built ? (double)ref->k.bzimage_bytes : 0,
				       b, sizeof(b)),
			  fmt_thousands(tdb, c, sizeof(c)), report_ratio((double)tdb, (double)rtdb, d, sizeof(d)),
			  k->k.options_y, k->k.build_sec <= 0 ? "-" : fmt_duration(k->k.build_sec, e, sizeof(e)),
			  lupine ? SEED_IMAGE_RATIO : "");
		sb_addf(&csv, "%s,%llu,%llu,%llu,%llu,%lu,%.1f,%s\n", k->spec, k->k.bzimage_bytes, k->k.text, k->k.data,
			k->k.bss, k->k.options_y, k->k.build_sec, k->k.hash);
		sb_addf(&dat, "\"%s\" %llu %lu\n", k->spec, k->k.bzimage_bytes, k->k.options_y);
	}
	report_md(r, "\nSeed options count: %s. Sizes from the cache's info.json (bzImage file size; "
		     "vmlinux section sizes as size(1) counts them).", SEED_BASE_OPTIONS);
	report_write(r, "size.csv", csv.buf);
	report_write(r, "size.dat", dat.buf);
	report_plot(r, "size",
		    "set title 'bzImage size'; set ylabel 'MiB'; set style fill solid 0.6; set boxwidth 0.6;\n"
		    "set xtics rotate by -30; set grid ytics; unset key; set yrange [0:*]\n"
		    "plot 'size.dat' using 0:($2/1048576):xtic(1) with boxes\n");
	sb_release(&csv);
	sb_release(&dat);
}

static void boot_table(struct report *r, struct kern *ks)
{
	struct strbuf csv = {0}, dat = {0}, gp = {0};
	struct kern *ref = find(ks, r->kernels.n, r->ref);
	double ref_wall = 0, ref_guest = 0;
	char a[32], b[32];
	int block = 0;

	report_md(r, "\n## 2. Boot: time to init\n");
	report_md(r, "Each kernel boots the built-in hello init (64 MiB, or its unpack floor + 32 MiB when that "
		     "is more), %d times, round-robin. *wall*: host clock "
		     "from QEMU's start until the init's first word on the control port; *guest*: the guest's "
		     "CLOCK_BOOTTIME then. Median [min-max].\n", r->n);
	report_md(r, "| kernel | wall s | vs %s | guest s | vs %s | boots reached init |", r->ref, r->ref);
	report_md(r, "|---|---|---:|---|---:|---:|");
	sb_adds(&csv, "kernel,boot,wall_sec,guest_sec\n");
	if (ref && ref->b->reached) {
		double w[100], g[100];
		memcpy(w, ref->b->wall, sizeof(double) * (size_t)ref->b->reached);
		memcpy(g, ref->b->guest, sizeof(double) * (size_t)ref->b->reached);
		ref_wall = stats_of(w, (size_t)ref->b->reached).median;
		ref_guest = stats_of(g, (size_t)ref->b->reached).median;
	}
	sb_adds(&gp, "set title 'Time to init (host wall clock)'; set xlabel 'seconds'; set ylabel 'fraction of boots';\n"
		     "set key bottom right; set grid; set yrange [0:1.05]\nplot ");
	for (size_t i = 0; i < r->kernels.n; i++) {
		struct kern *k = &ks[i];
		if (!k->built)
			continue;
		for (int j = 0; j < k->b->reached; j++)
			sb_addf(&csv, "%s,%d,%.4f,%.4f\n", k->spec, j + 1, k->b->wall[j], k->b->guest[j]);
		struct stats w = stats_of(k->b->wall, (size_t)k->b->reached), g = stats_of(k->b->guest, (size_t)k->b->reached);
		report_md(r, "| %s | %.3f [%.3f-%.3f] | %s | %.3f [%.3f-%.3f] | %s | %d/%d |", k->spec, w.median, w.min, w.max,
			  report_ratio(w.median, ref_wall, a, sizeof(a)), g.median, g.min, g.max,
			  report_ratio(g.median, ref_guest, b, sizeof(b)), k->b->reached, k->b->tries);
		if (k->b->reached < k->b->tries)
			r->trouble = 1;
		/* the empirical CDF: sorted times (stats_of sorted them), i/n */
		for (int j = 0; j < k->b->reached; j++)
			sb_addf(&dat, "%.4f %.4f\n", k->b->wall[j], (double)(j + 1) / k->b->reached);
		sb_adds(&dat, "\n\n");
		sb_addf(&gp, "%s'boot-cdf.dat' index %d with steps lw 2 title '%s'", block ? ", " : "", block, k->spec);
		block++;
	}
	sb_adds(&gp, "\n");
	report_md(r, "\nTarget: an app kernel's time to init at most 10%% of microvm's (ratio <= x0.10; it was "
		     "x0.35 before issue 25).");
	report_write(r, "boot.csv", csv.buf);
	report_write(r, "boot-cdf.dat", dat.buf);
	if (block)
		report_plot(r, "boot-cdf", gp.buf);
	sb_release(&csv);
	sb_release(&dat);
	sb_release(&gp);
}

/* Boots every kernel that built, round-robin; a boot that cannot start
 * counts as one that did not reach init. */
static void boot_all(struct report *r, struct kern *ks, struct boot_series *bs)
{
	for (size_t i = 0; i < r->kernels.n; i++) {
		ks[i].b = &bs[i];
		bs[i].image = ks[i].built ? ks[i].k.bzimage : NULL;
	}
	boots_round_robin(bs, r->kernels.n, r->n, "report: ", BOOTS_KEEP_GOING, NULL);
}

/* Whether spec gets a phase table: the apps' kernels, general and microvm. */
static int phased(const struct report *r, const char *spec)
{
	return strlist_has(&r->apps, spec) || !strcmp(spec, "general") || !strcmp(spec, "microvm");
}

/* 2b: where the time to init goes, bzImage against vmlinux, same run. */
static void phase_tables(struct report *r, struct kern *ks)
{
	struct boot_kernel *bk = xcalloc(r->kernels.n, sizeof(*bk));
	struct strbuf md = {0}, csv = {0}, err = {0};
	size_t n = 0;

	for (size_t i = 0; i < r->kernels.n; i++)
		if (ks[i].built && phased(r, ks[i].spec)) {
			bk[n].label = ks[i].spec;
			bk[n].vmlinux = bk[n].image[BOOT_VMLINUX].path = ks[i].k.vmlinux;
			bk[n++].image[BOOT_BZIMAGE].path = ks[i].k.bzimage;
		}
	report_md(r, "\n## 2b. Where the time to init goes\n");
	report_md(r, "Each kernel boots the hello init from its bzImage (QEMU's loader, the kernel decompresses "
		     "itself) and from its vmlinux (QEMU's PVH entry: nothing to decompress), %d times each, "
		     "round-robin, each time twice: a *plain* boot (timed as above) and a *measuring* boot "
		     "(`%s`: printk times and initcall_debug into the log buffer, not the console; the hello "
		     "init prints the log after it has reported). Phases are medians over the measuring boots, "
		     "in host seconds: the VM's start is its TSC's zero (TCG counts host TSC ticks from QEMU's "
		     "start of the VM), and guest clocks are scaled from the 2 GHz the kernel is told "
		     "(tsc_early_khz) to this host's TSC rate. `lupine bench boot SPEC...` makes the same tables.",
		  r->n, PHASES_CMDLINE);
	if (bootphase_measure(bk, n, r->n, &err) < 0) {
		report_md(r, "\n**The phase boots failed**: %s", err.buf);
		r->trouble = 1;
	}
	bootphase_table(bk, n, r->ref, &md);
	bootphase_csv(bk, n, &csv);
	report_md(r, "%s", md.buf ? md.buf : "");
	report_write(r, "phases.csv", csv.buf ? csv.buf : "");
	for (size_t i = 0; i < n; i++)
		boot_kernel_release(&bk[i]);
	free(bk);
	sb_release(&md);
	sb_release(&csv);
	sb_release(&err);
}

void report_kernels(struct report *r)
{
	struct kern *ks = xcalloc(r->kernels.n, sizeof(*ks));
	struct boot_series *bs = xcalloc(r->kernels.n, sizeof(*bs));

	build_all(r, ks);
	sizes(r, ks);
	boot_all(r, ks, bs);
	boot_table(r, ks);
	phase_tables(r, ks);
	report_app_phases(r);
	for (size_t i = 0; i < r->kernels.n; i++) {
		kbuild_result_release(&ks[i].k);
		boot_series_release(&bs[i]);
	}
	free(bs);
	free(ks);
}
