/* sandbox.c: the pod sandbox's native holder (sandbox.h). */
#include "oci/sandbox.h"

#include <signal.h>
#include <string.h>

int oci_sandbox_is(json_t *annotations)
{
	const char *t = json_string_value(json_object_get(annotations, OCI_SANDBOX_ANNOTATION));
	return t && !strcmp(t, "sandbox");
}

int oci_sandbox_hold(void)
{
	sigset_t wait;
	int sig;

	/* only these two are waited for; every other signal keeps the
	 * disposition create left (SIGKILL, SIGHUP and the like end us) */
	sigemptyset(&wait);
	sigaddset(&wait, SIGTERM);
	sigaddset(&wait, SIGINT);
	sigprocmask(SIG_SETMASK, &wait, NULL);
	do
		sig = sigwaitinfo(&wait, NULL);
	while (sig < 0);
	return 0;
}
