/* bench.c: `lupine bench` measures kernels side by side: size, options, build time, boot time. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "vm/hello.h"
#include "kernel/kbuild.h"
#include "kernel/kspec.h"
#include "bench/stats.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: lupine bench kernels [-n N] [--source PATH] SPEC...\n"
	"       lupine bench app [-n N] [--min-memory] -p HOST:GUEST --ready 'CMD' --expect TEXT\n"
	"                        [-m MiB] BUNDLE... [-- ARGS]\n"
	"       lupine bench syscall [-n N] [-a APP] [-i CALLS] [-k BZIMAGE -k BZIMAGE]\n"
	"       lupine bench report [-o DIR] [--apps LIST] [-n N] [--quick] (see its --help)\n"
	"\n"
	"Builds (or takes from the cache) each kernel and boots it N times (default 5)\n"
	"with the built-in hello init, then prints one row per kernel: bzImage bytes,\n"
	"vmlinux text+data+bss, options set to y, build time, and the time to init\n"
	"(host wall clock from QEMU's start, and the guest's CLOCK_BOOTTIME) as\n"
	"median [min-max], with ratios against the first SPEC, measured in this run.\n"
	"\n"
	"SPEC is base, general, an application name, several joined by '+', with an\n"
	"optional '+tiny' or '+kml' (e.g. base, redis, redis+nginx, general+tiny,\n"
	"redis+kml), a baseline (microvm: Firecracker's 6.1 guest config; debian:\n"
	"Debian's amd64 config; see 'lupine kernel --help'), or\n"
	"image:PATH for a prebuilt bzImage (boot time only).\n"
	"\n"
	"'bench app' runs each bundle N times with 'lupine run' and times how long it\n"
	"takes until CMD (run through sh, {port} replaced by the host port) prints TEXT,\n"
	"e.g. --ready 'timeout 0.3 redis-cli -p {port} PING' --expect PONG (give the probe a\n"
	"short timeout: QEMU's user network accepts at once and holds an early\n"
	"connection for seconds of retransmits). --min-memory then finds\n"
	"by bisection the smallest -m (MiB) at which the application still gets ready.\n"
	"\n"
	"'bench syscall' builds a KML kernel for APP (default redis) and the same config\n"
	"with only CONFIG_KERNEL_MODE_LINUX off, boots each N times (default 5) with a\n"
	"probe timing getppid, read, write, stat and open+close (CALLS each, default\n"
	"200000; ring 0 on the KML kernel, through AT_SYSINFO), and prints ns per call\n"
	"and the KML/no-KML ratio, median [min-max]. With -k A -k B it compares those\n"
	"two kernels instead (ring 3 on both), e.g. with and without a patch.\n";

struct row {
	const char *spec;
	struct kbuild_result k;
	int have_build;
	struct stats wall, guest;
	int reached, tries;
};

static void build_one(struct row *r, const char *source)
{
	struct kspec ks = {0};
	struct strbuf err = {0};
	char *label;

	struct kspec_build kb = {.source = source};

	kspec_parse(&ks, r->spec);
	if (kspec_kernel(&ks, &kb, &r->k, &label, &err) < 0)
		die("%s: %s", r->spec, err.buf);
	r->have_build = 1;
	kspec_release(&ks);
	free(label);
}

/* One boot of row r; records its times in wall/guest when it reached init. */
static void boot_once(struct row *r, const char *image, double *wall, double *guest)
{
	struct strbuf err = {0};
	struct vm_result v;

	if (hello_boot(image, 0, VM_ACCEL_AUTO, &v, &err) < 0)
		die("%s", err.buf);
	r->tries++;
	if (hello_reached(&v)) {
		wall[r->reached] = v.t_init;
		guest[r->reached] = v.guest_init;
		r->reached++;
	}
	vm_result_release(&v);
}

static void print_rows(const struct row *rows, int n)
{
	char a[32], b[32], d[32];
	const struct row *base = &rows[0];

	printf("%-16s %11s %6s %12s %5s %8s %24s %24s %7s\n", "kernel", "bzImage", "ratio", "text+data+bss",
	       "=y", "build", "to init wall [min-max]", "to init guest [min-max]", "boots");
	for (int i = 0; i < n; i++) {
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
		       r->have_build ? fmt_duration(r->k.build_sec, d, sizeof(d)) : "-", wall, guest, r->reached,
		       r->tries);
	}
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {{"source", required_argument, 0, 's'},
					     {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *source = NULL;
	int c, n = 5, ret = 0;

	if (argc >= 2 && !strcmp(argv[1], "app"))
		return cmd_bench_app(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "syscall"))
		return cmd_bench_syscall(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "report"))
		return cmd_bench_report(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "kernels")) {
		fputs(usage, argc < 2 || strcmp(argv[1], "--help") ? stderr : stdout);
		return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': n = (int)opt_long("-n", optarg, 1, 1000); break;
		case 's': source = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind >= argc || n < 1)
		die("name at least one kernel SPEC and -n of 1 or more; see 'lupine bench --help'");
	int nrows = argc - optind;
	struct row *rows = xcalloc((size_t)nrows, sizeof(*rows));
	for (int i = 0; i < nrows; i++) {
		rows[i].spec = argv[optind + i];
		if (!str_starts(rows[i].spec, "image:"))
			build_one(&rows[i], source);
	}
	/* boot round-robin, so drift in the machine's load spreads over all kernels */
	double *wall = xcalloc((size_t)(nrows * n), sizeof(double));
	double *guest = xcalloc((size_t)(nrows * n), sizeof(double));
	for (int rep = 0; rep < n; rep++) {
		for (int i = 0; i < nrows; i++) {
			const char *img = rows[i].have_build ? rows[i].k.bzimage : rows[i].spec + 6;
			boot_once(&rows[i], img, wall + i * n, guest + i * n);
		}
		fprintf(stderr, "\rbooted every kernel %d/%d times", rep + 1, n);
	}
	fprintf(stderr, "\n");
	for (int i = 0; i < nrows; i++) {
		rows[i].wall = stats_of(wall + i * n, (size_t)rows[i].reached);
		rows[i].guest = stats_of(guest + i * n, (size_t)rows[i].reached);
		if (rows[i].reached < rows[i].tries)
			ret = 1;
	}
	free(wall);
	free(guest);
	print_rows(rows, nrows);
	for (int i = 0; i < nrows; i++)
		kbuild_result_release(&rows[i].k);
	free(rows);
	return ret;
}
