/* cpl.c: report the CPL this program runs at and test both system call entries.
 *
 * Usage: cpl [EXPECTED_CPL] [--exit-cpl]
 * With EXPECTED_CPL (0 or 3) it checks the CPL; without, it expects 0 when
 * started from a path under /trusted/, 3 otherwise. --exit-cpl makes the
 * exit status the CPL (used by forkexec). */
#include "kmltest.h"

#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	int expect = !strncmp(argv[0], "/trusted/", 9) ? 0 : 3;
	int exit_cpl = 0, cpl = kt_cpl();
	unsigned long entry = kt_sysinfo();
	static const char msg[] = "cpl: hello through the raw syscall instruction\n";
	static const char msg2[] = "cpl: hello through call *AT_SYSINFO\n";
	long r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exit-cpl"))
			exit_cpl = 1;
		else
			expect = atoi(argv[i]);
	}
	if (exit_cpl)
		return cpl;
	kt_check(cpl == expect, "cpl", "%s runs at CPL %d (cs low bits), expected %d", argv[0], cpl,
		 expect);
	r = kt_raw_syscall3(SYS_write, 1, (long)msg, sizeof(msg) - 1);
	kt_check(r == (long)sizeof(msg) - 1, "cpl-syscall", "raw syscall write returned %ld", r);
	r = kt_raw_syscall3(SYS_getpid, 0, 0, 0);
	kt_check(r == getpid(), "cpl-getpid", "raw getpid %ld, libc getpid %d", r, (int)getpid());
	if (cpl == 0) {
		kt_check(entry != 0, "cpl-sysinfo", "AT_SYSINFO = %#lx", entry);
		if (entry) {
			r = kt_call_syscall3(entry, SYS_write, 1, (long)msg2, sizeof(msg2) - 1);
			kt_check(r == (long)sizeof(msg2) - 1, "cpl-call", "call-path write returned %ld", r);
			r = kt_call_syscall3(entry, SYS_getppid, 0, 0, 0);
			kt_check(r == getppid(), "cpl-call-getppid", "call-path getppid %ld, libc %d", r,
				 (int)getppid());
			r = kt_call_syscall3(entry, SYS_close, 12345, 0, 0);
			kt_check(r == -9, "cpl-call-errno", "call-path close(12345) = %ld (want -EBADF)", r);
		}
	} else {
		kt_check(entry == 0, "cpl-sysinfo", "no AT_SYSINFO for a ring-3 task (%#lx)", entry);
	}
	return kt_done();
}
