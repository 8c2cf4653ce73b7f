/* fuzz_runfile.c: the guest init's run file parser (guest/init/runfile.c, run_read),
 * built for the host with stubs of what the rest of the init gives it. What it
 * accepts must be a run the init can start: an argv, KEY=VALUE environment
 * entries, ids it can set, groups it can hold, routes it can add, an MTU a
 * NIC takes. */
#include "init.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct run run;
char errmsg[512];
int ports;

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
}

void ctl(const char *fmt, ...)
{
	(void)fmt;
}

static int id_ok(long id)
{
	return id >= -1 && id <= 0xfffffffeL;
}

static int startable(void)
{
	if (run.argc < 1 || run.argc > LIST_MAX || run.argv[run.argc] || run.envc < 0 || run.envc > LIST_MAX)
		return 0;
	for (int i = 0; i < run.envc; i++)
		if (!strchr(run.envp[i], '='))
			return 0;
	if (!id_ok(run.uid) || !id_ok(run.gid) || run.ngroups < 0 || run.ngroups > GROUPS_MAX)
		return 0;
	for (int i = 0; i < run.ngroups; i++)
		if (run.groups[i] == (gid_t)-1)
			return 0;
	if (run.nroutes < 0 || run.nroutes > ROUTES_MAX || (run.mtu && (run.mtu < 68 || run.mtu > 65535)))
		return 0;
	for (int i = 0; i < run.nroutes; i++)
		if (run.routes[i].dst.s_addr & ~run.routes[i].mask.s_addr)
			return 0; /* the kernel refuses a destination with host bits */
	return !run.root_dev || (run.root_fs && (run.root_ro == 0 || run.root_ro == 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("run", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	memset(&run, 0, sizeof(run));
	run.uid = run.gid = -1; /* as init.c starts it */
	if (run_read(fd) == 0 && !startable())
		abort();
	return 0;
}
