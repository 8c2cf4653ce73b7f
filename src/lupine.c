/* lupine.c: main() and the subcommand table (one file per subcommand in src/cmd/). */
#include "cmd/cmds.h"
#include "lib/util.h"

#include <stdio.h>
#include <string.h>

#ifndef LUPINE_VERSION
#define LUPINE_VERSION "dev"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Sorted by name. */
static const struct command commands[] = {
	{"apps", cmd_apps, "list the application recipes; build, run and check each on its own kernel"},
	{"bench", cmd_bench, "measure side by side: kernels (size, boot), apps (ready time, memory), syscalls"},
	{"build", cmd_build, "turn an application into a bundle: specialised kernel + rootfs + run config"},
	{"kernel", cmd_kernel, "build (or fetch from the cache) a kernel specialised for applications"},
	{"manifest", cmd_manifest, "derive the kernel options an application needs from what it does"},
	{"run", cmd_run, "boot a bundle in a microVM; exits with the application's status"},
	{"snapshot", cmd_snapshot, "boot a bundle until its application is ready and save the VM (run --from)"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: lupine COMMAND [ARGS]\n\nLupine makes Linux behave like a unikernel.\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'lupine COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv)
{
	const char *self = argv[0] ? strrchr(argv[0], '/') : NULL;

	/* one binary, two names: as lupine-runc it is an OCI runtime */
	if (argv[0] && !strcmp(self ? self + 1 : argv[0], "lupine-runc"))
		return cmd_runc(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("lupine %s\n", LUPINE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	die("unknown command '%s'; 'lupine --help' lists the commands", argv[1]);
}
