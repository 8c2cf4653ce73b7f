/* apps.c: `lupine apps` lists the application recipes and tests them (apps/test.h):
 * each built on its own manifest kernel, run, and checked by a real client. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "apps/test.h"
#include "lib/cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: lupine apps list\n"
	"       lupine apps test [--general | --auto] [--min-memory] [-o DIR] [NAME...]\n"
	"\n"
	"'apps test' builds each application from its recipe (configs/apps/NAME.recipe)\n"
	"on its own manifest kernel (--general: on lupine-general), runs it, and waits\n"
	"for the recipe's client check (curl, redis-cli, psql, ...) to pass. One row per\n"
	"application: kernel and rootfs bytes, build time, time from 'lupine run' to the\n"
	"check passing, and with --min-memory the smallest -m at which it still passes\n"
	"(bisection, several runs). Bundles and logs go to DIR (default: the cache's\n"
	"apps/). Exits 1 when any application failed.\n"
	"\n"
	"--auto builds each on base + the manifest 'lupine manifest' derives from a\n"
	"recording run of its client check (build --auto) instead, and compares that\n"
	"with the hand-written manifest: options added and removed.\n";

static int apps_test(int argc, char **argv)
{
	static const struct option opts[] = {{"general", no_argument, 0, 'g'}, {"auto", no_argument, 0, 'a'},
					     {"min-memory", no_argument, 0, 'M'},
					     {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'},
					     {0, 0, 0, 0}};
	struct strlist names = {0};
	struct strbuf table = {0};
	const char *dir = NULL;
	int c, min_memory = 0, failed = 0;
	enum apps_kernel kind = APPS_OWN;
	char *cdir = NULL;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'g': kind = APPS_GENERAL; break;
		case 'a': kind = APPS_AUTO; break;
		case 'M': min_memory = 1; break;
		case 'o': dir = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	for (int i = optind; i < argc; i++)
		strlist_add(&names, argv[i]);
	if (!names.n)
		recipe_names(&names);
	if (!dir)
		dir = cdir = cache_dir("apps");
	else if (mkdir_p(dir, 0755) < 0)
		die("cannot create '%s'", dir);
	struct apps_row *rows = xcalloc(names.n, sizeof(*rows));
	for (size_t i = 0; i < names.n; i++) {
		rows[i].name = names.v[i];
		apps_test_one(&rows[i], dir, kind, min_memory);
		failed += !rows[i].ok;
	}
	apps_test_table(rows, names.n, kind, &table);
	fputs(table.buf, stdout);
	for (size_t i = 0; i < names.n; i++)
		apps_row_release(&rows[i]);
	free(rows);
	free(cdir);
	sb_release(&table);
	strlist_release(&names);
	return failed ? 1 : 0;
}

int cmd_apps(int argc, char **argv)
{
	struct strlist names = {0};

	if (argc >= 2 && !strcmp(argv[1], "test"))
		return apps_test(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "list")) {
		fputs(usage, argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	recipe_names(&names);
	for (size_t i = 0; i < names.n; i++) {
		struct strbuf err = {0};
		struct recipe r;
		if (recipe_load(names.v[i], &r, &err) == 0) {
			printf("%-11s %-26s %s\n", names.v[i], r.source, r.note ? r.note : "");
			recipe_release(&r);
		} else {
			printf("%-11s (bad recipe: %s)\n", names.v[i], err.buf);
		}
		sb_release(&err);
	}
	strlist_release(&names);
	return 0;
}
