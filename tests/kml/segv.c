/* segv.c: SIGSEGV from a bad pointer, caught by a handler (which leaves by
 * siglongjmp) and uncaught in a child (status 139 = 128 + SIGSEGV). */
#include "kmltest.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

static sigjmp_buf env;
static volatile void *fault_addr;
/* volatile so the compiler cannot see the addresses are bad */
static volatile unsigned long bad_addr = 0x10, bad_addr2 = 0x20;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_addr = si->si_addr;
	siglongjmp(env, 1);
}

int main(void)
{
	struct sigaction sa;
	volatile int *bad = (volatile int *)bad_addr;
	int status;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	if (!sigsetjmp(env, 1)) {
		*bad = 1;
		kt_check(0, "segv-caught", "write to %p did not fault", (void *)bad);
	} else {
		kt_check(fault_addr == bad, "segv-caught", "CPL %d, handler saw si_addr %p (want %p)",
			 kt_cpl(), (void *)fault_addr, (void *)bad);
	}
	/* A second time: the handler and sigreturn state must be reusable. */
	if (!sigsetjmp(env, 1))
		*(volatile int *)bad_addr2 = 1;
	kt_check(fault_addr == (void *)0x20, "segv-again", "si_addr %p", (void *)fault_addr);

	/* Other exception vectors, each caught and left by siglongjmp:
	 * #UD (ud2) -> SIGILL, #BP (int3) -> SIGTRAP, #DE (div 0) -> SIGFPE. */
	static const int sigs[] = { SIGILL, SIGTRAP, SIGFPE };
	static const char *const names[] = { "sigill-ud2", "sigtrap-int3", "sigfpe-div0" };
	for (volatile int i = 0; i < 3; i++) {
		sigaction(sigs[i], &sa, NULL);
		fault_addr = NULL;
		if (!sigsetjmp(env, 1)) {
			if (i == 0)
				__asm__ volatile("ud2");
			else if (i == 1)
				__asm__ volatile("int3");
			else
				__asm__ volatile("xor %%edx, %%edx; xor %%eax, %%eax; div %%ecx"
						 : : "c"(0) : "rax", "rdx");
			kt_check(0, names[i], "no signal");
		} else {
			kt_check(1, names[i], "CPL %d, handler ran and left by siglongjmp", kt_cpl());
		}
	}

	pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		*bad = 2;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	kt_check(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "segv-uncaught",
		 "child status %s %d (shell: %d)", WIFSIGNALED(status) ? "signal" : "exit",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
		 WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
	return kt_done();
}
