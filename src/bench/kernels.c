/* kernels.c: `lupine bench kernels`: each SPEC's kernel built (or from the
 * cache), booted N times round-robin, one table row per kernel. */
#include "bench/bootphase.h"
#include "bench/boots.h"
#include "bench/kernels.h"
#include "bench/stats.h"
#include "kernel/kbuild.h"
#include "kernel/kspec.h"
#include "lib/elf.h"

#include <stdio.h>
#include <stdlib.h>

struct row {
	const char *spec;
	struct kbuild_result k;
	int have_build;
	struct stats wall, guest;
};

static int build_one(struct row *r, const char *source, struct strbuf *err)
{
	struct kspec ks = {0};
	struct kspec_build kb = {.source = source};
	struct strbuf why = {0};
	char *label = NULL;
	int ret = 0;

	kspec_parse(&ks, r->spec);
	if (kspec_kernel(&ks, &kb, &r->k, &label, &why) < 0) {
		sb_addf(err, "%s: %s", r->spec, why.buf ? why.buf : "the kernel did not build");
		ret = -1;
	} else {
		r->have_build = 1;
	}
	kspec_release(&ks);
	free(label);
	sb_release(&why);
	return ret;
}

static void print_rows(const struct row *rows, const struct boot_series *boots, size_t n)
{
	char a[32], b[32], d[32];
	const struct row *base = &rows[0];

	printf("%-16s %11s %6s %12s %5s %8s %24s %24s %7s\n", "kernel", "bzImage", "ratio", "text+data+bss",
	       "=y", "build", "to init wall [min-max]", "to init guest [min-max]", "boots");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		unsigned long long tdb = r->k.text + r->k.data + r->k.bss;
		char wall[64], guest[64];
		snprintf(wall, sizeof(wall), "%.2fs [%.2f-%.2f] x%.2f", r->wall.median, r->wall.min, r->wall.max,
			 base->wall.median > 0 ? r->wall.median / base->wall.median : 0);
		snprintf(guest, sizeof(guest), "%.2fs [%.2f-%.2f]", r->guest.median, r->guest.min, r->guest.max);
		printf("%-16s %11s %6.2f %12s %5lu %8s %24s %24s %3d/%-3d\n", r->spec,
		       r->have_build ? fmt_thousands(r->k.bzimage_bytes, a, sizeof(a)) : "-",
		       r->have_build && base->have_build ? (double)r->k.bzimage_bytes / (double)base->k.bzimage_bytes : 0,
		       r->have_build ? fmt_thousands(tdb, b, sizeof(b)) : "-", r->k.options_y,
		       r->have_build ? fmt_duration(r->k.build_sec, d, sizeof(d)) : "-", wall, guest,
		       boots[i].reached, boots[i].tries);
	}
}

int bench_kernels(const struct bench_kernels_opts *o, struct strbuf *err)
{
	struct row *rows = xcalloc(o->nspecs, sizeof(*rows));
	struct boot_series *boots = xcalloc(o->nspecs, sizeof(*boots));
	int ret = -1;

	for (size_t i = 0; i < o->nspecs; i++) {
		rows[i].spec = o->specs[i];
		if (!str_starts(rows[i].spec, "image:") && build_one(&rows[i], o->source, err) < 0)
			goto out;
		boots[i].image = rows[i].have_build ? rows[i].k.bzimage : rows[i].spec + 6;
	}
	if (boots_round_robin(boots, o->nspecs, o->n, "", BOOTS_STOP, err) < 0)
		goto out;
	ret = 0;
	for (size_t i = 0; i < o->nspecs; i++) {
		rows[i].wall = stats_of(boots[i].wall, (size_t)boots[i].reached);
		rows[i].guest = stats_of(boots[i].guest, (size_t)boots[i].reached);
		if (boots[i].reached < boots[i].tries)
			ret = 1;
	}
	print_rows(rows, boots, o->nspecs);
out:
	for (size_t i = 0; i < o->nspecs; i++) {
		boot_series_release(&boots[i]);
		kbuild_result_release(&rows[i].k);
	}
	free(boots);
	free(rows);
	return ret;
}

/* An "image:PATH" spec boots that one file, as a vmlinux when it is ELF. */
static void image_spec(struct boot_kernel *bk, const char *path)
{
	bk->image[elf_probe(path) == 1 ? BOOT_VMLINUX : BOOT_BZIMAGE].path = path;
	if (elf_probe(path) == 1)
		bk->vmlinux = path;
}

int bench_boot(const struct bench_kernels_opts *o, struct strbuf *err)
{
	struct row *rows = xcalloc(o->nspecs, sizeof(*rows));
	struct boot_kernel *bk = xcalloc(o->nspecs, sizeof(*bk));
	struct strbuf md = {0};
	int ret = -1;

	for (size_t i = 0; i < o->nspecs; i++) {
		rows[i].spec = bk[i].label = o->specs[i];
		if (str_starts(rows[i].spec, "image:")) {
			image_spec(&bk[i], rows[i].spec + 6);
			continue;
		}
		if (build_one(&rows[i], o->source, err) < 0)
			goto out;
		bk[i].image[BOOT_BZIMAGE].path = rows[i].k.bzimage;
		bk[i].image[BOOT_VMLINUX].path = bk[i].vmlinux = rows[i].k.vmlinux;
	}
	if (bootphase_measure(bk, o->nspecs, o->n, err) < 0)
		goto out;
	bootphase_table(bk, o->nspecs, o->specs[0], &md);
	fputs(md.buf ? md.buf : "", stdout);
	ret = 0;
	for (size_t i = 0; i < o->nspecs; i++)
		for (int j = 0; j < BOOT_NIMAGES; j++)
			if (bk[i].image[j].path && bk[i].image[j].nplain < bk[i].image[j].tries)
				ret = 1;
out:
	for (size_t i = 0; i < o->nspecs; i++) {
		boot_kernel_release(&bk[i]);
		kbuild_result_release(&rows[i].k);
	}
	sb_release(&md);
	free(bk);
	free(rows);
	return ret;
}
