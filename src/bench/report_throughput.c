/* report_throughput.c: section 5 of `lupine bench report`: each app under a real
 * load generator on its own kernel, +KML, general and microvm, the same rootfs,
 * the kernels alternating run by run. A load that stalls is reported. */
#include "apps/recipe.h"
#include "bench/report.h"
#include "bench/stats.h"
#include "bundle/ready.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One load: a shell command ({port}, {n}, {secs} filled in) and where its
 * requests per second are printed (the number right after metric). */
struct load {
	const char *app, *name, *cmd, *metric, *seed;
};

static const struct load loads[] = {
	{"redis", "GET", "redis-benchmark -h 127.0.0.1 -p {port} -t get -n {n} -c 8 -q --csv", "\"GET\",\"",
	 "x1.22 (GET/SET)"},
	{"redis", "SET", "redis-benchmark -h 127.0.0.1 -p {port} -t set -n {n} -c 8 -q --csv", "\"SET\",\"",
	 "x1.22 (GET/SET)"},
	{"nginx", "keep-alive", "wrk -t1 -c8 -d{secs}s http://127.0.0.1:{port}/", "Requests/sec:", "x1.15"},
	{"nginx", "conn-per-request", "wrk -t1 -c8 -d{secs}s -H 'Connection: close' http://127.0.0.1:{port}/",
	 "Requests/sec:", "x1.31"},
};
#define NLOADS (sizeof(loads) / sizeof(loads[0]))

static const char *const variants[] = {"own", "kml", "general", "microvm"};
#define NVAR 4
#define MAXREP 100

struct tp {
	double v[NLOADS][NVAR][MAXREP];
	int n[NLOADS][NVAR], stalled[NLOADS][NVAR];
};

static char *fill(const char *cmd, int port, int n, int secs)
{
	struct strbuf sb = {0};
	for (const char *p = cmd; *p; p++) {
		if (str_starts(p, "{port}"))
			sb_addf(&sb, "%d", port), p += 5;
		else if (str_starts(p, "{n}"))
			sb_addf(&sb, "%d", n), p += 2;
		else if (str_starts(p, "{secs}"))
			sb_addf(&sb, "%d", secs), p += 5;
		else
			sb_add(&sb, p, 1);
	}
	return sb_detach(&sb);
}

/* Runs one load with a time limit; requests per second, or -1 when it stalled or failed. */
static double run_load(const struct load *l, int port, int quick, char *why, size_t whylen)
{
	int secs = quick ? 2 : 10, n = quick ? 2000 : 20000;
	char *cmd = fill(l->cmd, port, n, secs), *full = xasprintf("timeout 120 %s", cmd);
	char *argv[] = {"sh", "-c", full, NULL};
	struct strbuf out = {0};
	double rps = -1;
	int st = proc_capture(argv, 1 << 20, &out);
	const char *m = out.buf ? strstr(out.buf, l->metric) : NULL;
	if (st == 0 && m)
		rps = atof(m + strlen(l->metric));
	else
		snprintf(why, whylen, "%s: %.200s", st == 124 ? "stalled (no result in 120 s)" : "failed",
			 out.buf ? out.buf : "no output");
	for (char *p = why; *p; p++)
		if (*p == '\n' || *p == '|')
			*p = ' '; /* one markdown line */
	sb_release(&out);
	free(full);
	free(cmd);
	return rps > 0 ? rps : -1;
}

/* One run of app on variant: boot, wait for the client check, every load, stop. */
static void one_run(struct report *r, const struct recipe *rec, const char *bundle, int v, struct tp *t,
		    struct strbuf *csv, int rep)
{
	char *port, *log;
	struct readiness rd;
	double t0 = now_sec();

	report_readiness(r, rec, variants[v], &rd, &port, &log);
	struct ready_run *run = ready_start(&rd, bundle, rec->memory_mib ? rec->memory_mib : 128);
	int up = ready_wait(&rd, run, t0, rec->check_timeout > 0 ? rec->check_timeout : 60) >= 0;
	for (size_t i = 0; i < NLOADS; i++) {
		char why[300] = "the app did not answer its client check";
		if (strcmp(loads[i].app, rec->name))
			continue;
		double rps = up ? run_load(&loads[i], rd.host_port, r->quick, why, sizeof(why)) : -1;
		sb_addf(csv, "%s,%s,%s,%d,%.1f\n", rec->name, loads[i].name, variants[v], rep, rps);
		if (rps > 0) {
			t->v[i][v][t->n[i][v]++] = rps;
		} else {
			t->stalled[i][v]++;
			report_md(r, "\n**%s %s on %s, run %d: %s**", rec->name, loads[i].name, variants[v], rep, why);
			r->trouble = 1;
		}
	}
	ready_stop(run);
	readiness_release(&rd);
	free(port);
	free(log);
}

static void table(struct report *r, const char *app, struct tp *t, struct strbuf *dat)
{
	int have_ref = report_variant_wanted(r, "microvm");

	report_md(r, "\n| %s load (requests/s) | own | kml | general | microvm | own vs microvm [range] | seed (4.0) |",
		  app);
	report_md(r, "|---|---|---|---|---|---:|---|");
	for (size_t i = 0; i < NLOADS; i++) {
		struct strbuf row = {0};
		double med[NVAR] = {0};
		struct stats s[NVAR];
		if (strcmp(loads[i].app, app))
			continue;
		sb_addf(&row, "| %s |", loads[i].name);
		sb_addf(dat, "\"%s %s\"", app, loads[i].name);
		for (int v = 0; v < NVAR; v++) {
			s[v] = stats_of(t->v[i][v], (size_t)t->n[i][v]);
			med[v] = s[v].median;
			if (!report_variant_wanted(r, variants[v]))
				sb_adds(&row, " - |");
			else
				sb_addf(&row, " %.0f [%.0f-%.0f]%s |", s[v].median, s[v].min, s[v].max,
					t->stalled[i][v] ? " (stalls!)" : "");
			sb_addf(dat, " %.1f", med[v]);
		}
		sb_adds(dat, "\n");
		char ratio[64] = "-";
		if (have_ref && med[3] > 0 && med[0] > 0)
			snprintf(ratio, sizeof(ratio), "x%.2f [%.2f-%.2f]", med[0] / med[3], s[0].min / s[3].max,
				 s[0].max / s[3].min);
		report_md(r, "%s %s | %s |", row.buf, ratio, loads[i].seed);
		sb_release(&row);
	}
}

void report_throughput(struct report *r)
{
	struct tp *t = xcalloc(1, sizeof(*t));
	struct strbuf csv = {0}, dat = {0};

	report_md(r, "\n## 5. Throughput\n");
	report_md(r, "Each run boots the app's bundle (-m from its recipe), waits for its client check, runs the "
		     "loads from the host through QEMU's user-mode network port forward, and stops it; the kernels "
		     "alternate run by run, %d runs each. redis: redis-benchmark, 8 clients, %s requests per test; "
		     "nginx: wrk, 1 thread, 8 connections, %s s, keep-alive and with 'Connection: close' (a new "
		     "connection per request). Median [min-max]; the ratio's range is the extremes' (min/max, max/min).",
		  r->n, r->quick ? "2000" : "20000", r->quick ? "2" : "10");
	sb_adds(&csv, "app,load,kernel,run,requests_per_sec\n");
	sb_adds(&dat, "load own kml general microvm\n");
	for (size_t a = 0; a < r->apps.n; a++) {
		const char *app = r->apps.v[a];
		struct recipe rec = {0};
		struct strbuf err = {0};
		char *bundles[NVAR] = {0};
		memset(t, 0, sizeof(*t));
		if (recipe_load(app, &rec, &err) < 0) {
			report_md(r, "\n%s: %s", app, err.buf);
			r->trouble = 1;
		}
		for (int v = 0; v < NVAR && !err.len; v++)
			if (report_variant_wanted(r, variants[v]))
				bundles[v] = report_bundle(r, app, variants[v]);
		for (int rep = 1; rep <= r->n && !err.len; rep++) {
			for (int v = 0; v < NVAR; v++)
				if (bundles[v])
					one_run(r, &rec, bundles[v], v, t, &csv, rep);
			fprintf(stderr, "\rreport: %s under load, run %d/%d on every kernel", app, rep, r->n);
		}
		fprintf(stderr, "\n");
		if (!err.len)
			table(r, app, t, &dat);
		for (int v = 0; v < NVAR; v++)
			free(bundles[v]);
		recipe_release(&rec);
		sb_release(&err);
		if (r->quick)
			break;
	}
	report_md(r, "\nTarget: own kernel at least x1.2 microvm for redis GET/SET and nginx under TCG.");
	report_write(r, "throughput.csv", csv.buf);
	report_write(r, "throughput.dat", dat.buf);
	report_plot(r, "throughput",
		    "set title 'Throughput (median requests/s)'; set style data histograms;\n"
		    "set style histogram clustered gap 1; set style fill solid 0.6; set grid ytics;\n"
		    "set key top right; set yrange [0:*]; set xtics rotate by -20\n"
		    "plot for [i=2:5] 'throughput.dat' using i:xtic(1) title columnheader(i)\n");
	free(t);
	sb_release(&csv);
	sb_release(&dat);
}
