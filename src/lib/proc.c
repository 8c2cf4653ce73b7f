/* proc.c: child processes, the clock, where lupine itself lives. */
#include "lib/proc.h"
#include "lib/msg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

char *exe_dir(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0)
		return xstrdup(".");
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (slash)
		*slash = 0;
	return xstrdup(buf);
}

int run_cmd(char *const argv[], int log_fd)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (log_fd >= 0) {
			dup2(log_fd, 1);
			dup2(log_fd, 2);
		}
		proc_close_inherited();
		execvp(argv[0], argv);
		fprintf(stderr, "lupine: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *path_lookup(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, *found = NULL;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	copy = xstrdup(path ? path : "/usr/bin:/bin");
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s/%s", d, name);
		struct stat st;
		if (access(cand, X_OK) == 0 && stat(cand, &st) == 0 && !S_ISDIR(st.st_mode))
			found = cand;
		else
			free(cand);
	}
	free(copy);
	return found;
}

void proc_close_inherited(void)
{
	if (close_range(3, ~0U, 0) == 0)
		return;
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
}

int proc_stat_read(int pid, struct proc_stat *st)
{
	char path[64], buf[1024];
	unsigned long ut, stime;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime ...": comm may hold spaces and ')' */
	char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	if (!open || !close || close < open ||
	    sscanf(close + 2, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &st->state, &st->ppid, &ut,
		   &stime) != 4)
		return -1;
	snprintf(st->comm, sizeof(st->comm), "%.*s", (int)(close - open - 1), open + 1);
	st->ticks = (long)(ut + stime);
	return 0;
}
