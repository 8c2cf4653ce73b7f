/* redzone.c: red-zone torture. A leaf routine keeps 16 live quadwords in the
 * 128 bytes below %rsp (the x86_64 ABI red zone) while spinning, then checks
 * them; timer interrupts arrive meanwhile. A ring-0 task whose interrupts
 * pushed their frame on the user stack would corrupt them.
 *
 * Usage: redzone [ROUNDS]  (default 20000000). Prints the corruption count. */
#include "kmltest.h"

#include <stdlib.h>
#include <time.h>

/* One round: fill the red zone from %rsp-8 down to %rsp-128 with values
 * derived from SEED, spin SPIN times, count the slots that changed. */
__attribute__((noinline)) static long redzone_round(unsigned long seed, long spin)
{
	long bad;

	__asm__ volatile(
		"mov %[seed], %%rax\n\t"
		"mov $1, %%rcx\n"
		"1:\n\t"
		"mov %%rax, %%rdx\n\t"
		"xor %%rcx, %%rdx\n\t"
		"neg %%rcx\n\t"
		"mov %%rdx, (%%rsp,%%rcx,8)\n\t"
		"neg %%rcx\n\t"
		"inc %%rcx\n\t"
		"cmp $16, %%rcx\n\t"
		"jbe 1b\n\t"
		"mov %[spin], %%rcx\n"
		"2:\n\t"
		"dec %%rcx\n\t"
		"jnz 2b\n\t"
		"xor %[bad], %[bad]\n\t"
		"mov $1, %%rcx\n"
		"3:\n\t"
		"mov %%rax, %%rdx\n\t"
		"xor %%rcx, %%rdx\n\t"
		"neg %%rcx\n\t"
		"cmp %%rdx, (%%rsp,%%rcx,8)\n\t"
		"setne %%dl\n\t"
		"movzbl %%dl, %%edx\n\t"
		"add %%rdx, %[bad]\n\t"
		"neg %%rcx\n\t"
		"inc %%rcx\n\t"
		"cmp $16, %%rcx\n\t"
		"jbe 3b\n\t"
		: [bad] "=&r"(bad)
		: [seed] "r"(seed), [spin] "r"(spin)
		: "rax", "rcx", "rdx", "cc", "memory");
	return bad;
}

/* Touch 64 KiB of stack below us, so that a kernel without the KML IST
 * (boot option kml_noist, the positive control) gets as far as corrupting
 * the red zone instead of double-faulting on a not-yet-present stack page. */
__attribute__((noinline)) static void prefault_stack(void)
{
	volatile char pad[65536];

	for (unsigned i = 0; i < sizeof(pad); i += 4096)
		pad[i] = 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 20000000, bad = 0, badrounds = 0;
	double t0, dt;

	prefault_stack();
	t0 = now();

	for (long i = 0; i < rounds; i++) {
		long b = redzone_round(0x5a5a0000ul + (unsigned long)i * 0x9e3779b97f4a7c15ul, 64);

		bad += b;
		badrounds += b != 0;
	}
	dt = now() - t0;
	kt_check(bad == 0, "redzone",
		 "CPL %d, %ld rounds in %.2f s (~%.0f timer ticks at 250 Hz), %ld corrupted slots in %ld rounds",
		 kt_cpl(), rounds, dt, dt * 250, bad, badrounds);
	return kt_done();
}
