/* warm.c: cold ready time against restored ready time, same run, with memory and snapshot sizes. */
#include "bench/warm.h"
#include "apps/recipe.h"
#include "bundle/snapshot.h"
#include "lib/proc.h"
#include "vm/vmm.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char bench_warm_header[] =
	"| app | cold ready (s) | restored ready (s) | x | snapshot on disk (MiB: RAM + disk) | RAM zstd -1 (MiB, unpack s) "
	"| QEMU RSS cold / restored (MiB) | unshareable cold / restored (MiB) |\n"
	"|---|---:|---:|---:|---:|---:|---:|---:|\n";

/* One run until ready; seconds or -1. With rss, QEMU's memory then. */
static double timed(struct readiness *r, const char *bundle, double limit, long *rss, long *priv)
{
	double t0 = now_sec();
	struct ready_run *run = ready_start(r, bundle, 0);
	double t = ready_wait(r, run, t0, limit);
	pid_t pid = ready_vmm_pid(run);

	if (rss && t >= 0 && pid > 0) {
		*rss = proc_kib(pid, "status", "VmRSS");
		/* dirty private pages: the guest's own (cold) or copied on write (restored) */
		*priv = proc_kib(pid, "smaps_rollup", "Private_Dirty");
	}
	ready_stop(run);
	return t;
}

/* What zstd -1 makes of the RAM file, and how long it takes to unpack. */
static void compression(const char *ram, struct warm_row *row)
{
	char *zst = xasprintf("%s.zst", ram);
	char *const pack[] = {"zstd", "-1", "-q", "-f", "-o", zst, (char *)ram, NULL};
	char *const unpack[] = {"zstd", "-d", "-q", "-c", zst, NULL};
	struct proc_opts o = PROC_OPTS_INIT;
	struct stat st;

	row->unzstd = -1;
	o.out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (o.out >= 0 && proc_run(pack, &o) == 0 && stat(zst, &st) == 0) {
		double t0 = now_sec();
		row->ram_zstd = (unsigned long long)st.st_size;
		if (proc_run(unpack, &o) == 0)
			row->unzstd = now_sec() - t0;
	}
	if (o.out >= 0)
		close(o.out);
	unlink(zst);
	free(zst);
}

static void sizes(const struct snapshot *s, struct warm_row *row)
{
	struct stat st;

	snapshot_size(s, &row->snap_alloc, &row->snap_size);
	if (stat(s->ram, &st) == 0)
		row->ram_alloc = (unsigned long long)st.st_blocks * 512;
	if (s->disk_path && stat(s->disk_path, &st) == 0)
		row->disk_alloc = (unsigned long long)st.st_blocks * 512;
	compression(s->ram, row);
}

int bench_warm_app(const char *app, const char *bundle, const char *snap, int n, const char *log,
		   struct warm_row *row, struct strbuf *err)
{
	struct recipe rec;
	struct snapshot s;
	int hp = vm_port_unused(), ret = -1;
	char *port = NULL;

	memset(row, 0, sizeof(*row));
	snprintf(row->app, sizeof(row->app), "%s", app);
	row->n = n < 1 ? 1 : n > WARM_MAX_REPS ? WARM_MAX_REPS : n;
	if (recipe_load(app, &rec, err) < 0)
		return -1;
	if (rec.ports.n)
		port = xasprintf("%d:%s", hp, rec.ports.v[0]);
	double limit = rec.check_timeout > 0 ? rec.check_timeout : 120;
	struct readiness r = {.port = port, .host_port = hp, .probe = rec.check, .expect = rec.expect, .log = log};
	struct snapshot_req rq = {.bundle = bundle, .out = snap, .ready = &r, .limit = limit};
	note("bench warm: %s: snapshot ...", app);
	if (!rec.check) {
		sb_addf(err, "%s is a one-shot application: there is nothing ready to snapshot", app);
		goto out;
	}
	if (bundle_snapshot(&rq, &s, err) < 0)
		goto out;
	row->take = s.ready_s;
	sizes(&s, row);
	for (int i = 0; i < row->n; i++) {
		note("bench warm: %s: run %d of %d, cold and restored ...", app, i + 1, row->n);
		r.from = NULL;
		row->cold[i] = timed(&r, bundle, limit, i ? NULL : &row->cold_rss, &row->cold_private);
		r.from = s.dir;
		row->warm[i] = timed(&r, bundle, limit, i ? NULL : &row->warm_rss, &row->warm_private);
	}
	readiness_release(&r);
	snapshot_release(&s);
	ret = 0;
out:
	recipe_release(&rec);
	free(port);
	return ret;
}

/* "1.23 [1.1-1.4]" of the ready runs, and how many were not. */
static struct stats summary(const double *v, int n, char *buf, size_t len)
{
	double ok[WARM_MAX_REPS];
	size_t k = 0;

	for (int i = 0; i < n; i++)
		if (v[i] >= 0)
			ok[k++] = v[i];
	struct stats st = stats_of(ok, k);
	if (!k)
		snprintf(buf, len, "not ready");
	else
		snprintf(buf, len, "%.3f [%.3f-%.3f]%s", st.median, st.min, st.max, (int)k < n ? " (some not ready)" : "");
	return st;
}

void bench_warm_md(const struct warm_row *w, struct strbuf *out)
{
	char cold[64], warm[64];
	struct stats c = summary(w->cold, w->n, cold, sizeof(cold)), r = summary(w->warm, w->n, warm, sizeof(warm));
	double mib = 1048576.0;

	sb_addf(out, "| %s | %s | %s | ", w->app, cold, warm);
	sb_addf(out, c.n && r.n ? "x%.2f" : "-", r.median / c.median);
	sb_addf(out, " | %.1f (%.1f + %.1f) | ", w->snap_alloc / mib, w->ram_alloc / mib, w->disk_alloc / mib);
	if (w->unzstd >= 0)
		sb_addf(out, "%.1f, %.3f", w->ram_zstd / mib, w->unzstd);
	else
		sb_adds(out, "-");
	sb_addf(out, " | %.1f / %.1f | %.1f / %.1f |\n", w->cold_rss / 1024.0, w->warm_rss / 1024.0,
		w->cold_private / 1024.0, w->warm_private / 1024.0);
}

void bench_warm_csv(const struct warm_row *w, struct strbuf *out)
{
	for (int i = 0; i < w->n; i++)
		sb_addf(out, "%s,cold,%d,%.4f\n%s,restored,%d,%.4f\n", w->app, i, w->cold[i], w->app, i, w->warm[i]);
}
