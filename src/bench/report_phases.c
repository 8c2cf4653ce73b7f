/* report_phases.c: section 2b's last part: what follows init, timed on the
 * apps' real bundles: the init's work up to the application's exec, and
 * the application's own start until its client check passes. */
#include "apps/recipe.h"
#include "bench/report.h"
#include "bench/stats.h"
#include "bundle/ready.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const variants[] = {"own", "general", "microvm"};
#define NVAR 3
enum { T_INIT, T_APP, T_READY, T_TOTAL, NT };

struct app_runs {
	char *bundle[NVAR];
	double *t[NVAR][NT]; /* per run that got ready */
	int ok[NVAR], tries[NVAR];
};

/* One run of bundle: its four times when it got ready. */
static void one_run(struct report *r, const struct recipe *rec, int v, struct app_runs *a)
{
	char *port, *log;
	struct readiness rd;
	double t0 = now_sec();

	report_readiness(r, rec, variants[v], &rd, &port, &log);
	struct ready_run *run = ready_start(&rd, a->bundle[v], rec->memory_mib ? rec->memory_mib : 128);
	double ready = ready_wait(&rd, run, t0, rec->check_timeout > 0 ? rec->check_timeout : 60);
	ready_stop(run);
	a->tries[v]++;
	if (ready >= 0 && rd.t_vm > 0 && rd.t_init >= 0 && rd.t_app >= rd.t_init) {
		int i = a->ok[v]++;
		a->t[v][T_INIT][i] = rd.t_init;
		a->t[v][T_APP][i] = rd.t_app - rd.t_init;
		a->t[v][T_READY][i] = t0 + ready - (rd.t_vm + rd.t_app);
		a->t[v][T_TOTAL][i] = ready;
	}
	readiness_release(&rd);
	free(port);
	free(log);
}

static void table(struct report *r, const char *app, struct app_runs *a)
{
	static const char *const rows[NT] = {"QEMU's start to init", "init to the application's exec",
					     "the application's exec to ready (client check passes)",
					     "= ready, from the run's start (bundle launch included)"};

	report_md(r, "\n### %s on its bundles: after init (medians, s)\n", app);
	report_md(r, "| phase | %s | %s | %s |\n|---|---:|---:|---:|", variants[0], variants[1], variants[2]);
	for (int t = 0; t < NT; t++) {
		char cell[NVAR][32];
		for (int v = 0; v < NVAR; v++)
			if (a->ok[v])
				snprintf(cell[v], sizeof(cell[v]), "%.3f", stats_of(a->t[v][t], (size_t)a->ok[v]).median);
			else
				snprintf(cell[v], sizeof(cell[v]), "-");
		report_md(r, "| %s | %s | %s | %s |", rows[t], cell[0], cell[1], cell[2]);
	}
	report_md(r, "| runs ready | %d/%d | %d/%d | %d/%d |", a->ok[0], a->tries[0], a->ok[1], a->tries[1], a->ok[2],
		  a->tries[2]);
}

/* The first app's bundles on its own kernel, general and microvm, r->n runs each, round-robin. */
void report_app_phases(struct report *r)
{
	struct app_runs a = {0};
	struct recipe rec;
	struct strbuf err = {0};
	const char *app = r->apps.v[0];

	if (recipe_load(app, &rec, &err) < 0) {
		report_md(r, "\n**%s**: %s", app, err.buf);
		r->trouble = 1;
		sb_release(&err);
		return;
	}
	for (int v = 0; v < NVAR; v++) {
		if (report_variant_wanted(r, variants[v]))
			a.bundle[v] = report_bundle(r, app, variants[v]);
		for (int t = 0; t < NT; t++)
			a.t[v][t] = xcalloc((size_t)r->n, sizeof(double));
	}
	for (int i = 0; i < r->n; i++) {
		for (int v = 0; v < NVAR; v++)
			if (a.bundle[v])
				one_run(r, &rec, v, &a);
		fprintf(stderr, "\rreport: %s's runs after init %d/%d", app, i + 1, r->n);
	}
	fprintf(stderr, "\n");
	table(r, app, &a);
	for (int v = 0; v < NVAR; v++) {
		free(a.bundle[v]);
		for (int t = 0; t < NT; t++)
			free(a.t[v][t]);
	}
	recipe_release(&rec);
}
