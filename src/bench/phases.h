/* phases.h: where a boot's time to init goes, read from one measuring boot
 * of the hello init (`lupine bench boot`): the host's time to init, the
 * guest's TSC and CLOCK_BOOTTIME at init, and the kernel's log with
 * printk times and initcall_debug lines, which the hello init prints
 * between "lupine-klog-begin" and "lupine-klog-end" lines. */
#ifndef LUPINE_BENCH_PHASES_H
#define LUPINE_BENCH_PHASES_H

#include <stddef.h>
#include <stdint.h>

/* What the hello init is booted with for a measuring run. */
#define PHASES_CMDLINE "printk.time=1 initcall_debug log_buf_len=1M lupine_klog"

#define PHASES_TOP 10
#define PHASES_NAME_MAX 64

struct initcall_time {
	char name[PHASES_NAME_MAX]; /* the function, or its address when no symbol is known */
	double sec;
};

/* One boot's phases, host seconds; they add up to total. */
struct boot_phases {
	double vmm;       /* QEMU's start to the VM's start (its TSC at 0) */
	double loader;    /* VM start to the kernel's clock (firmware, loader, decompression,
			   * and the kernel's own start up to its TSC set-up in setup_arch) */
	double kernel;    /* the kernel's clock start to the first initcall */
	double initcalls; /* the first initcall's start to the last one's end */
	double to_init;   /* the last initcall to init */
	double total;     /* QEMU's start to init, as the host saw it */
	int ninitcalls;
	struct initcall_time top[PHASES_TOP]; /* the slowest, slowest first */
	int ntop;
};

/* How guest clocks become host seconds. Under TCG the guest's TSC counts
 * the host's TSC ticks since the VM started (QEMU's cpu_enable_ticks), at
 * host_tsc_hz; the guest kernel believes it runs at guest_tsc_hz (the
 * command line's tsc_early_khz), so its times are scaled by
 * guest_tsc_hz / host_tsc_hz. */
struct phase_clock {
	double host_tsc_hz, guest_tsc_hz;
};

/* A kernel's symbols, to name initcalls printed as addresses (kernels
 * without CONFIG_KALLSYMS). Zero-initialised; ksyms_release frees. */
struct ksyms {
	struct ksym {
		uint64_t addr;
		char *name;
	} *v;
	size_t n;
};
/* Adds the lines of `nm -n` output ("ADDR TYPE NAME", text symbols only). */
void ksyms_parse(struct ksyms *s, const char *nm_output);
/* Loads vmlinux's symbols with nm. 0, or -1 (s left empty). */
int ksyms_load(struct ksyms *s, const char *vmlinux);
/* The name of the symbol at exactly addr, or NULL. */
const char *ksyms_find(const struct ksyms *s, uint64_t addr);
void ksyms_release(struct ksyms *s);

/* Reads the phases out of a measuring boot's console (the hello's line and
 * the kernel log it printed) and the host's time to init t_init; syms may
 * be NULL. 0, or -1 when the console lacks what is needed (no hello line,
 * no log, no initcall lines: a kernel built without initcall_debug's
 * printks, CONFIG_PRINTK off). */
int phases_parse(const char *console, double t_init, const struct phase_clock *clk, const struct ksyms *syms,
		 struct boot_phases *out);

/* This host's TSC rate, measured against CLOCK_MONOTONIC_RAW over ~100 ms;
 * 0 on a host without a TSC. */
double phases_host_tsc_hz(void);

#endif
