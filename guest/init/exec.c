/* exec.c: become the application: its confinement (process.c), working directory, PATH
 * search, exec, and a clear reason when it cannot start (missing interpreter, not executable). */
#include "init.h"

#include "lib/elf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/stat.h>
#include <unistd.h>
static const char *env_get(const char *key)
{
	size_t n = strlen(key);

	for (int i = 0; i < run.envc; i++)
		if (!strncmp(run.envp[i], key, n) && run.envp[i][n] == '=')
			return run.envp[i] + n + 1;
	return NULL;
}

/* Find NAME in the application's PATH, as execvp() would; the first regular file wins. */
static int path_find(const char *name, char *out, size_t size)
{
	const char *dir = env_get("PATH"), *end;
	struct stat st;
	int len, n;

	if (strchr(name, '/'))
		return snprintf(out, size, "%s", name) < (int)size ? 0 : -1;
	for (dir = dir ? dir : LUPINE_DEFAULT_PATH;; dir = end + 1) {
		end = strchrnul(dir, ':');
		len = (int)(end - dir);
		/* An empty element is the current directory. */
		n = len ? snprintf(out, size, "%.*s/%s", len, dir, name) : snprintf(out, size, "%s", name);
		if (n < (int)size && stat(out, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
		if (!*end)
			return -1;
	}
}

/* The interpreter the kernel loads to run PATH: a 64-bit ELF's PT_INTERP, a script's "#!". */
static int file_interp(const char *path, char *out, size_t size)
{
	struct elf_file ef;
	char h[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;
	ssize_t n = fd < 0 ? -1 : pread(fd, h, sizeof(h) - 1, 0);
	char *p = h + 2;

	if (n >= 2 && h[0] == '#' && h[1] == '!') {
		h[n] = '\0';
		p += strspn(p, " \t");
		p[strcspn(p, " \t\n")] = '\0';
		found = snprintf(out, size, "%s", p) > 0;
	} else if (n > 0 && elf_open(&ef, fd) == 1) {
		found = elf_interp(&ef, out, size) == 1;
	}
	if (fd >= 0)
		close(fd);
	return found;
}

/* In the child: hand errmsg to the parent, which reports it, and exit with 127 or 126. */
static _Noreturn void child_exit(int errfd, int err)
{
	write(errfd, errmsg, strlen(errmsg));
	_exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

/* In the child: execve() of PATH failed with ERR. */
static _Noreturn void exec_fail(int errfd, const char *path, int err)
{
	char interp[PATH_MAX];
	struct stat st;

	/* ENOENT for a file that is there: what is missing is what runs it. */
	if (err == ENOENT && stat(path, &st) == 0) {
		if (file_interp(path, interp, sizeof(interp)) && access(interp, F_OK) < 0)
			say("cannot run '%s': missing interpreter %s", path, interp);
		else
			say("cannot run '%s': an interpreter it needs is missing", path);
	} else if (err == ENOENT) {
		say("cannot run '%s': not found", path);
	} else if (err == EACCES || err == ENOEXEC) {
		say("cannot run '%s': not executable (%s)", path, strerror(err));
	} else {
		say("cannot run '%s': %s", path, strerror(err));
	}
	child_exit(errfd, err);
}

_Noreturn void app_become(int errfd)
{
	const char *path_env = env_get("PATH");
	char path[PATH_MAX];
	int err;

	/* ioperm() access survives fork and exec: take it from the application,
	 * which must not forge reports. */
	ioperm(LUPINE_CTL_PORT, 1, 0);
	ioperm(LUPINE_EXIT_PORT, 4, 0);
	ports = 0;
	if (process_confine() < 0)
		child_exit(errfd, EPERM);
	if (run.cwd && chdir(run.cwd) < 0) {
		err = errno;
		say("cannot change to directory '%s': %s", run.cwd, strerror(err));
		child_exit(errfd, err);
	}
	if (path_find(run.argv[0], path, sizeof(path)) < 0) {
		say("cannot run '%s': not found in PATH (%s)", run.argv[0], path_env ? path_env : "unset");
		child_exit(errfd, ENOENT);
	}
	execve(path, run.argv, run.envp);
	exec_fail(errfd, path, errno);
}

/* In the child: become the application; failures go to the console and ERRFD. */
static _Noreturn void app_exec(int errfd, const sigset_t *mask, const int fds[3])
{
	sigprocmask(SIG_SETMASK, mask, NULL); /* dispositions: the init never changes them */
	for (int i = 0; i <= STDERR_FILENO; i++)
		if (fds[i] >= 0 && fds[i] != i)
			dup2(fds[i], i); /* dup2 clears the copy's close-on-exec */
	if (run.terminal && tty_attach() < 0)
		child_exit(errfd, EPERM);
	app_become(errfd);
}

/* Fork the application; returns its pid or -1. */
pid_t app_start(const sigset_t *orig, const int fds[3])
{
	int p[2];
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return fail("cannot create a pipe: %s", strerror(errno));
	if ((pid = fork()) == 0) {
		close(p[0]);
		app_exec(p[1], orig, fds);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return fail("cannot fork: %s", strerror(errno));
	}
	ctl(LUPINE_CTL_APP " %lld", boottime_ns());
	/* EOF: the exec succeeded and closed the pipe. Else the child says why not. */
	if ((n = read(p[0], errmsg, sizeof(errmsg) - 1)) > 0)
		errmsg[n] = '\0', ctl(LUPINE_CTL_ERROR " %s", errmsg);
	close(p[0]);
	return pid;
}
