/* bench_syscall.c: `lupine bench syscall` times system calls on a KML kernel (in ring 0) and on
 * a kernel built from the identical config with only KERNEL_MODE_LINUX off, side by side; or,
 * with -k A -k B, on any two kernels (e.g. with and without a patch). */
#include "bench/latency.h"
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "lib/guard.h"
#include "kernel/kbuild.h"
#include "kernel/kspec.h"
#include "bench/stats.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define MAXCALLS 16
#define MAXREPS 64

struct series {
	char name[32];
	double v[2][MAXREPS]; /* [0] KML, [1] control; ns per call */
	int n[2];
};

static struct series calls[MAXCALLS];
static int ncalls;

static struct series *series_for(const char *name)
{
	for (int i = 0; i < ncalls; i++)
		if (!strcmp(calls[i].name, name))
			return &calls[i];
	if (ncalls == MAXCALLS)
		return NULL;
	snprintf(calls[ncalls].name, sizeof(calls[ncalls].name), "%.31s", name);
	return &calls[ncalls++];
}

/* Files the samples of one boot under which (0 or 1); dies when a sample
 * ran in another ring than want_cpl (-1: any). */
static void record(const struct latency_sample *v, int n, int which, int want_cpl, const char *kernel)
{
	for (int i = 0; i < n; i++) {
		if (want_cpl >= 0 && v[i].cpl != want_cpl)
			die("the latency probe ran in ring %d on %s, not %d", v[i].cpl, kernel, want_cpl);
		struct series *s = series_for(v[i].name);
		if (s && s->n[which] < MAXREPS)
			s->v[which][s->n[which]++] = v[i].ns;
	}
}

static void get_kernel(const char *app, int kml, const char *source, struct kbuild_result *k)
{
	struct kspec ks = {.kml = kml};
	struct strbuf err = {0};
	char *label;

	if (app)
		kspec_add_app(&ks, app);
	struct kspec_build kb = {.source = source};
	if (kspec_kernel(&ks, &kb, k, &label, &err) < 0)
		die("%s", err.buf);
	kspec_release(&ks);
	free(label);
}

/* One boot running the latency probe from /trusted/ (ring 0 on a KML kernel). */
static void boot_once(const char *kernel, const char *initrd, int which, int want_cpl)
{
	struct latency_sample v[LATENCY_MAX];
	struct strbuf err = {0};
	int n = latency_boot(kernel, initrd, v, &err);

	if (n < 0)
		die("%s", err.buf);
	record(v, n, which, want_cpl, kernel);
}

static void print_table(const char *a_name, const char *b_name)
{
	char ha[48], hb[48], hr[48];

	snprintf(ha, sizeof(ha), "%s [min-max]", a_name);
	snprintf(hb, sizeof(hb), "%s [min-max]", b_name);
	snprintf(hr, sizeof(hr), "ratio %s/%s [min-max]", a_name, b_name);
	printf("%-16s %26s %26s %24s\n", "call (ns/call)", ha, hb, hr);
	for (int i = 0; i < ncalls; i++) {
		struct series *s = &calls[i];
		int n = s->n[0] < s->n[1] ? s->n[0] : s->n[1];
		double ratio[MAXREPS];
		if (!n)
			continue;
		for (int k = 0; k < n; k++)
			ratio[k] = s->v[0][k] / s->v[1][k];
		struct stats a = stats_of(s->v[0], (size_t)s->n[0]), b = stats_of(s->v[1], (size_t)s->n[1]);
		struct stats r = stats_of(ratio, (size_t)n);
		char ca[48], cb[48], cr[48];
		snprintf(ca, sizeof(ca), "%.1f [%.1f-%.1f]", a.median, a.min, a.max);
		snprintf(cb, sizeof(cb), "%.1f [%.1f-%.1f]", b.median, b.min, b.max);
		snprintf(cr, sizeof(cr), "%.2f [%.2f-%.2f]", r.median, r.min, r.max);
		printf("%-16s %26s %26s %24s\n", s->name, ca, cb, cr);
	}
}

int cmd_bench_syscall(int argc, char **argv)
{
	const char *app = "redis", *iters = "200000", *source = NULL, *pair[2] = {NULL, NULL};
	int c, n = 5, npair = 0;
	struct kbuild_result kml = {0}, ctl = {0};
	char *tmpl;

	while ((c = getopt(argc, argv, "n:a:i:s:k:")) != -1) {
		switch (c) {
		case 'n': n = (int)opt_long("-n", optarg, 1, 1000); break;
		case 'a': app = optarg; break;
		case 'i':
			opt_long("-i", optarg, 1, 1000000000);
			iters = optarg;
			break;
		case 's': source = optarg; break;
		case 'k':
			if (npair == 2)
				die("-k: give exactly two kernels to compare");
			pair[npair++] = optarg;
			break;
		default: return 2;
		}
	}
	if (n < 1 || n > MAXREPS)
		die("-n must be 1 to %d", MAXREPS);
	if (npair == 1)
		die("-k: give exactly two kernels to compare");
	for (int i = 0; i < npair; i++)
		if (access(pair[i], R_OK) < 0)
			die("-k '%s': %s", pair[i], strerror(errno));
	if (!npair) {
		get_kernel(app, 1, source, &kml);
		get_kernel(app, KSPEC_KML_OFF, source, &ctl);
	}
	const char *ka = npair ? pair[0] : kml.bzimage, *kb = npair ? pair[1] : ctl.bzimage;
	guard_start();
	if (!(tmpl = tmp_dir("bench")))
		die("cannot create a temporary directory: %s", strerror(errno));
	struct strbuf err = {0};
	char *initrd = latency_initrd(tmpl, iters, &err);
	if (!initrd)
		die("%s", err.buf);
	/* alternate the two kernels, so drift in the machine's load hits both */
	for (int rep = 0; rep < n; rep++) {
		boot_once(ka, initrd, 0, npair ? -1 : 0);
		boot_once(kb, initrd, 1, npair ? -1 : 3);
		fprintf(stderr, "\rbooted both kernels %d/%d times", rep + 1, n);
	}
	fprintf(stderr, "\n");
	if (npair) {
		printf("kernels: A %s and B %s; %s calls each, %d boots each, alternating\n", ka, kb, iters, n);
		print_table("A", "B");
	} else {
		printf("kernels: %.12s (%s + kml) and %.12s (the same, KERNEL_MODE_LINUX off); %s calls each, %d boots each\n",
		       kml.hash, app, ctl.hash, iters, n);
		print_table("KML, ring 0", "no KML");
	}
	rm_rf(tmpl);
	free(tmpl);
	free(initrd);
	kbuild_result_release(&kml);
	kbuild_result_release(&ctl);
	return 0;
}
