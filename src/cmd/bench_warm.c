/* bench_warm.c: `lupine bench warm`: cold against restored ready times of recipes, same run.
 * Options only; bench/warm.c measures. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "apps/build.h"
#include "bench/warm.h"
#include "lib/guard.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: lupine bench warm [-n N] [--apps LIST] [--general] [-o DIR]\n"
	"\n"
	"For each application (recipes, default redis,nginx) on its own kernel\n"
	"(--general: on lupine-general):\n"
	"builds it, takes a snapshot once its client check passes ('lupine snapshot'),\n"
	"then N times (default 5) alternates a cold run and a restore ('lupine run\n"
	"--from'), each timed from its start until the check passes. Prints one row\n"
	"per app: cold and restored ready time, median [min-max]; the snapshot's size\n"
	"on disk (its RAM file holds only the pages the guest touched), what zstd -1\n"
	"makes of the RAM and how long unpacking it takes; QEMU's resident memory and\n"
	"its unshareable (private dirty) part for a cold and a restored VM once\n"
	"ready. DIR (default: a temporary one) keeps the bundles, snapshots, logs and\n"
	"warm.csv (every sample).\n";

/* One app: its bundle, then the measurement; its row or a line saying why not. */
static void one(const char *dir, const char *app, int n, enum apps_kernel k, struct strbuf *md, struct strbuf *csv)
{
	char *bundle = xasprintf("%s/%s.lupine", dir, app), *snap = xasprintf("%s/%s.snap", dir, app);
	char *log = xasprintf("%s/%s.log", dir, app);
	struct strbuf err = {0};
	struct warm_row row;

	note("bench warm: building %s on its %s kernel ...", app, apps_kernel_name(k));
	if (apps_build(app, bundle, k, log, &err) < 0 ||
	    bench_warm_app(app, bundle, snap, n, log, &row, &err) < 0) {
		sb_addf(md, "| %s | %s |\n", app, err.buf);
	} else {
		bench_warm_md(&row, md);
		bench_warm_csv(&row, csv);
	}
	sb_release(&err);
	free(log);
	free(snap);
	free(bundle);
}

int cmd_bench_warm(int argc, char **argv)
{
	static const struct option opts[] = {{"apps", required_argument, 0, 'a'}, {"help", no_argument, 0, 'h'},
					     {"general", no_argument, 0, 'g'}, {0, 0, 0, 0}};
	enum apps_kernel k = APPS_OWN;
	const char *apps = "redis,nginx", *out = NULL;
	struct strbuf md = {0}, csv = {0};
	struct strlist list = {0};
	char *dir;
	int c, n = 5;

	while ((c = getopt_long(argc, argv, "n:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': n = (int)opt_long("-n", optarg, 1, WARM_MAX_REPS); break;
		case 'a': apps = optarg; break;
		case 'o': out = optarg; break;
		case 'g': k = APPS_GENERAL; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	opt_list(apps, &list);
	if (!list.n || optind < argc)
		die("name applications with recipes with --apps and nothing else; see 'lupine bench warm --help'");
	guard_start(); /* a temporary directory goes however the run ends */
	if (out && mkdir_p(out, 0755) < 0)
		die("cannot create '%s'", out);
	dir = out ? xstrdup(out) : tmp_dir("bench");
	if (!dir)
		die("cannot create a temporary directory");
	sb_adds(&md, bench_warm_header);
	sb_adds(&csv, "app,kind,run,seconds\n");
	for (size_t i = 0; i < list.n; i++)
		one(dir, list.v[i], n, k, &md, &csv);
	fputs(md.buf, stdout);
	if (out) {
		char *path = xasprintf("%s/warm.csv", dir);
		if (file_write_atomic(path, csv.buf, csv.len, 0644) < 0)
			die("cannot write '%s'", path);
		free(path);
	} else {
		rm_rf(dir);
	}
	free(dir);
	sb_release(&md);
	sb_release(&csv);
	strlist_release(&list);
	return 0;
}
