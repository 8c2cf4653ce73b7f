/* syscall.c: `lupine bench syscall` times system calls on a KML kernel (in ring 0) and on
 * a kernel built from the identical config with only KERNEL_MODE_LINUX off, side by side; or,
 * given two kernels, on any two (e.g. with and without a patch). */
#include "bench/latency.h"
#include "bench/stats.h"
#include "bench/syscall.h"
#include "kernel/kbuild.h"
#include "kernel/kspec.h"
#include "lib/guard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXCALLS 16
#define MAXREPS BENCH_SYSCALL_MAX_REPS

struct series {
	char name[32];
	double v[2][MAXREPS]; /* [0] KML (or A), [1] control (or B); ns per call */
	int n[2];
};

struct table {
	struct series calls[MAXCALLS];
	int ncalls;
};

static struct series *series_for(struct table *t, const char *name)
{
	for (int i = 0; i < t->ncalls; i++)
		if (!strcmp(t->calls[i].name, name))
			return &t->calls[i];
	if (t->ncalls == MAXCALLS)
		return NULL;
	snprintf(t->calls[t->ncalls].name, sizeof(t->calls[t->ncalls].name), "%.31s", name);
	return &t->calls[t->ncalls++];
}

/* Files the samples of one boot under which (0 or 1); -1 with err set when a
 * sample ran in another ring than want_cpl (-1: any). */
static int record(struct table *t, const struct latency_sample *v, int n, int which, int want_cpl,
		  const char *kernel, struct strbuf *err)
{
	for (int i = 0; i < n; i++) {
		if (want_cpl >= 0 && v[i].cpl != want_cpl) {
			sb_addf(err, "the latency probe ran in ring %d on %s, not %d", v[i].cpl, kernel,
				want_cpl);
			return -1;
		}
		struct series *s = series_for(t, v[i].name);
		if (s && s->n[which] < MAXREPS)
			s->v[which][s->n[which]++] = v[i].ns;
	}
	return 0;
}

static int get_kernel(const char *app, int kml, const char *source, struct kbuild_result *k,
		      struct strbuf *err)
{
	struct kspec ks = {.kml = kml};
	struct kspec_build kb = {.source = source};
	char *label = NULL;
	int ret;

	if (app)
		kspec_add_app(&ks, app);
	ret = kspec_kernel(&ks, &kb, k, &label, err);
	kspec_release(&ks);
	free(label);
	return ret < 0 ? -1 : 0;
}

/* One boot running the latency probe from /trusted/ (ring 0 on a KML kernel). */
static int boot_once(struct table *t, const char *kernel, const char *initrd, int which, int want_cpl,
		     struct strbuf *err)
{
	struct latency_sample v[LATENCY_MAX];
	int n = latency_boot(kernel, initrd, v, err);

	if (n < 0)
		return -1;
	return record(t, v, n, which, want_cpl, kernel, err);
}

/* Alternates the two kernels, so drift in the machine's load hits both. */
static int boot_both(struct table *t, const char *ka, const char *kb, const char *initrd, int paired, int n,
		     struct strbuf *err)
{
	for (int rep = 0; rep < n; rep++) {
		if (boot_once(t, ka, initrd, 0, paired ? -1 : 0, err) < 0 ||
		    boot_once(t, kb, initrd, 1, paired ? -1 : 3, err) < 0)
			return -1;
		fprintf(stderr, "\rbooted both kernels %d/%d times", rep + 1, n);
	}
	fprintf(stderr, "\n");
	return 0;
}

static void print_series(const struct series *s)
{
	int n = s->n[0] < s->n[1] ? s->n[0] : s->n[1];
	double ratio[MAXREPS], a_v[MAXREPS], b_v[MAXREPS];
	char ca[48], cb[48], cr[48];

	if (!n)
		return;
	for (int k = 0; k < n; k++)
		ratio[k] = s->v[0][k] / s->v[1][k];
	memcpy(a_v, s->v[0], sizeof(a_v));
	memcpy(b_v, s->v[1], sizeof(b_v));
	struct stats a = stats_of(a_v, (size_t)s->n[0]), b = stats_of(b_v, (size_t)s->n[1]);
	struct stats r = stats_of(ratio, (size_t)n);
	snprintf(ca, sizeof(ca), "%.1f [%.1f-%.1f]", a.median, a.min, a.max);
	snprintf(cb, sizeof(cb), "%.1f [%.1f-%.1f]", b.median, b.min, b.max);
	snprintf(cr, sizeof(cr), "%.2f [%.2f-%.2f]", r.median, r.min, r.max);
	printf("%-16s %26s %26s %24s\n", s->name, ca, cb, cr);
}

static void print_table(const struct table *t, const char *a_name, const char *b_name)
{
	char ha[48], hb[48], hr[48];

	snprintf(ha, sizeof(ha), "%s [min-max]", a_name);
	snprintf(hb, sizeof(hb), "%s [min-max]", b_name);
	snprintf(hr, sizeof(hr), "ratio %s/%s [min-max]", a_name, b_name);
	printf("%-16s %26s %26s %24s\n", "call (ns/call)", ha, hb, hr);
	for (int i = 0; i < t->ncalls; i++)
		print_series(&t->calls[i]);
}

int bench_syscall(const struct bench_syscall_opts *o, struct strbuf *err)
{
	struct table *t = xcalloc(1, sizeof(*t));
	struct kbuild_result kml = {0}, ctl = {0};
	int paired = o->pair[0] != NULL, ret = -1;
	const char *ka = o->pair[0], *kb = o->pair[1];
	char *tmpl = NULL, *initrd = NULL;

	if (!paired) {
		if (get_kernel(o->app, 1, o->source, &kml, err) < 0 ||
		    get_kernel(o->app, KSPEC_KML_OFF, o->source, &ctl, err) < 0)
			goto out;
		ka = kml.bzimage;
		kb = ctl.bzimage;
	}
	if (!(tmpl = tmp_dir("bench"))) {
		sb_addf(err, "cannot create a temporary directory: %s", strerror(errno));
		goto out;
	}
	if (!(initrd = latency_initrd(tmpl, o->iters, err)) ||
	    boot_both(t, ka, kb, initrd, paired, o->n, err) < 0)
		goto out;
	if (paired) {
		printf("kernels: A %s and B %s; %s calls each, %d boots each, alternating\n", ka, kb, o->iters, o->n);
		print_table(t, "A", "B");
	} else {
		printf("kernels: %.12s (%s + kml) and %.12s (the same, KERNEL_MODE_LINUX off); %s calls each, %d boots each\n",
		       kml.hash, o->app, ctl.hash, o->iters, o->n);
		print_table(t, "KML, ring 0", "no KML");
	}
	ret = 0;
out:
	if (tmpl)
		rm_rf(tmpl);
	free(tmpl);
	free(initrd);
	kbuild_result_release(&kml);
	kbuild_result_release(&ctl);
	free(t);
	return ret;
}
