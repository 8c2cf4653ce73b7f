/* progress.c: run a long command (a kernel build) with its output logged and progress shown. */
#include "lib/progress.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int progress_kbuild_step(const char *line)
{
	if (line[0] != ' ' || line[1] != ' ' || line[2] < 'A' || line[2] > 'Z')
		return 0;
	const char *p = line + 2;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
		p++;
	return *p == ' ';
}

static void show(const char *label, double t0, long steps, int tty, int final)
{
	char d[32];
	fmt_duration(now_sec() - t0, d, sizeof(d));
	if (tty)
		fprintf(stderr, "\r%s: %s, %ld steps%s", label, d, steps, final ? "\n" : "   ");
	else
		fprintf(stderr, "%s: %s, %ld steps\n", label, d, steps);
	fflush(stderr);
}

/* Counts the complete lines in buf[0..n) that are steps; a partial line waits in line. */
static long count_steps(const char *buf, size_t n, char *line, size_t size, size_t *len,
			int (*is_step)(const char *line))
{
	long steps = 0;

	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (*len < size - 1)
				line[(*len)++] = buf[i];
			continue;
		}
		line[*len] = 0;
		steps += is_step ? is_step(line) : 1;
		*len = 0;
	}
	return steps;
}

int progress_run(char *const argv[], int log_fd, const char *label, int (*is_step)(const char *line), long *steps)
{
	int pipefd[2], status, tty = isatty(2) && !lupine_quiet;
	char buf[8192], line[512];
	size_t linelen = 0;
	double t0 = now_sec(), last = t0;
	pid_t pid;

	*steps = 0;
	/* if lupine is killed, the build stops too instead of running on unseen
	 * (SIGTERM: make passes it on to what it runs) */
	struct proc_opts o = {.in = -1, .death_signal = SIGTERM};

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	o.out = o.err = pipefd[1];
	pid = proc_spawn(argv, &o);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return -1;
	}
	for (;;) {
		struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
		int r = poll(&pfd, 1, 1000);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0) {
			ssize_t n = read(pipefd[0], buf, sizeof(buf));
			if (n <= 0)
				break;
			if (log_fd >= 0 && write(log_fd, buf, (size_t)n) < 0)
				log_fd = -1;
			*steps += count_steps(buf, (size_t)n, line, sizeof(line), &linelen, is_step);
		}
		double t = now_sec();
		if (!lupine_quiet && (tty ? t - last >= 0.5 : t - last >= 30)) {
			show(label, t0, *steps, tty, 0);
			last = t;
		}
	}
	close(pipefd[0]);
	status = proc_wait(pid);
	if (!lupine_quiet && status >= 0)
		show(label, t0, *steps, tty, 1);
	return status;
}

int progress_run_logged(char *const argv[], const char *log, const char *label)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), st;
	long steps;

	st = label ? progress_run(argv, fd, label, NULL, &steps) : run_cmd(argv, fd);
	if (fd >= 0)
		close(fd);
	return st;
}
