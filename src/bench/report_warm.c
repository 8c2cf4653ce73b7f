/* report_warm.c: section 6 of `lupine bench report`: warm start: each app's cold
 * ready time against a restore of its snapshot, same run, with memory and sizes. */
#include "bench/report.h"
#include "bench/warm.h"

#include <stdio.h>
#include <stdlib.h>

void report_warm(struct report *r)
{
	struct strbuf md = {0}, csv = {0}, err = {0};
	char *snaps = report_path(r, "snapshots"), *logs = report_path(r, "logs");

	report_md(r, "\n## 6. Warm start: cold vs restored\n");
	report_md(r, "Each app on its own kernel: `lupine snapshot` once its client check passes, then %d times a "
		     "cold `lupine run` and a `lupine run --from` the snapshot, alternating, each timed from its start "
		     "until the check passes (median [min-max]). Memory is QEMU's once the app is ready (first run); "
		     "unshareable is its private dirty part (a restore maps the snapshot's RAM copy-on-write). The "
		     "snapshot's size is its allocated blocks; zstd -1 of its RAM file is what compression would save, "
		     "against the time to unpack it.\n",
		  r->n);
	sb_adds(&md, bench_warm_header);
	sb_adds(&csv, "app,kind,run,seconds\n");
	mkdir_p(snaps, 0755);
	mkdir_p(logs, 0755);
	for (size_t i = 0; i < r->apps.n; i++) {
		const char *app = r->apps.v[i];
		char *bundle = report_bundle(r, app, "own"), *snap = xasprintf("%s/%s.snap", snaps, app);
		char *log = xasprintf("%s/%s-warm.run.log", logs, app);
		struct warm_row row;
		err.len = 0;
		if (bundle && bench_warm_app(app, bundle, snap, r->n, log, &row, &err) == 0) {
			bench_warm_md(&row, &md);
			bench_warm_csv(&row, &csv);
		} else if (bundle) {
			sb_addf(&md, "| %s | %s |\n", app, err.buf ? err.buf : "");
			r->trouble = 1;
		}
		free(log);
		free(snap);
		free(bundle);
	}
	report_md(r, "%s", md.buf);
	report_write(r, "warm.csv", csv.buf);
	sb_release(&md);
	sb_release(&csv);
	sb_release(&err);
	free(snaps);
	free(logs);
}
