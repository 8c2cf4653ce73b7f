/* runtime.c: lupine-runc's verbs on a recorded container: start, kill,
 * delete, state, ps, features (create is in create.c). */
#include "oci/runtime.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

int oci_signal_parse(const char *arg)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = {{"TERM", SIGTERM}, {"KILL", SIGKILL}, {"INT", SIGINT},   {"HUP", SIGHUP},
		     {"QUIT", SIGQUIT}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"WINCH", SIGWINCH}};
	char *end;
	long n = strtol(arg, &end, 10);

	if (*arg && !*end && n > 0 && n < 65)
		return (int)n;
	if (str_starts(arg, "SIG"))
		arg += 3;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(arg, names[i].name))
			return names[i].sig;
	return -1;
}
