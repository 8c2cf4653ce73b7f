/* apps.c: `lupine apps` lists the application recipes and tests them: each built on its own
 * manifest kernel, run, and checked by a real client, one row per application. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "bundle/ready.h"
#include "bundle/recipe.h"
#include "kernel/configs.h"
#include "kernel/kconfig.h"
#include "lib/cache.h"
#include "lib/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

enum kernel_kind { KERNEL_OWN, KERNEL_GENERAL, KERNEL_AUTO };
static const char *const kernel_names[] = {"own", "general", "derived"};

struct row {
	const char *name;
	unsigned long long kernel, rootfs;
	double build, ready;
	int min_mem, ok;
	char why[240];
	struct strlist added, removed; /* --auto: derived vs hand-written options */
	size_t hand, derived;
};

static unsigned long long size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (unsigned long long)st.st_size : 0;
}

/* The last non-empty line of a log, for a row's reason. */
static void last_line(const char *log, char *out, size_t n)
{
	char *text = file_read(log, NULL), *end, *start;

	snprintf(out, n, "see %s", log);
	if (!text)
		return;
	end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		*--end = 0;
	start = strrchr(text, '\n');
	snprintf(out, n, "%s", start ? start + 1 : text);
	free(text);
}

/* A failed run's reason: the options its diagnosis named, all of them (the
 * last one may be a probe the app survives), else the log's last line. */
static void run_failure(const char *log, char *out, size_t n)
{
	static const char marker[] = "leaves out: it needs ";
	char *text = file_read(log, NULL);
	struct strlist opts = {0};
	struct strbuf list = {0};

	for (char *l = text ? strtok(text, "\n") : NULL; l; l = strtok(NULL, "\n")) {
		char *need = strstr(l, marker);
		if (!str_starts(l, "lupine: ") || !need)
			continue;
		need += strlen(marker);
		char *end = strstr(need, " (");
		if (end)
			*end = 0;
		if (!strlist_has(&opts, need))
			strlist_add(&opts, need);
	}
	free(text);
	for (size_t i = 0; i < opts.n; i++)
		sb_addf(&list, "%s%s", i ? ", " : "", opts.v[i]);
	if (opts.n)
		snprintf(out, n, "the kernel left out what it reached for: %s (see %s)", list.buf, log);
	else
		last_line(log, out, n);
	strlist_release(&opts);
	sb_release(&list);
}

/* lupine build app:NAME into out, logged; seconds it took, or -1. */
static double build(const char *name, const char *out, const char *log, enum kernel_kind kind)
{
	char *src = xasprintf("app:%s", name);
	char *argv[] = {"/proc/self/exe", "build", src, "-q", "-o", (char *)out,
			kind == KERNEL_GENERAL ? "--general" : kind == KERNEL_AUTO ? "--auto" : NULL, NULL};
	double t0 = now_sec();
	int st = progress_run_logged(argv, log, NULL);

	free(src);
	return st == 0 ? now_sec() - t0 : -1;
}

/* The options a fragment's text sets to y (without CONFIG_), parsed by kconfig. */
static void options_y(const char *name, const char *text, struct strlist *out)
{
	struct kconfig_frag f = {0};
	struct strbuf err = {0};

	if (text && kconfig_frag_parse(&f, name, text, 1, &err) == 0)
		for (size_t i = 0; i < f.n; i++)
			if (!strcmp(f.e[i].value, "y"))
				strlist_add(out, f.e[i].name);
	kconfig_frag_release(&f);
	sb_release(&err);
}

/* --auto: the bundle's derived manifest against configs/apps/NAME.config. */
static void compare_manifests(struct row *w, const char *bundle)
{
	char *name = xasprintf("apps/%s", w->name), *path = xasprintf("%s/manifest.config", bundle);
	char *derived_text = file_read(path, NULL);
	struct strlist hand = {0}, derived = {0};

	options_y(name, configs_text(name), &hand);
	options_y(path, derived_text, &derived);
	for (size_t i = 0; i < derived.n; i++)
		if (!strlist_has(&hand, derived.v[i]))
			strlist_add(&w->added, derived.v[i]);
	for (size_t i = 0; i < hand.n; i++)
		if (!strlist_has(&derived, hand.v[i]))
			strlist_add(&w->removed, hand.v[i]);
	w->hand = hand.n;
	w->derived = derived.n;
	strlist_release(&hand);
	strlist_release(&derived);
	free(derived_text);
	free(path);
	free(name);
}

static void test_one(struct row *w, const char *dir, enum kernel_kind kind, int min_memory)
{
	struct strbuf err = {0};
	struct recipe r;
	char *out = xasprintf("%s/%s.lupine", dir, w->name), *blog = xasprintf("%s/%s.build.log", dir, w->name);
	char *rlog = xasprintf("%s/%s.run.log", dir, w->name), *k = xasprintf("%s/kernel", out), *port;

	if (recipe_load(w->name, &r, &err) < 0) {
		snprintf(w->why, sizeof(w->why), "%s", err.buf);
		goto out;
	}
	fprintf(stderr, "apps: %s: building ...\n", w->name);
	if ((w->build = build(w->name, out, blog, kind)) < 0) {
		last_line(blog, w->why, sizeof(w->why));
		goto done;
	}
	if (kind == KERNEL_AUTO)
		compare_manifests(w, out);
	w->kernel = size_of(k);
	char *rf = xasprintf("%s/rootfs.ext4", out), *ri = xasprintf("%s/rootfs.cpio.gz", out);
	w->rootfs = size_of(rf) + size_of(ri);
	free(rf);
	free(ri);
	int hp = vm_port_unused();
	port = r.ports.n ? xasprintf("%d:%s", hp, r.ports.v[0]) : NULL;
	struct readiness rd = {.port = port, .host_port = hp, .probe = r.check, .expect = r.expect, .log = rlog};
	if (r.check)
		fprintf(stderr, "apps: %s: running until '%s' answers ...\n", w->name, r.check);
	else
		fprintf(stderr, "apps: %s: running until it exits, saying '%s' ...\n", w->name, r.expect);
	w->ready = ready_time(&rd, out, r.memory_mib ? r.memory_mib : 128, r.check_timeout);
	if (w->ready < 0)
		run_failure(rlog, w->why, sizeof(w->why));
	else if (min_memory)
		w->min_mem = smallest_memory(&rd, out, r.memory_mib ? r.memory_mib : 256, r.check_timeout);
	w->ok = w->ready >= 0;
	free(port);
done:
	recipe_release(&r);
out:
	sb_release(&err);
	free(k);
	free(rlog);
	free(blog);
	free(out);
}

/* --auto: "NAME: hand 12, derived 10; added A B; removed C D" */
static void print_comparison(const struct row *rows, size_t n)
{
	printf("\nderived manifests against the hand-written ones (options beyond base):\n");
	for (size_t i = 0; i < n; i++) {
		const struct row *w = &rows[i];
		printf("%-11s hand-written %zu, derived %zu", w->name, w->hand, w->derived);
		for (size_t j = 0; j < w->added.n; j++)
			printf("%s%s", j ? " " : "; added: ", w->added.v[j]);
		for (size_t j = 0; j < w->removed.n; j++)
			printf("%s%s", j ? " " : "; removed: ", w->removed.v[j]);
		printf("\n");
	}
}

static void print_rows(const struct row *rows, size_t n, enum kernel_kind kind)
{
	char a[32], b[32];

	printf("%-11s %-8s %11s %13s %8s %8s %8s  %s\n", "app", "kernel", "kernel B", "rootfs B", "build", "ready",
	       "min MiB", "result");
	for (size_t i = 0; i < n; i++) {
		const struct row *w = &rows[i];
		char mm[16] = "-";
		if (w->min_mem > 0)
			snprintf(mm, sizeof(mm), "%d", w->min_mem);
		printf("%-11s %-8s %11s %13s %7.1fs %7.1fs %8s  %s%s%s\n", w->name, kernel_names[kind],
		       fmt_thousands(w->kernel, a, sizeof(a)), fmt_thousands(w->rootfs, b, sizeof(b)),
		       w->build > 0 ? w->build : 0, w->ready > 0 ? w->ready : 0, mm, w->ok ? "pass" : "FAIL",
		       w->ok ? "" : ": ", w->ok ? "" : w->why);
	}
}

static int apps_test(int argc, char **argv)
{
	static const struct option opts[] = {{"general", no_argument, 0, 'g'}, {"auto", no_argument, 0, 'a'},
					     {"min-memory", no_argument, 0, 'M'},
					     {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'},
					     {0, 0, 0, 0}};
	struct strlist names = {0};
	const char *dir = NULL;
	int c, min_memory = 0, failed = 0;
	enum kernel_kind kind = KERNEL_OWN;
	char *cdir = NULL;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'g': kind = KERNEL_GENERAL; break;
		case 'a': kind = KERNEL_AUTO; break;
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
	struct row *rows = xcalloc(names.n, sizeof(*rows));
	for (size_t i = 0; i < names.n; i++) {
		rows[i].name = names.v[i];
		test_one(&rows[i], dir, kind, min_memory);
		failed += !rows[i].ok;
	}
	print_rows(rows, names.n, kind);
	if (kind == KERNEL_AUTO)
		print_comparison(rows, names.n);
	printf("%zu of %zu applications passed on %s kernels\n", names.n - (size_t)failed, names.n,
	       kind == KERNEL_GENERAL ? "the general" : kind == KERNEL_AUTO ? "their derived" : "their own");
	for (size_t i = 0; i < names.n; i++) {
		strlist_release(&rows[i].added);
		strlist_release(&rows[i].removed);
	}
	free(rows);
	free(cdir);
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
