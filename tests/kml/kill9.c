/* kill9.c: SIGKILL from another process, to a child spinning without
 * system calls (delivered on an interrupt's return) and to one blocked in
 * a system call. */
#include "kmltest.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static int kill_child(int spin)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (spin)
			for (volatile unsigned long i = 0;; i++)
				;
		for (;;)
			pause();
	}
	nanosleep(&ts, NULL);
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : -2;
}

int main(void)
{
	int s = kill_child(1);

	kt_check(s == SIGKILL, "kill9-spin", "CPL %d, spinning child ended by signal %d", kt_cpl(), s);
	s = kill_child(0);
	kt_check(s == SIGKILL, "kill9-blocked", "child blocked in pause() ended by signal %d", s);
	return kt_done();
}
