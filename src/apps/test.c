/* test.c: `lupine apps test`: build, run and check each recipe on its kernel, one row each. */
#include "apps/test.h"
#include "apps/compare.h"
#include "bundle/ready.h"
#include "manifest/knotes.h"
#include "vm/vmm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* A failed run's reason: every option its diagnosis names (the last one may
 * be a probe the app survives), else the log's last line. The diagnosis
 * goes to the log too, as lupine run prints it. */
static void run_failure(const struct readiness *rd, const char *log, char *out, size_t n)
{
	struct strbuf err = {0}, text = {0}, list = {0};
	struct strlist opts = {0};
	struct knotes k = {0};

	if (rd->missing.n && knotes_resolve(NULL, &rd->missing, NULL, &k, &err) == 0) {
		knotes_diagnose(&k, 0, &text);
		knotes_needed(&k, &opts);
		FILE *f = fopen(log, "a");
		if (f && text.len)
			fputs(text.buf, f);
		if (f)
			fclose(f);
	}
	for (size_t i = 0; i < opts.n; i++)
		sb_addf(&list, "%s%s", i ? ", " : "", opts.v[i]);
	if (opts.n)
		snprintf(out, n, "the kernel left out what it reached for: %s (see %s)", list.buf, log);
	else
		last_line(log, out, n);
	knotes_release(&k);
	strlist_release(&opts);
	sb_release(&err);
	sb_release(&text);
	sb_release(&list);
}

/* The built bundle's sizes into w. */
static void measure(struct apps_row *w, const char *out)
{
	char *k = xasprintf("%s/kernel", out), *rf = xasprintf("%s/rootfs.ext4", out);
	char *ri = xasprintf("%s/rootfs.cpio.gz", out);

	w->kernel = size_of(k);
	w->rootfs = size_of(rf) + size_of(ri);
	free(k);
	free(rf);
	free(ri);
}

/* Runs the built bundle until its client check passes; with min_memory, its smallest memory. */
static void check(struct apps_row *w, const struct recipe *r, const char *out, const char *rlog, int min_memory)
{
	int hp = vm_port_unused();
	char *port = r->ports.n ? xasprintf("%d:%s", hp, r->ports.v[0]) : NULL;
	struct readiness rd = {.port = port, .host_port = hp, .probe = r->check, .expect = r->expect, .log = rlog};

	if (r->check)
		fprintf(stderr, "apps: %s: running until '%s' answers ...\n", w->name, r->check);
	else
		fprintf(stderr, "apps: %s: running until it exits, saying '%s' ...\n", w->name, r->expect);
	w->ready = ready_time(&rd, out, r->memory_mib ? r->memory_mib : 128, r->check_timeout);
	if (w->ready < 0)
		run_failure(&rd, rlog, w->why, sizeof(w->why));
	else if (min_memory)
		w->min_mem = smallest_memory(&rd, out, r->memory_mib ? r->memory_mib : 256, r->check_timeout);
	w->ok = w->ready >= 0;
	readiness_release(&rd);
	free(port);
}

void apps_test_one(struct apps_row *w, const char *dir, enum apps_kernel k, int min_memory)
{
	struct strbuf err = {0};
	struct recipe r;
	char *out = xasprintf("%s/%s.lupine", dir, w->name), *blog = xasprintf("%s/%s.build.log", dir, w->name);
	char *rlog = xasprintf("%s/%s.run.log", dir, w->name);
	double t0;

	if (recipe_load(w->name, &r, &err) < 0) {
		snprintf(w->why, sizeof(w->why), "%s", err.buf);
		goto out;
	}
	fprintf(stderr, "apps: %s: building ...\n", w->name);
	t0 = now_sec();
	int quiet = lupine_quiet, built;
	lupine_quiet = 1; /* one line per step of the table, as before */
	built = apps_build(w->name, out, k, blog, &err);
	lupine_quiet = quiet;
	if (built < 0) {
		w->build = -1;
		last_line(blog, w->why, sizeof(w->why));
	} else {
		w->build = now_sec() - t0;
		if (k == APPS_AUTO)
			compare_manifests(w->name, out, &w->added, &w->removed, &w->hand, &w->derived);
		measure(w, out);
		check(w, &r, out, rlog, min_memory);
	}
	recipe_release(&r);
out:
	sb_release(&err);
	free(rlog);
	free(blog);
	free(out);
}

/* APPS_AUTO: "NAME: hand 12, derived 10; added A B; removed C D" */
static void comparison(const struct apps_row *rows, size_t n, struct strbuf *out)
{
	sb_adds(out, "\nderived manifests against the hand-written ones (options beyond base):\n");
	for (size_t i = 0; i < n; i++) {
		const struct apps_row *w = &rows[i];
		sb_addf(out, "%-11s hand-written %zu, derived %zu", w->name, w->hand, w->derived);
		for (size_t j = 0; j < w->added.n; j++)
			sb_addf(out, "%s%s", j ? " " : "; added: ", w->added.v[j]);
		for (size_t j = 0; j < w->removed.n; j++)
			sb_addf(out, "%s%s", j ? " " : "; removed: ", w->removed.v[j]);
		sb_adds(out, "\n");
	}
}

void apps_test_table(const struct apps_row *rows, size_t n, enum apps_kernel k, struct strbuf *out)
{
	char a[32], b[32];
	size_t passed = 0;

	sb_addf(out, "%-11s %-8s %11s %13s %8s %8s %8s  %s\n", "app", "kernel", "kernel B", "rootfs B", "build",
		"ready", "min MiB", "result");
	for (size_t i = 0; i < n; i++) {
		const struct apps_row *w = &rows[i];
		char mm[16] = "-";
		if (w->min_mem > 0)
			snprintf(mm, sizeof(mm), "%d", w->min_mem);
		sb_addf(out, "%-11s %-8s %11s %13s %7.1fs %7.1fs %8s  %s%s%s\n", w->name, apps_kernel_name(k),
			fmt_thousands(w->kernel, a, sizeof(a)), fmt_thousands(w->rootfs, b, sizeof(b)),
			w->build > 0 ? w->build : 0, w->ready > 0 ? w->ready : 0, mm, w->ok ? "pass" : "FAIL",
			w->ok ? "" : ": ", w->ok ? "" : w->why);
		passed += w->ok != 0;
	}
	if (k == APPS_AUTO)
		comparison(rows, n, out);
	sb_addf(out, "%zu of %zu applications passed on %s kernels\n", passed, n,
		k == APPS_GENERAL ? "the general" : k == APPS_AUTO ? "their derived" : "their own");
}

void apps_row_release(struct apps_row *w)
{
	strlist_release(&w->added);
	strlist_release(&w->removed);
}
