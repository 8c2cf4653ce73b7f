/* kmltest.h: helpers shared by the KML guest tests (header-only, static).
 *
 * Every test prints "PASS name: ..." or "FAIL name: ..." lines on stdout
 * and exits 0 when all its checks passed, 1 otherwise. */
#ifndef KMLTEST_H
#define KMLTEST_H

#include <stdarg.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>

#ifndef AT_SYSINFO
#define AT_SYSINFO 32
#endif

static int kt_failed;

/* The privilege level this code runs at: the low two bits of %cs. */
static inline int kt_cpl(void)
{
	unsigned short cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

__attribute__((format(printf, 3, 4), unused)) static void kt_check(int ok, const char *name,
							   const char *fmt, ...)
{
	va_list ap;

	printf("%s %s: ", ok ? "PASS" : "FAIL", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		kt_failed = 1;
}

/* The KML call entry the kernel published, or 0 (not a kernel-mode task). */
static inline unsigned long kt_sysinfo(void)
{
	return getauxval(AT_SYSINFO);
}

/* System call through `call *entry`, skipping the caller's red zone. */
static inline long kt_call_syscall3(unsigned long entry, long n, long a1, long a2, long a3)
{
	long ret;

	__asm__ volatile("lea -128(%%rsp), %%rsp\n\t"
			 "call *%[entry]\n\t"
			 "lea 128(%%rsp), %%rsp"
			 : "=a"(ret)
			 : [entry] "r"(entry), "a"(n), "D"(a1), "S"(a2), "d"(a3)
			 : "rcx", "r11", "memory", "cc");
	return ret;
}

/* The same with the raw instruction, whatever the libc does. */
static inline long kt_raw_syscall3(long n, long a1, long a2, long a3)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a1), "S"(a2), "d"(a3)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline int kt_done(void)
{
	fflush(stdout);
	return kt_failed;
}

#endif
