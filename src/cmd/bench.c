/* bench.c: `lupine bench` measures side by side: its subcommands parsed here,
 * kernels (size, options, build time, boot time) and syscalls measured by bench/. */
#include "bench/kernels.h"
#include "bench/syscall.h"
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "lib/guard.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: lupine bench kernels [-n N] [--source PATH] SPEC...\n"
	"       lupine bench boot [-n N] [--source PATH] SPEC...\n"
	"       lupine bench app [-n N] [--min-memory] -p HOST:GUEST --ready 'CMD' --expect TEXT\n"
	"                        [-m MiB] BUNDLE... [-- ARGS]\n"
	"       lupine bench syscall [-n N] [-a APP] [-i CALLS] [-k BZIMAGE -k BZIMAGE]\n"
	"       lupine bench report [-o DIR] [--apps LIST] [-n N] [--quick] (see its --help)\n"
	"       lupine bench warm [-n N] [--apps LIST] [-o DIR] (cold vs restored; see its --help)\n"
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
	"image:PATH for a prebuilt bzImage (boot time only; 'bench boot': or a vmlinux).\n"
	"\n"
	"'bench boot' boots each kernel's bzImage and its vmlinux (through the PVH\n"
	"entry) N times each, round-robin, twice a time: a plain boot, timed to init,\n"
	"and a measuring boot (printk times, initcall_debug, the hello init printing\n"
	"the kernel's log), and prints per kernel where the time to init goes: VMM\n"
	"start, firmware + loader + decompression, kernel to the first initcall, the\n"
	"initcalls, the rest to init (medians, host seconds; TCG: guest clocks are\n"
	"converted with the host's TSC rate), and its ten slowest initcalls.\n"
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

static int cmd_bench_kernels(int argc, char **argv)
{
	int boot = !strcmp(argv[0], "boot");
	static const struct option opts[] = {{"source", required_argument, 0, 's'},
					     {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	struct bench_kernels_opts o = {.n = 5};
	struct strbuf err = {0};
	int c, ret;

	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': o.n = (int)opt_long("-n", optarg, 1, 1000); break;
		case 's': o.source = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind >= argc || o.n < 1)
		die("name at least one kernel SPEC and -n of 1 or more; see 'lupine bench --help'");
	o.specs = argv + optind;
	o.nspecs = (size_t)(argc - optind);
	if ((ret = boot ? bench_boot(&o, &err) : bench_kernels(&o, &err)) < 0)
		die("%s", err.buf);
	return ret;
}

static void add_pair(struct bench_syscall_opts *o, int *npair, const char *kernel)
{
	if (*npair == 2)
		die("-k: give exactly two kernels to compare");
	o->pair[(*npair)++] = kernel;
}

static int cmd_bench_syscall(int argc, char **argv)
{
	struct bench_syscall_opts o = {.app = "redis", .iters = "200000", .n = 5};
	struct strbuf err = {0};
	int c, npair = 0;

	while ((c = getopt(argc, argv, "n:a:i:s:k:")) != -1) {
		switch (c) {
		case 'n': o.n = (int)opt_long("-n", optarg, 1, 1000); break;
		case 'a': o.app = optarg; break;
		case 'i':
			opt_long("-i", optarg, 1, 1000000000);
			o.iters = optarg;
			break;
		case 's': o.source = optarg; break;
		case 'k': add_pair(&o, &npair, optarg); break;
		default: return 2;
		}
	}
	if (o.n < 1 || o.n > BENCH_SYSCALL_MAX_REPS)
		die("-n must be 1 to %d", BENCH_SYSCALL_MAX_REPS);
	if (npair == 1)
		die("-k: give exactly two kernels to compare");
	for (int i = 0; i < npair; i++)
		if (access(o.pair[i], R_OK) < 0)
			die("-k '%s': %s", o.pair[i], strerror(errno));
	guard_start(); /* the probe's initrd goes, however the run ends */
	if (bench_syscall(&o, &err) < 0)
		die("%s", err.buf);
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	int help = argc >= 2 && !strcmp(argv[1], "--help");

	if (argc >= 2 && !strcmp(argv[1], "app"))
		return cmd_bench_app(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "syscall"))
		return cmd_bench_syscall(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "report"))
		return cmd_bench_report(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "warm"))
		return cmd_bench_warm(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "kernels") || !strcmp(argv[1], "boot")))
		return cmd_bench_kernels(argc - 1, argv + 1);
	fputs(usage, help ? stdout : stderr);
	return help ? 0 : 2;
}
