/* cplprobe.c: LD_PRELOAD probe for dynamically linked (glibc) programs such
 * as Debian's redis-server: at load time it prints the program's CPL and
 * whether the kernel passed AT_SYSINFO. Not a musl test: build with the
 * host compiler, `gcc -shared -fPIC -O2 -o cplprobe.so cplprobe.c`. */
#include <stdio.h>
#include <sys/auxv.h>

static void cplprobe(void) __attribute__((constructor));

static void cplprobe(void)
{
	unsigned short cs;
	char exe[256];
	ssize_t n;
	FILE *f;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	exe[0] = 0;
	f = fopen("/proc/self/cmdline", "r");
	if (f) {
		n = (ssize_t)fread(exe, 1, sizeof(exe) - 1, f);
		exe[n > 0 ? n : 0] = 0;
		fclose(f);
	}
	fprintf(stderr, "cplprobe: %s runs at CPL %d, AT_SYSINFO %#lx\n", exe, cs & 3,
		getauxval(32));
}
