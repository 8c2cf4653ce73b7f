/* alarm.c: SIGALRM handlers interrupting a busy loop that keeps registers
 * and red-zone data live; the handler must run and return (sigreturn)
 * without disturbing the loop. */
#include "kmltest.h"

#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile int ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

/* read() from a pipe that a child fills after 300 ms, while a 20 ms
 * SA_RESTART timer interrupts it: the kernel restarts the system call each
 * time (ip rewound by 2: the syscall instruction, or kml_restart on the
 * call path). VIA_CALL selects an explicit `call *AT_SYSINFO`. */
static int restart_read(int via_call)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	struct sigaction sa;
	int fds[2], got;
	char c = 0;
	long r;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 300 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		write(fds[1], "k", 1);
		_exit(0);
	}
	ticks = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	if (via_call)
		r = kt_call_syscall3(kt_sysinfo(), SYS_read, fds[0], (long)&c, 1);
	else
		r = read(fds[0], &c, 1);
	got = ticks;
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	waitpid(pid, NULL, 0);
	close(fds[0]);
	close(fds[1]);
	kt_check(r == 1 && c == 'k' && got >= 2, via_call ? "sa-restart-call" : "sa-restart",
		 "read() returned %ld '%c' after %d interrupting signals", r, c ? c : '?', got);
	return 0;
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
	restart_read(0);
	if (kt_sysinfo())
		restart_read(1);
	return kt_done();
}
