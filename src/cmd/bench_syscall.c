/* bench_syscall.c: `lupine bench syscall` times system calls on a KML kernel (in ring 0) and on
 * a kernel built from the identical config with only KERNEL_MODE_LINUX off, side by side; or,
 * with -k A -k B, on any two kernels (e.g. with and without a patch). */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "lib/guard.h"
#include "rootfs/cpio.h"
#include "lib/embedded.h"
#include "kernel/kbuild.h"
#include "kernel/kspec.h"
#include "bundle/runinit.h"
#include "lib/stats.h"
#include "vm/vmm.h"

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
	snprintf(calls[ncalls].name, sizeof(calls[ncalls].name), "%s", name);
	return &calls[ncalls++];
}

/* "latency NAME  123.4 ns/call (cpl C, ...)" lines from the guest program. */
static int parse(const char *console, int which, int want_cpl)
{
	int found = 0;
	for (const char *p = console; (p = strstr(p, "latency ")); p++) {
		char name[32];
		double ns;
		int cpl;
		if (sscanf(p, "latency %31s %lf ns/call (cpl %d", name, &ns, &cpl) != 3)
			continue;
		if (want_cpl >= 0 && cpl != want_cpl)
			return -1;
		struct series *s = series_for(name);
		if (s && s->n[which] < MAXREPS)
			s->v[which][s->n[which]++] = ns;
		found++;
	}
	return found;
}

static void get_kernel(const char *app, int kml, const char *source, struct kbuild_result *k)
{
	struct kspec ks = {.kml = kml};
	struct strbuf err = {0};
	char *label;

	if (app)
		kspec_add_app(&ks, app);
	if (kspec_kernel(&ks, source, 0, 0, k, &label, NULL, &err) < 0)
		die("%s", err.buf);
	kspec_release(&ks);
	free(label);
}

/* One boot running the latency probe from /trusted/ (ring 0 on a KML kernel). */
static void boot_once(const char *kernel, const char *initrd, int which, int want_cpl)
{
	struct vm_config cfg = {.kernel = kernel, .initrd = initrd, .mem_mib = 128, .timeout = 600,
				.init_timeout = 120};
	struct vm_result r;
	struct strbuf err = {0};

	if (vmm_run(&cfg, &r, &err) < 0)
		die("%s", err.buf);
	if (r.end != VM_EXITED || r.status != 0 || parse(r.console, which, want_cpl) <= 0) {
		fprintf(stderr, "%s", r.console ? r.console : "");
		die("the latency probe did not run as expected on %s (wanted CPL %d)", kernel, want_cpl);
	}
	vm_result_release(&r);
}

static char *make_initrd(const char *dir, const char *iters)
{
	const struct embedded_file *lat = embedded_find(embedded_guest, "latency");
	char *root = xasprintf("%s/root", dir), *t = xasprintf("%s/trusted", root);
	char *bin = xasprintf("%s/latency", t), *base = xasprintf("%s/base.cpio.gz", dir);
	char *initrd = xasprintf("%s/initrd", dir);
	struct run_config rc;
	struct strbuf err = {0};

	if (!lat)
		die("this lupine was built without the latency probe (build/kml/latency needs the KML musl: scripts/setup.sh)");
	if (mkdir_p(t, 0755) < 0 || file_write_atomic(bin, lat->data, (size_t)lat->size, 0755) < 0)
		die("cannot stage the latency probe in '%s'", dir);
	run_config_init(&rc);
	strlist_add(&rc.arg, "/trusted/latency");
	strlist_add(&rc.arg, iters);
	if (cpio_write_dir(root, base, &err) < 0 || runinit_write(&rc, base, initrd, &err) < 0)
		die("%s", err.buf);
	run_config_release(&rc);
	free(root);
	free(t);
	free(bin);
	free(base);
	return initrd;
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
	char *initrd = make_initrd(tmpl, iters);
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
