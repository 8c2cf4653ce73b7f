/* runall.c: run every KML test from one directory in turn and summarise.
 *
 * Usage: runall DIR  (e.g. /trusted or /opt). Exit status: number of tests
 * that failed (0: all passed). */
#include "kmltest.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static int run(const char *dir, const char *name, const char *a1, const char *a2)
{
	char path[256];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	printf("== %s\n", path);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(path, path, a1, a2, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	printf("FAIL %s: status %s %d\n", path, WIFEXITED(status) ? "exit" : "signal",
	       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return 1;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/trusted";
	const char *rounds = argc > 2 ? argv[2] : "20000000";
	const char *only = argc > 3 ? argv[3] : NULL;
	static const char *tests[] = { "cpl", "stack", "segv", "alarm", "kill9", "threads", "redzone",
				       "forkexec", "latency" };
	int failed = 0;

	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (only && !strstr(only, tests[i]))
			continue;
		if (!strcmp(tests[i], "redzone"))
			failed += run(dir, tests[i], rounds, NULL);
		else if (!strcmp(tests[i], "forkexec"))
			failed += run(dir, tests[i], "/trusted/cpl", "/opt/cpl");
		else if (!strcmp(tests[i], "latency"))
			failed += run(dir, tests[i], "100000", NULL);
		else
			failed += run(dir, tests[i], NULL, NULL);
	}
	printf("runall %s: %d failed\n", dir, failed);
	return failed;
}
