/* forkexec.c: fork/exec/wait across the ring boundary. A forked child
 * inherits its parent's CPL; exec of a file under /trusted/ runs at CPL 0,
 * any other file at CPL 3, in both directions.
 *
 * Usage: forkexec TRUSTED_CPL UNTRUSTED_CPL  (paths of cpl copies) */
#include "kmltest.h"

#include <stdlib.h>
#include <sys/wait.h>

/* Run PATH --exit-cpl in a child and return the CPL it reports, or -1. */
static int child_cpl(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(path, path, "--exit-cpl", (char *)NULL);
		_exit(99);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	const char *trusted = argc > 1 ? argv[1] : "/trusted/cpl";
	const char *plain = argc > 2 ? argv[2] : "/opt/cpl";
	int status, me = kt_cpl(), n = 0;
	pid_t pid;

	pid = fork();
	if (pid == 0)
		_exit(kt_cpl() + 40);
	waitpid(pid, &status, 0);
	kt_check(WIFEXITED(status) && WEXITSTATUS(status) == me + 40, "fork",
		 "parent CPL %d, forked child CPL %d", me, WEXITSTATUS(status) - 40);
	n = child_cpl(trusted);
	kt_check(n == 0, "exec-kml", "%s ran at CPL %d", trusted, n);
	n = child_cpl(plain);
	kt_check(n == 3, "exec-user", "%s ran at CPL %d", plain, n);
	/* Many round trips: fork + exec + exit + wait, alternating rings. */
	int bad = 0;
	for (int i = 0; i < 50; i++)
		bad += child_cpl(i & 1 ? plain : trusted) != (i & 1 ? 3 : 0);
	kt_check(bad == 0, "exec-loop", "50 alternating fork/exec/wait, %d wrong", bad);
	pid = fork();
	if (pid == 0)
		_exit(7);
	waitpid(pid, &status, 0);
	kt_check(WIFEXITED(status) && WEXITSTATUS(status) == 7, "exit-status", "child exit status %d",
		 WEXITSTATUS(status));
	return kt_done();
}
