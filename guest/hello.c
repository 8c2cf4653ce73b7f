/* hello.c: the smallest useful PID 1. Proves a kernel reaches init: prints a
 * line with the guest's CLOCK_BOOTTIME, tells the host over the control
 * port, then reports status 0 through QEMU's isa-debug-exit port. */
#include "protocol.h"

#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

static void ctl(const char *msg)
{
	for (const char *p = msg; *p; p++)
		outb((unsigned char)*p, LUPINE_CTL_PORT);
}

int main(void)
{
	struct timespec ts;
	char msg[64];
	int ports;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	ports = ioperm(LUPINE_CTL_PORT, 1, 1) == 0 && ioperm(LUPINE_EXIT_PORT, 4, 1) == 0;
	if (ports) {
		snprintf(msg, sizeof(msg), LUPINE_CTL_INIT " %lld\n",
			 (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		ctl(msg);
	}
	printf("lupine-hello: reached init as pid %d, boottime %ld.%09ld s\n", (int)getpid(),
	       (long)ts.tv_sec, ts.tv_nsec);
	fflush(stdout);
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
