/* probe.c: a guest test program; what it does depends on argv[1].
 *   hello       print a line, exit 0
 *   exit N      exit with status N
 *   segv        write through a null pointer
 *   show ...    print argv, the environment variable FOO and EXTRA, and the cwd
 *   kill N      die by signal N */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "hello";
	char cwd[256];

	if (!strcmp(mode, "hello")) {
		printf("probe: hello from pid %d\n", (int)getpid());
	} else if (!strcmp(mode, "exit") && argc > 2) {
		return atoi(argv[2]);
	} else if (!strcmp(mode, "segv")) {
		volatile int *p = NULL;
		*p = 1;
	} else if (!strcmp(mode, "kill") && argc > 2) {
		raise(atoi(argv[2]));
	} else if (!strcmp(mode, "show")) {
		for (int i = 0; i < argc; i++)
			printf("probe: argv[%d]=<%s>\n", i, argv[i]);
		printf("probe: FOO=<%s> EXTRA=<%s>\n", getenv("FOO") ? getenv("FOO") : "",
		       getenv("EXTRA") ? getenv("EXTRA") : "");
		printf("probe: cwd=<%s>\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	} else {
		fprintf(stderr, "probe: unknown mode '%s'\n", mode);
		return 2;
	}
	return 0;
}
