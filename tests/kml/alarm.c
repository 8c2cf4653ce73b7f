/* alarm.c: SIGALRM handlers interrupting a busy loop that keeps registers
 * and red-zone data live; the handler must run and return (sigreturn)
 * without disturbing the loop. */
#include "kmltest.h"

#include <signal.h>
#include <string.h>
#include <sys/time.h>

static volatile int ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

int main(void)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
	struct sigaction sa;
	unsigned long acc = 0, i = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(0);
	setitimer(ITIMER_REAL, &it, NULL);
	while (ticks < 20) {
		acc += i * 3 + 1;
		i++;
	}
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	/* acc must equal the closed form: sum of (3k+1) for k < i */
	kt_check(acc == 3 * (i * (i - 1) / 2) + i, "sigalrm",
		 "CPL %d, %d handler runs, loop state intact after %lu iterations", kt_cpl(), ticks, i);
	/* alarm(2) + pause(): handler interrupts a blocked system call */
	ticks = 0;
	alarm(1);
	pause();
	kt_check(ticks == 1, "sigalrm-pause", "pause() returned after the handler ran (%d)", ticks);
	return kt_done();
}
