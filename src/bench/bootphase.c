/* bootphase.c: plain and measuring boots of each kernel's images, round-robin, and their tables. */
#include "bench/bootphase.h"
#include "bench/stats.h"
#include "lib/elf.h"
#include "vm/hello.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The kernel's TSC rate as Lupine's command line states it under TCG
 * (vm/backend.c: tsc_early_khz=2000000). */
#define GUEST_TSC_HZ 2e9

static const char *const image_names[BOOT_NIMAGES] = {"bzImage", "vmlinux (PVH)"};

/* What vmlinux's PT_LOAD segments put in memory, bytes; 0 when unreadable. */
static unsigned long long loaded_bytes(const char *path)
{
	struct elf_file ef;
	unsigned long long sum = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (elf_open(&ef, fd) == 1) {
		for (unsigned i = 0; i < ef.eh.e_phnum; i++) {
			Elf64_Phdr ph;
			if (elf_phdr(&ef, i, &ph) == 0 && ph.p_type == PT_LOAD)
				sum += ph.p_filesz;
		}
	}
	close(fd);
	return sum;
}

static int boot_one(struct boot_image *im, int measuring, const struct phase_clock *clk, const struct ksyms *syms,
		    struct strbuf *err)
{
	struct vm_result v;

	if (hello_boot_cmdline(im->path, measuring ? PHASES_CMDLINE : NULL, 0, VM_ACCEL_AUTO, &v, err) < 0)
		return -1;
	if (!measuring) {
		im->tries++;
		if (hello_reached(&v))
			im->plain[im->nplain++] = v.t_init;
	} else if (hello_reached(&v) && phases_parse(v.console, v.t_init, clk, syms, &im->ph[im->nph]) == 0) {
		im->nph++;
	}
	vm_result_release(&v);
	return 0;
}

static void prepare(struct boot_kernel *k, size_t nk, int n, struct ksyms *syms)
{
	struct stat st;

	for (size_t i = 0; i < nk; i++) {
		if (k[i].vmlinux)
			ksyms_load(&syms[i], k[i].vmlinux); /* without it initcalls keep their addresses */
		for (int j = 0; j < BOOT_NIMAGES; j++) {
			struct boot_image *im = &k[i].image[j];
			if (!im->path)
				continue;
			im->bytes = stat(im->path, &st) == 0 ? (unsigned long long)st.st_size : 0;
			im->loaded = j == BOOT_VMLINUX ? loaded_bytes(im->path) : 0;
			im->plain = xcalloc((size_t)n, sizeof(double));
			im->ph = xcalloc((size_t)n, sizeof(*im->ph));
		}
	}
}

int bootphase_measure(struct boot_kernel *k, size_t nk, int n, struct strbuf *err)
{
	struct phase_clock clk = {phases_host_tsc_hz(), GUEST_TSC_HZ};
	struct ksyms *syms = xcalloc(nk, sizeof(*syms));
	int ret = 0;

	prepare(k, nk, n, syms);
	for (int rep = 0; rep < n && !ret; rep++) {
		for (size_t i = 0; i < nk && !ret; i++)
			for (int j = 0; j < BOOT_NIMAGES && !ret; j++)
				if (k[i].image[j].path && (boot_one(&k[i].image[j], 0, &clk, &syms[i], err) < 0 ||
							   boot_one(&k[i].image[j], 1, &clk, &syms[i], err) < 0))
					ret = -1;
		fprintf(stderr, "\rbooted every image %d/%d times (plain and measuring)", rep + 1, n);
	}
	fprintf(stderr, "\n");
	for (size_t i = 0; i < nk; i++)
		ksyms_release(&syms[i]);
	free(syms);
	return ret;
}

static const struct {
	const char *name;
	size_t off;
} phase_rows[] = {
	{"VMM start (QEMU's start to the VM's)", offsetof(struct boot_phases, vmm)},
	{"firmware, loader, decompression, early kernel", offsetof(struct boot_phases, loader)},
	{"kernel: clock start to the first initcall", offsetof(struct boot_phases, kernel)},
	{"initcalls", offsetof(struct boot_phases, initcalls)},
	{"last initcall to init", offsetof(struct boot_phases, to_init)},
	{"= to init, measuring boots", offsetof(struct boot_phases, total)},
};

static double field(const struct boot_phases *p, size_t off)
{
	return *(const double *)(const void *)((const char *)p + off);
}

/* The median of one phase over an image's measuring boots. */
static double phase_median(const struct boot_image *im, size_t off)
{
	double *v = xcalloc((size_t)im->nph + 1, sizeof(double));
	for (int i = 0; i < im->nph; i++)
		v[i] = field(&im->ph[i], off);
	double m = stats_of(v, (size_t)im->nph).median;
	free(v);
	return m;
}

static struct stats plain_stats(const struct boot_image *im)
{
	double *v = xcalloc((size_t)im->nplain + 1, sizeof(double));
	memcpy(v, im->plain, (size_t)im->nplain * sizeof(double));
	struct stats s = stats_of(v, (size_t)im->nplain);
	free(v);
	return s;
}

/* The measuring boot whose total is the median's (the lower of two). */
static const struct boot_phases *median_boot(const struct boot_image *im)
{
	double m = phase_median(im, offsetof(struct boot_phases, total));
	const struct boot_phases *best = NULL;

	for (int i = 0; i < im->nph; i++)
		if (!best || (im->ph[i].total - m) * (im->ph[i].total - m) < (best->total - m) * (best->total - m))
			best = &im->ph[i];
	return best;
}

static const struct boot_kernel *find_ref(const struct boot_kernel *k, size_t nk, const char *ref)
{
	for (size_t i = 0; ref && i < nk; i++)
		if (!strcmp(k[i].label, ref))
			return &k[i];
	return NULL;
}

static void kernel_rows(const struct boot_kernel *k, const struct boot_kernel *ref, struct strbuf *md)
{
	char a[32], b[32];

	for (size_t r = 0; r < sizeof(phase_rows) / sizeof(phase_rows[0]); r++) {
		sb_addf(md, "| %s |", phase_rows[r].name);
		for (int j = 0; j < BOOT_NIMAGES; j++)
			sb_addf(md, k->image[j].nph ? " %.3f |" : " - |", phase_median(&k->image[j], phase_rows[r].off));
		sb_adds(md, "\n");
	}
	sb_adds(md, "| to init, plain boots: median [min-max] |");
	for (int j = 0; j < BOOT_NIMAGES; j++) {
		struct stats s = plain_stats(&k->image[j]);
		struct stats rs = ref ? plain_stats(&ref->image[j]) : (struct stats){0};
		if (!s.n) {
			sb_adds(md, " - |");
			continue;
		}
		sb_addf(md, " %.3f [%.3f-%.3f] %d/%d", s.median, s.min, s.max, k->image[j].nplain, k->image[j].tries);
		sb_addf(md, ref && ref != k && rs.n ? " x%.2f |" : " |", rs.median > 0 ? s.median / rs.median : 0);
	}
	sb_adds(md, "\n| image bytes (vmlinux: loaded) |");
	for (int j = 0; j < BOOT_NIMAGES; j++)
		sb_addf(md, j == BOOT_VMLINUX && k->image[j].loaded ? " %s (%s) |" : " %s |",
			fmt_thousands(k->image[j].bytes, a, sizeof(a)), fmt_thousands(k->image[j].loaded, b, sizeof(b)));
	sb_adds(md, "\n");
}

static void slowest(const struct boot_kernel *k, struct strbuf *md)
{
	const struct boot_image *im = &k->image[BOOT_BZIMAGE];
	const struct boot_phases *p = im->nph ? median_boot(im) : NULL;

	if (!p && (im = &k->image[BOOT_VMLINUX])->nph)
		p = median_boot(im);
	if (!p)
		return;
	sb_addf(md, "\nThe ten slowest of its %d initcalls (%s, the measuring boot with the median time to init):\n\n",
		p->ninitcalls, image_names[im - k->image]);
	sb_adds(md, "| initcall | ms |\n|---|---:|\n");
	for (int i = 0; i < p->ntop; i++)
		sb_addf(md, "| %s | %.2f |\n", p->top[i].name, p->top[i].sec * 1e3);
}

void bootphase_table(const struct boot_kernel *k, size_t nk, const char *ref, struct strbuf *md)
{
	const struct boot_kernel *r = find_ref(k, nk, ref);

	for (size_t i = 0; i < nk; i++) {
		sb_addf(md, "\n### %s\n\n| phase (seconds, median) | %s | %s |\n|---|---:|---:|\n", k[i].label,
			image_names[0], image_names[1]);
		kernel_rows(&k[i], r, md);
		slowest(&k[i], md);
	}
}

void bootphase_csv(const struct boot_kernel *k, size_t nk, struct strbuf *csv)
{
	sb_adds(csv, "kernel,image,vmm,loader,kernel_to_initcalls,initcalls,to_init,total,ninitcalls\n");
	for (size_t i = 0; i < nk; i++)
		for (int j = 0; j < BOOT_NIMAGES; j++)
			for (int b = 0; b < k[i].image[j].nph; b++) {
				const struct boot_phases *p = &k[i].image[j].ph[b];
				sb_addf(csv, "%s,%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%d\n", k[i].label,
					j == BOOT_BZIMAGE ? "bzImage" : "vmlinux", p->vmm, p->loader, p->kernel,
					p->initcalls, p->to_init, p->total, p->ninitcalls);
			}
}

void boot_kernel_release(struct boot_kernel *k)
{
	for (int j = 0; j < BOOT_NIMAGES; j++) {
		free(k->image[j].plain);
		free(k->image[j].ph);
		k->image[j].plain = NULL;
		k->image[j].ph = NULL;
	}
}
