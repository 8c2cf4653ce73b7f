/* proc.c: child processes, the clock, where lupine itself lives. */
#include "lib/proc.h"
#include "lib/msg.h"
#include "lib/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* In the child: descriptors, group and death signal as o says. 0, or -1. */
static int child_setup(const struct proc_opts *o, pid_t parent)
{
	if (!o->outlive) {
		prctl(PR_SET_PDEATHSIG, o->death_signal ? o->death_signal : SIGKILL);
		if (getppid() != parent)
			return -1; /* lupine died before the death signal was set */
	}
	if (o->own_pgrp)
		setpgid(0, 0);
	if ((o->in >= 0 && dup2(o->in, 0) < 0) || (o->out >= 0 && dup2(o->out, 1) < 0) ||
	    (o->err >= 0 && dup2(o->err, 2) < 0))
		return -1;
	if (o->keep > 2) {
		if ((o->keep > 3 && close_range(3, (unsigned)o->keep - 1, 0) < 0) ||
		    close_range((unsigned)o->keep + 1, ~0U, 0) < 0)
			return -1;
		return fcntl(o->keep, F_SETFD, 0); /* kept across an exec too */
	}
	proc_close_inherited();
	return 0;
}

pid_t proc_spawn(char *const argv[], const struct proc_opts *o)
{
	pid_t parent = getpid(), pid;

	fflush(NULL); /* or the child could write our buffers a second time */
	if ((pid = fork()) != 0)
		return pid;
	if (child_setup(o, parent) < 0)
		_exit(127);
	if (o->file)
		execve(o->file, argv, o->env ? o->env : environ);
	else if (o->env)
		execvpe(argv[0], argv, o->env);
	else
		execvp(argv[0], argv);
	fprintf(stderr, "lupine: cannot run '%s': %s\n", o->file ? o->file : argv[0], strerror(errno));
	_exit(127);
}

pid_t proc_fork(int (*fn)(void *arg), void *arg, const struct proc_opts *o)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	if ((pid = fork()) != 0)
		return pid;
	if (child_setup(o, parent) < 0)
		_exit(127);
	_exit(fn(arg));
}

static int decode(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int proc_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return decode(status);
}

int proc_poll(pid_t pid, int *status)
{
	int st;
	pid_t r = waitpid(pid, &st, WNOHANG);

	if (r < 0)
		return -1;
	if (r == 0)
		return 0;
	*status = decode(st);
	return 1;
}

int proc_run(char *const argv[], const struct proc_opts *o)
{
	pid_t pid = proc_spawn(argv, o);

	return pid < 0 ? -1 : proc_wait(pid);
}

int proc_capture(char *const argv[], size_t max, struct strbuf *out)
{
	struct proc_opts o = PROC_OPTS_INIT;
	int p[2], st;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	o.in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	o.out = o.err = p[1];
	pid = proc_spawn(argv, &o);
	close(p[1]);
	if (o.in >= 0)
		close(o.in);
	while (pid > 0 && ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0 && out->len < max)
			sb_add(out, buf, (size_t)n < max - out->len ? (size_t)n : max - out->len);
	close(p[0]);
	st = pid < 0 ? -1 : proc_wait(pid);
	return st;
}

int run_cmd(char *const argv[], int log_fd)
{
	struct proc_opts o = PROC_OPTS_INIT;

	o.out = o.err = log_fd;
	return proc_run(argv, &o);
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
	/* ... cutime cstime priority nice num_threads itrealvalue starttime (field 22) */
	if (!open || !close || close < open ||
	    sscanf(close + 2, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d %*d "
			      "%llu", &st->state, &st->ppid, &ut, &stime, &st->start_time) != 5)
		return -1;
	snprintf(st->comm, sizeof(st->comm), "%.*s", (int)(close - open - 1), open + 1);
	st->ticks = (long)(ut + stime);
	return 0;
}

int proc_signal(pid_t pid, unsigned long long start, int sig)
{
	struct proc_stat st;
	int fd, r = -1, e;

	if (pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	/* the pidfd first: if the stat below still shows the process that
	 * started at start, the pidfd is that process, whatever happens next */
	if ((fd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0 && errno != ENOSYS)
		return -1;
	if (proc_stat_read(pid, &st) < 0 || st.start_time != start)
		errno = ESRCH;
	else if (fd >= 0)
		r = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
	else
		r = kill(pid, sig); /* a kernel before 5.3: checked, with a narrow window */
	e = errno;
	if (fd >= 0)
		close(fd);
	errno = e;
	return r;
}

long proc_kib(int pid, const char *file, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (str_starts(line, key) && line[strlen(key)] == ':')
			v = atol(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return v;
}
