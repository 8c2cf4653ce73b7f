/* report_memory.c: section 3 of `lupine bench report`: the smallest memory at
 * which each app still answers its client, per kernel; then density: host
 * memory and CPU of idle VMs. */
#include "bench/report.h"
#include "bundle/recipe.h"
#include "cmd/readiness.h"
#include "cmd/report_apps.h"

#include <dirent.h>
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

/* The QEMU process lupine run started: its child whose name begins "qemu". */
static pid_t qemu_of(pid_t parent)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = -1;

	while (d && (de = readdir(d)) && found < 0) {
		struct proc_stat st;
		int pid = atoi(de->d_name);
		if (pid > 0 && proc_stat_read(pid, &st) == 0 && st.ppid == parent && str_starts(st.comm, "qemu"))
			found = pid;
	}
	if (d)
		closedir(d);
	return found;
}

/* utime+stime of pid in clock ticks, or -1. */
static long cpu_ticks(pid_t pid)
{
	struct proc_stat st;
	return proc_stat_read(pid, &st) == 0 ? st.ticks : -1;
}

/* A "Key:   N kB" field of /proc/PID/FILE in KiB, or -1. */
static long proc_kib(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	long v = -1;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (str_starts(line, key) && line[strlen(key)] == ':')
			v = atol(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return v;
}

struct idle_vm {
	pid_t run, qemu;
	char *port, *log;
	struct readiness rd;
	long t0_qemu, t0_run; /* CPU ticks at the window's start */
};

/* Starts k VMs of app on its own kernel, waits for each to answer, then
 * samples their host memory and, over a window, the CPU they burn idle. */
static void density(struct report *r, const char *app, int k, int mem)
{
	struct recipe rec = {0};
	struct strbuf err = {0}, csv = {0};
	struct idle_vm *vms = xcalloc((size_t)k, sizeof(*vms));
	char *bundle = NULL;
	double window = r->quick ? 5 : 20, hz = (double)sysconf(_SC_CLK_TCK);
	long rss = 0, pss = 0, up = 0;
	double cpu_q = 0, cpu_r = 0;

	if (recipe_load(app, &rec, &err) < 0 || !(bundle = report_bundle(r, app, "own"))) {
		report_md(r, "\nDensity not measured: %s", err.len ? err.buf : "the bundle did not build");
		r->trouble = 1;
		goto out;
	}
	note("report: %d idle %s VMs (-m %d) ...", k, app, mem);
	for (int i = 0; i < k; i++) {
		char *variant = xasprintf("idle%d", i + 1);
		report_readiness(r, &rec, variant, &vms[i].rd, &vms[i].port, &vms[i].log);
		double t0 = now_sec();
		vms[i].run = ready_start(&vms[i].rd, bundle, mem);
		if (ready_wait(&vms[i].rd, &vms[i].run, t0, rec.check_timeout > 0 ? rec.check_timeout : 60) >= 0) {
			vms[i].qemu = qemu_of(vms[i].run);
			up++;
		}
		free(variant);
	}
	sleep(2); /* let the last client's traffic settle */
	for (int i = 0; i < k; i++)
		if (vms[i].qemu > 0) {
			vms[i].t0_qemu = cpu_ticks(vms[i].qemu);
			vms[i].t0_run = cpu_ticks(vms[i].run);
		}
	usleep((useconds_t)(window * 1e6));
	sb_adds(&csv, "vm,qemu_rss_kib,qemu_pss_kib,qemu_cpu_pct,lupine_run_cpu_pct\n");
	for (int i = 0; i < k; i++) {
		if (vms[i].qemu <= 0)
			continue;
		long rs = proc_kib(vms[i].qemu, "status", "VmRSS"), ps = proc_kib(vms[i].qemu, "smaps_rollup", "Pss");
		double cq = (cpu_ticks(vms[i].qemu) - vms[i].t0_qemu) / hz / window * 100;
		double cr = (cpu_ticks(vms[i].run) - vms[i].t0_run) / hz / window * 100;
		sb_addf(&csv, "%d,%ld,%ld,%.2f,%.2f\n", i + 1, rs, ps, cq, cr);
		rss += rs;
		pss += ps;
		cpu_q += cq;
		cpu_r += cr;
	}
	for (int i = 0; i < k; i++) {
		ready_stop(vms[i].run);
		free(vms[i].port);
		free(vms[i].log);
	}
	report_write(r, "density.csv", csv.buf);
	if (up < k)
		r->trouble = 1;
	if (!up)
		goto out;
	double rss_mib = rss / 1024.0 / up, pss_mib = pss / 1024.0 / up, cq = cpu_q / up, cr = cpu_r / up;
	long cores = sysconf(_SC_NPROCESSORS_ONLN), mem_mib = sysconf(_SC_PHYS_PAGES) / 1024 * sysconf(_SC_PAGESIZE) / 1024;
	report_md(r, "\n### Density: %ld idle %s VMs (own kernel, -m %d)\n", up, app, mem);
	report_md(r, "| per idle VM | QEMU RSS MiB | QEMU PSS MiB | QEMU CPU %% of a core | lupine run CPU %% |");
	report_md(r, "|---|---:|---:|---:|---:|");
	report_md(r, "| mean of %ld | %.1f | %.1f | %.2f | %.2f |", up, rss_mib, pss_mib, cq, cr);
	report_md(r, "\nRSS counts every page the QEMU process maps, shared ones (QEMU's code, libraries) in full for "
		     "each VM; PSS splits shared pages between the processes sharing them, so the sum of PSS is what "
		     "the VMs cost together. CPU is utime+stime over %.0f s of idleness after each answered its "
		     "client once. On this host (%ld MiB, %ld CPUs): memory fits ~%.0f such VMs (by PSS), CPU ~%.0f "
		     "(by QEMU's idle CPU).",
		  window, mem_mib, cores, pss_mib > 0 ? mem_mib / pss_mib : 0, cq > 0 ? cores * 100.0 / cq : 0);
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
