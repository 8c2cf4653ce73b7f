/* test_bench.c: the comparison kernels (baselines), `lupine bench report` and its plots. */
#include "harness.h"
#include "bench/latency.h"
#include "bench/phases.h"
#include "bench/plot.h"
#include "lib/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct cmd_out print_config(const char *baseline, char *const env[])
{
	char *argv[] = {(char *)lupine_bin(), "kernel", "--baseline", (char *)baseline, "--print-config", NULL};
	return run_capture(argv, env);
}

static int count_y(const char *config)
{
	int n = 0;
	for (const char *p = config; p && (p = strstr(p, "=y\n")); p += 3)
		n++;
	return n;
}

/* Both baselines resolve to their own configs with Lupine's additions, from
 * the tree without Lupine's patches. */
static void test_baseline_configs(void)
{
	struct cmd_out mv = print_config("microvm", NULL), deb = print_config("debian", NULL);

	CHECK_INT(mv.status, 0);
	CHECK_CONTAINS(mv.out, "\nCONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y\n");
	CHECK_CONTAINS(mv.out, "\n# CONFIG_MODULES is not set\n");
	/* Firecracker's file sets 1238 options to y; olddefconfig may move a few */
	CHECK(count_y(mv.out) > 1200 && count_y(mv.out) < 1280);
	CHECK_INT(deb.status, 0);
	CHECK_CONTAINS(deb.out, "\nCONFIG_VIRTIO_BLK=y\n");
	CHECK_CONTAINS(deb.out, "\nCONFIG_EXT4_FS=y\n");
	CHECK_CONTAINS(deb.out, "\nCONFIG_MODULES=y\n");
	CHECK_CONTAINS(deb.out, "\nCONFIG_DEBUG_INFO_NONE=y\n");
	CHECK(count_y(deb.out) > 2400);
	cmd_out_free(&mv);
	cmd_out_free(&deb);
}

static void test_baseline_errors(void)
{
	char *env[] = {"LUPINE_DEBIAN_CONFIG=/nonexistent/config.xz", NULL};
	struct cmd_out o = print_config("debian", env);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "/nonexistent/config.xz");
	CHECK_CONTAINS(o.err, "linux-config-6.1");
	CHECK_INT(strlen(o.out), 0);
	cmd_out_free(&o);

	o = print_config("fedora", NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "unknown baseline 'fedora'; the baselines are microvm, debian");
	cmd_out_free(&o);

	char *with_app[] = {"kernel", "--baseline", "microvm", "--app", "redis", NULL};
	o = run_lupine(with_app);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "complete config of its own");
	cmd_out_free(&o);
}

static char *read_in(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name), *text = file_read(p, NULL);
	free(p);
	return text;
}

/* The numbers of column col (0-based) on the CSV lines starting with prefix. */
static int csv_values(const char *csv, const char *prefix, int col, double *out, int max)
{
	int n = 0;
	for (const char *l = csv; l && *l && n < max; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!str_starts(l, prefix))
			continue;
		const char *f = l;
		for (int c = 0; c < col && f; c++)
			f = strchr(f, ',') ? strchr(f, ',') + 1 : NULL;
		if (f)
			out[n++] = atof(f);
	}
	return n;
}

/* --quick on the kernels the suite already has (redis, redis+kml, general):
 * every section measured, the files written, the figures plausible. */
static void test_report_quick(void)
{
	char *dir = xasprintf("%s/report", test_tmpdir());
	char *args[] = {"bench", "report", "--quick", "--apps", "redis", "-n", "2", "-o", dir, NULL};
	struct cmd_out o = run_lupine(args);
	char *md = read_in(dir, "report.md"), *size = read_in(dir, "size.csv"), *boot = read_in(dir, "boot.csv");
	char *sys = read_in(dir, "syscalls.csv"), *tp = read_in(dir, "throughput.csv");
	char *mem = read_in(dir, "memory.csv"), *dens = read_in(dir, "density.csv");
	char *svg = read_in(dir, "boot-cdf.svg"), *svg2 = read_in(dir, "throughput.svg");
	char *warm = read_in(dir, "warm.csv");
	double v[8], kml[8], ring3[8], floor[8], cold[8];

	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "report.md");
	for (int s = 1; s <= 6; s++) {
		char h[16];
		snprintf(h, sizeof(h), "## %d. ", s);
		CHECK_CONTAINS(md, h);
	}
	CHECK_CONTAINS(md, "accel TCG");
	CHECK_NOT_CONTAINS(md, "did not build");
	CHECK(csv_values(size, "redis,", 1, v, 8) == 1 && v[0] > 1e6);
	CHECK(csv_values(size, "general,", 1, v, 8) == 1 && v[0] > 1e6);
	CHECK(csv_values(boot, "general,", 2, v, 8) == 2 && v[0] > 0 && v[1] > 0);
	/* the probe ran in ring 0 on the KML kernel and in ring 3 on the other
	 * (which is faster is the benchmark's to say, not a test's) */
	CHECK_INT(csv_values(sys, "redis+kml,getppid,", 3, kml, 8), 2);
	CHECK_INT(csv_values(sys, "redis,getppid,", 3, ring3, 8), 2);
	CHECK(kml[0] > 0 && ring3[0] > 0 && kml[0] < 1e6 && ring3[0] < 1e6);
	CHECK(csv_values(sys, "redis+kml,getppid,", 4, v, 8) == 2 && v[0] == 0 && v[1] == 0);
	CHECK(csv_values(sys, "redis,getppid,", 4, v, 8) == 2 && v[0] == 3 && v[1] == 3);
	CHECK_INT(csv_values(sys, "redis,ctxsw-2p,", 3, v, 8), 2);
	CHECK(v[0] > 0);
	CHECK_INT(csv_values(tp, "redis,GET,own,", 4, v, 8), 2);
	CHECK(v[0] > 0 && v[1] > 0);
	CHECK_INT(csv_values(tp, "redis,SET,kml,", 4, v, 8), 2);
	CHECK(v[0] > 0 && v[1] > 0);
	CHECK(csv_values(mem, "redis,own,", 2, v, 8) == 1 && v[0] >= 16 && v[0] <= 256);
	/* the kernel's unpack floor bounds the smallest memory from below */
	CHECK(csv_values(mem, "redis,own,", 3, floor, 8) == 1 && floor[0] >= 3 && floor[0] <= v[0]);
	CHECK(csv_values(dens, "1,", 1, v, 8) == 1 && v[0] > 1000);
	/* warm start: each restore got ready, and sooner than the cold boot beside it */
	CHECK_INT(csv_values(warm, "redis,restored,", 3, v, 8), 2);
	CHECK_INT(csv_values(warm, "redis,cold,", 3, cold, 8), 2);
	CHECK(v[0] > 0 && v[1] > 0 && v[0] < cold[0] && v[1] < cold[1]);
	CHECK_CONTAINS(svg, "<svg");
	CHECK_CONTAINS(svg2, "<svg");
	free(warm);
	cmd_out_free(&o);
	free(md), free(size), free(boot), free(sys), free(tp), free(mem), free(dens), free(svg), free(svg2);
	free(dir);
}

/* The probe's lines as tests/kml/latency.c prints them, amid the console's
 * other output: good lines in order, junk skipped, at most LATENCY_MAX. */
static void test_latency_lines(void)
{
	const char *console = "[    0.512] Run /init as init process\n"
			      "latency getppid               41.3 ns/call (cpl 0, 200000 calls, best of 3)\n"
			      "latency read-devzero  oops ns/call (cpl 0, 200000 calls, best of 3)\n"
			      "latency stat                 612.0 ns/call (cpl 3, 200000 calls, best of 3)\n"
			      "latency write-devnull 99.5 ns/call\n"
			      "latency ctxsw-2p         1830.5 ns/call (cpl 3, 5000 round trips, best of 3)\n"
			      "latency\nlatency \n";
	struct latency_sample s[LATENCY_MAX];
	struct strbuf many = {0};

	CHECK_INT(latency_parse(console, s), 3);
	CHECK(!strcmp(s[0].name, "getppid") && s[0].ns == 41.3 && s[0].cpl == 0);
	CHECK(!strcmp(s[1].name, "stat") && s[1].ns == 612.0 && s[1].cpl == 3);
	CHECK(!strcmp(s[2].name, "ctxsw-2p") && s[2].ns == 1830.5 && s[2].cpl == 3);
	CHECK_INT(latency_parse(NULL, s), 0);
	CHECK_INT(latency_parse("", s), 0);
	CHECK_INT(latency_parse("Kernel panic - not syncing: latency unknown\n", s), 0);
	/* a name longer than the 31 characters kept is not a sample */
	CHECK_INT(latency_parse("latency a-name-longer-than-thirty-one-chars 5.0 ns/call (cpl 3)\n", s), 0);
	for (int i = 0; i < LATENCY_MAX + 4; i++)
		sb_addf(&many, "latency call%d %d.5 ns/call (cpl 3, 10 calls, best of 3)\n", i, i);
	CHECK_INT(latency_parse(many.buf, s), LATENCY_MAX);
	CHECK(!strcmp(s[LATENCY_MAX - 1].name, "call15") && s[LATENCY_MAX - 1].ns == 15.5);
	sb_release(&many);
}

/* A measuring boot's console as the host gets it: \r\n line ends, the
 * hello's line, the kernel log between its markers, one initcall named by
 * address (no CONFIG_KALLSYMS) and one by kallsyms. */
static const char phase_console[] =
	"lupine-hello: reached init as pid 1, boottime 0.600000000 s, tsc 1500000000\r\n"
	"lupine-klog-begin\r\n"
	"<5>[    0.000000] Linux version 6.1.192\r\n"
	"<7>[    0.200000] calling  0xffffffff80a01234 @ 1\r\n"
	"<7>[    0.210000] initcall 0xffffffff80a01234 returned 0 after 3906 usecs\r\n"
	"<7>[    0.220000] calling  kswapd_init+0x0/0x70 @ 1\r\n"
	"<6>[    0.230000] a message of its own, [not] a time\r\n"
	"<7>[    0.500000] initcall kswapd_init+0x0/0x70 returned 0 after 0 usecs\r\n"
	"<6>[    0.590000] Run /init as init process\r\n"
	"\r\nlupine-klog-end\r\n";

static void test_phases_parse(void)
{
	struct phase_clock same = {2e9, 2e9}, fast = {2.5e9, 2e9};
	struct ksyms syms = {0};
	struct boot_phases p;
	double e = 1e-9;

	ksyms_parse(&syms, "ffffffff80a01234 t chr_dev_init\nffffffff80a01300 T other\nffffffff80b00000 D data\n"
			   "garbage line\n");
	CHECK_INT(syms.n, 2);
	CHECK_INT(phases_parse(phase_console, 1.0, &same, &syms, &p), 0);
	/* TSC 1.5e9 at 2 GHz: 0.75 s since the VM started, so QEMU took 0.25 */
	CHECK(fabs(p.vmm - 0.25) < e && fabs(p.loader - 0.15) < e && fabs(p.kernel - 0.2) < e);
	CHECK(fabs(p.initcalls - 0.3) < e && fabs(p.to_init - 0.1) < e && p.total == 1.0);
	CHECK_INT(p.ninitcalls, 2);
	CHECK_INT(p.ntop, 2);
	CHECK(!strcmp(p.top[0].name, "kswapd_init") && fabs(p.top[0].sec - 0.28) < e);
	CHECK(!strcmp(p.top[1].name, "chr_dev_init") && fabs(p.top[1].sec - 0.01) < e);
	/* the guest thinks its TSC runs at 2 GHz, the host's runs at 2.5 */
	CHECK_INT(phases_parse(phase_console, 1.0, &fast, NULL, &p), 0);
	CHECK(fabs(p.vmm - 0.4) < e && fabs(p.kernel - 0.16) < e && fabs(p.to_init - 0.08) < e);
	CHECK(!strcmp(p.top[1].name, "0xffffffff80a01234"));
	ksyms_release(&syms);
}

/* Consoles that do not hold a measuring boot are refused, and what the
 * guest prints stays bounded. */
static void test_phases_refused(void)
{
	struct phase_clock clk = {2e9, 2e9};
	struct boot_phases p;
	char *cut = xstrndup(phase_console, strstr(phase_console, "\r\nlupine-klog-end") - phase_console);
	struct strbuf long_name = {0};

	CHECK_INT(phases_parse(NULL, 1.0, &clk, NULL, &p), -1);
	CHECK_INT(phases_parse("lupine-hello: reached init as pid 1, boottime 0.6 s\n", 1.0, &clk, NULL, &p), -1);
	CHECK_INT(phases_parse(cut, 1.0, &clk, NULL, &p), -1); /* no end marker */
	CHECK_INT(phases_parse(phase_console, 1.0, &(struct phase_clock){0, 2e9}, NULL, &p), -1);
	sb_adds(&long_name, "lupine-hello: reached init as pid 1, boottime 0.6 s, tsc 1\nlupine-klog-begin\n");
	for (int call = 0; call < 2; call++) {
		sb_adds(&long_name, call ? "[0.25] calling  y\n[0.3] initcall " : "[0.1] calling  0x1\n[0.2] initcall ");
		for (int i = 0; i < 200; i++)
			sb_adds(&long_name, call ? "\x01" : "x");
		sb_adds(&long_name, " returned 0\n");
	}
	sb_adds(&long_name, "lupine-klog-end\n");
	CHECK_INT(phases_parse(long_name.buf, 1.0, &clk, NULL, &p), 0);
	CHECK_INT(p.ninitcalls, 2);
	CHECK_INT(strlen(p.top[0].name), PHASES_NAME_MAX - 1); /* the 0.1 s one, its name cut */
	CHECK_INT(strlen(p.top[1].name), 0); /* stops at the first unprintable byte */
	sb_release(&long_name);
	free(cut);
}

/* An SVG file's contents, for the plot checks. */
static int is_svg(const char *path)
{
	char *text = file_read(path, NULL);
	int yes = text && strstr(text, "<svg") != NULL;

	free(text);
	return yes;
}

/* Plots under a directory with a quote in its name, and named with a leading '-': gnuplot
 * reads each as the name it is (its -e text quotes them; it has no "--"). */
static void test_plot_odd_paths(void)
{
	char *gnuplot = path_lookup("gnuplot"), *dir = xasprintf("%s/it's", test_tmpdir());
	char *svg = xasprintf("%s/q.svg", dir), *cwd = getcwd(NULL, 0);
	struct strbuf err = {0};

	if (!gnuplot) {
		test_skip("no gnuplot (scripts/setup.sh installs gnuplot-nox)");
		goto out;
	}
	mkdir_p(dir, 0755);
	CHECK_INT(plot_svg(svg, "plot x\n", &err), 0);
	CHECK(is_svg(svg));
	CHECK(cwd && chdir(dir) == 0);
	CHECK_INT(plot_svg("-p.svg", "plot x\n", &err), 0);
	CHECK(is_svg("-p.svg"));
	CHECK(cwd && chdir(cwd) == 0);
	if (err.len)
		fprintf(stderr, "    %s\n", err.buf);
out:
	sb_release(&err);
	free(cwd);
	free(svg);
	free(dir);
	free(gnuplot);
}

const struct test bench_tests[] = {
	{"bench/plot-odd-paths", test_plot_odd_paths, 0},
	{"bench/baseline-configs", test_baseline_configs, 0},
	{"bench/baseline-errors", test_baseline_errors, 0},
	{"bench/latency-lines", test_latency_lines, 0},
	{"bench/phases-parse", test_phases_parse, 0},
	{"bench/phases-refused", test_phases_refused, 0},
	{"bench/report-quick", test_report_quick, 1},
	{0, 0, 0},
};
