/* hello.c: the smallest useful PID 1. Proves a kernel reaches init: prints a
 * line with the guest's CLOCK_BOOTTIME and TSC, tells the host over the
 * control port, then reports status 0 through QEMU's isa-debug-exit port.
 * Booted with "lupine_klog" on the command line (`lupine bench boot`'s
 * measuring runs), it then prints the kernel's log between two marker lines,
 * so the host can time the kernel's phases after the fact. */
#include "protocol.h"

#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/klog.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#define SYSLOG_ACTION_READ_ALL 3

static char klog[1 << 20]; /* log_buf_len=1M on the measuring command line */

static void ctl(const char *msg)
{
	for (const char *p = msg; *p; p++)
		outb((unsigned char)*p, LUPINE_CTL_PORT);
}

static void dump_klog(void)
{
	int n = klogctl(SYSLOG_ACTION_READ_ALL, klog, (int)sizeof(klog));

	if (n <= 0)
		return;
	fputs("lupine-klog-begin\n", stdout);
	fwrite(klog, 1, (size_t)n, stdout);
	fputs("\nlupine-klog-end\n", stdout);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct timespec ts;
	unsigned long long tsc;
	char msg[64];
	int ports;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	tsc = __builtin_ia32_rdtsc(); /* under TCG: host TSC ticks since the VM started */
	ports = ioperm(LUPINE_CTL_PORT, 1, 1) == 0 && ioperm(LUPINE_EXIT_PORT, 4, 1) == 0;
	if (ports) {
		snprintf(msg, sizeof(msg), LUPINE_CTL_INIT " %lld\n",
			 (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		ctl(msg);
	}
	printf("lupine-hello: reached init as pid %d, boottime %ld.%09ld s, tsc %llu\n", (int)getpid(),
	       (long)ts.tv_sec, ts.tv_nsec, tsc);
	fflush(stdout);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "lupine_klog"))
			dump_klog();
	if (ports) {
		ctl(LUPINE_CTL_STATUS " 0\n");
		outl(0, LUPINE_EXIT_PORT);
	}
	printf("lupine-hello: no I/O port access (CONFIG_X86_IOPL_IOPERM?); powering off\n");
	fflush(stdout);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
