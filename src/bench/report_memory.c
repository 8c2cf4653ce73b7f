/* report_memory.c: section 3 of `lupine bench report`: the smallest memory at
 * which each app still answers its client, per kernel; then density: host
 * memory and CPU of idle VMs. */
#include "apps/recipe.h"
#include "bench/report.h"
#include "bundle/ready.h"
#include "lib/proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const variants[] = {"own", "general", "microvm"};
#define NVAR 3

static void smallest(struct report *r, const char *app, struct strbuf *csv)
{
	struct recipe rec;
	struct strbuf err = {0};
	int mib[NVAR] = {0}, floor;
	char a[32], cells[NVAR][48];

	if (recipe_load(app, &rec, &err) < 0) {
		report_md(r, "| %s | %s |", app, err.buf);
		r->trouble = 1;
		sb_release(&err);
		return;
	}
	for (int v = 0; v < NVAR; v++) {
		char *bundle, *port, *log;
		struct readiness rd;
		snprintf(cells[v], sizeof(cells[v]), "-");
		if (!report_variant_wanted(r, variants[v]) || !(bundle = report_bundle(r, app, variants[v])))
			continue;
		report_readiness(r, &rec, variants[v], &rd, &port, &log);
		note("report: smallest memory of %s on %s ...", app, variants[v]);
		mib[v] = smallest_memory(&rd, bundle, rec.memory_mib > 256 ? rec.memory_mib : 256,
					 rec.check_timeout > 0 ? rec.check_timeout : 60);
		floor = boot_floor(bundle);
		if (mib[v] > 0)
			snprintf(cells[v], sizeof(cells[v]), "%d [%d]", mib[v], floor);
		else
			snprintf(cells[v], sizeof(cells[v]), "not ready at 256 [%d]", floor);
		if (mib[v] <= 0)
			r->trouble = 1;
		sb_addf(csv, "%s,%s,%d,%d\n", app, variants[v], mib[v], floor);
		free(port);
		free(log);
		free(bundle);
	}
	report_md(r, "| %s | %s | %s | %s | %s |", app, cells[0], cells[1], cells[2],
		  report_ratio(mib[0], mib[2], a, sizeof(a)));
	recipe_release(&rec);
}

/* utime+stime of pid in seconds, or -1. */
static double cpu_secs(pid_t pid)
{
	struct proc_stat st;
	return proc_stat_read(pid, &st) == 0 ? st.ticks / (double)sysconf(_SC_CLK_TCK) : -1;
}

struct idle_vm {
	struct ready_run *run;
	pid_t qemu;
	char *port, *log;
	struct readiness rd;
	double t0_qemu, t0_run; /* CPU seconds at the window's start */
};

/* What the idle VMs cost together. */
struct density {
	long up;            /* VMs that answered */
	long rss, pss;      /* KiB, summed */
	double cpu_q, cpu_r; /* %% of a core, summed: QEMU, the thread serving it */
};

/* Starts k VMs of bundle, each until it answers its client; how many did. */
static long start_idle(struct report *r, const struct recipe *rec, const char *bundle, struct idle_vm *vms,
		       int k, int mem)
{
	long up = 0;

	for (int i = 0; i < k; i++) {
		char *variant = xasprintf("idle%d", i + 1);
		report_readiness(r, rec, variant, &vms[i].rd, &vms[i].port, &vms[i].log);
		double t0 = now_sec();
		vms[i].run = ready_start(&vms[i].rd, bundle, mem);
		if (ready_wait(&vms[i].rd, vms[i].run, t0, rec->check_timeout > 0 ? rec->check_timeout : 60) >= 0) {
			vms[i].qemu = ready_vmm_pid(vms[i].run);
			up++;
		}
		free(variant);
	}
	return up;
}

/* Host memory of the VMs that answered, and their CPU over window seconds of idleness. */
static void sample(struct idle_vm *vms, int k, double window, struct strbuf *csv, struct density *d)
{
	sleep(2); /* let the last client's traffic settle */
	for (int i = 0; i < k; i++)
		if (vms[i].qemu > 0) {
			vms[i].t0_qemu = cpu_secs(vms[i].qemu);
			vms[i].t0_run = ready_server_cpu(vms[i].run);
		}
	usleep((useconds_t)(window * 1e6));
	sb_adds(csv, "vm,qemu_rss_kib,qemu_pss_kib,qemu_cpu_pct,server_cpu_pct\n");
	for (int i = 0; i < k; i++) {
		if (vms[i].qemu <= 0)
			continue;
		long rs = proc_kib(vms[i].qemu, "status", "VmRSS"), ps = proc_kib(vms[i].qemu, "smaps_rollup", "Pss");
		double cq = (cpu_secs(vms[i].qemu) - vms[i].t0_qemu) / window * 100;
		double cr = (ready_server_cpu(vms[i].run) - vms[i].t0_run) / window * 100;
		sb_addf(csv, "%d,%ld,%ld,%.2f,%.2f\n", i + 1, rs, ps, cq, cr);
		d->rss += rs;
		d->pss += ps;
		d->cpu_q += cq;
		d->cpu_r += cr;
	}
}

static void density_md(struct report *r, const char *app, int mem, double window, const struct density *d)
{
	double rss_mib = d->rss / 1024.0 / d->up, pss_mib = d->pss / 1024.0 / d->up;
	double cq = d->cpu_q / d->up, cr = d->cpu_r / d->up;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	long mem_mib = sysconf(_SC_PHYS_PAGES) / 1024 * sysconf(_SC_PAGESIZE) / 1024;

	report_md(r, "\n### Density: %ld idle %s VMs (own kernel, -m %d)\n", d->up, app, mem);
	report_md(r, "| per idle VM | QEMU RSS MiB | QEMU PSS MiB | QEMU CPU %% of a core | lupine's serving thread CPU %% |");
	report_md(r, "|---|---:|---:|---:|---:|");
	report_md(r, "| mean of %ld | %.1f | %.1f | %.2f | %.2f |", d->up, rss_mib, pss_mib, cq, cr);
	report_md(r, "\nRSS counts every page the QEMU process maps, shared ones (QEMU's code, libraries) in full for "
		     "each VM; PSS splits shared pages between the processes sharing them, so the sum of PSS is what "
		     "the VMs cost together. CPU is utime+stime over %.0f s of idleness after each answered its "
		     "client once; the VMs run inside lupine, each served by a thread of its own. On this host "
		     "(%ld MiB, %ld CPUs): memory fits ~%.0f such VMs (by PSS), CPU ~%.0f (by QEMU's idle CPU).",
		  window, mem_mib, cores, pss_mib > 0 ? mem_mib / pss_mib : 0, cq > 0 ? cores * 100.0 / cq : 0);
}

/* Starts k VMs of app on its own kernel, waits for each to answer, then
 * samples their host memory and, over a window, the CPU they burn idle. */
static void density(struct report *r, const char *app, int k, int mem)
{
	struct recipe rec = {0};
	struct strbuf err = {0}, csv = {0};
	struct idle_vm *vms = xcalloc((size_t)k, sizeof(*vms));
	struct density d = {0};
	char *bundle = NULL;
	double window = r->quick ? 5 : 20;

	if (recipe_load(app, &rec, &err) < 0 || !(bundle = report_bundle(r, app, "own"))) {
		report_md(r, "\nDensity not measured: %s", err.len ? err.buf : "the bundle did not build");
		r->trouble = 1;
		goto out;
	}
	note("report: %d idle %s VMs (-m %d) ...", k, app, mem);
	d.up = start_idle(r, &rec, bundle, vms, k, mem);
	sample(vms, k, window, &csv, &d);
	for (int i = 0; i < k; i++) {
		ready_stop(vms[i].run);
		readiness_release(&vms[i].rd);
		free(vms[i].port);
		free(vms[i].log);
	}
	report_write(r, "density.csv", csv.buf);
	if (d.up < k)
		r->trouble = 1;
	if (d.up)
		density_md(r, app, mem, window, &d);
out:
	recipe_release(&rec);
	free(bundle);
	free(vms);
	sb_release(&csv);
	sb_release(&err);
}

void report_memory(struct report *r)
{
	struct strbuf csv = {0};

	report_md(r, "\n## 3. Memory\n");
	report_md(r, "Smallest -m (MiB) at which the app answers its recipe's client check, by bisection "
		     "(one run per step), the same rootfs on each kernel. In brackets, the least memory the "
		     "kernel can unpack itself in (its load address + init_size, from the bzImage header): "
		     "nothing boots below it, so it bounds each figure from below.\n");
	report_md(r, "| app | own kernel | general | microvm | own vs microvm |");
	report_md(r, "|---|---:|---:|---:|---:|");
	sb_adds(&csv, "app,kernel,smallest_mib,boot_floor_mib\n");
	for (size_t i = 0; i < r->apps.n; i++) {
		smallest(r, r->apps.v[i], &csv);
		if (r->quick)
			break;
	}
	report_md(r, "\nTarget: own kernel at most 60%% of microvm's for redis and nginx (%s).",
		  strlist_has(&r->baselines, "microvm") ? "see the ratio column" : "microvm not measured in this run");
	report_write(r, "memory.csv", csv.buf);
	sb_release(&csv);
	density(r, r->apps.v[0], r->quick ? 2 : 4, 128);
}
