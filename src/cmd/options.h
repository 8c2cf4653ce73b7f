/* options.h: option parsing the commands share, defined once: the `--`
 * split, strict numbers, -e, -m, -p and the kernel-spec group. These may
 * die() (with die_status): they are part of the commands. */
#ifndef LUPINE_CMD_OPTIONS_H
#define LUPINE_CMD_OPTIONS_H

#include <getopt.h>

#include "kernel/kspec.h"
#include "lib/util.h"
#include "vm/vmm.h"

/* The index of the first "--" in argv (or argc); what follows it goes to
 * rest when rest is not NULL. Options are parsed from argv[0..index). */
int opt_split(int argc, char **argv, struct strlist *rest);

/* A whole decimal number in [min, max], or die naming flag. */
long opt_long(const char *flag, const char *arg, long min, long max);
/* Seconds: a non-negative decimal number (fractions allowed), or die naming flag. */
double opt_seconds(const char *flag, const char *arg);
/* -m MiB: at least 16. */
int opt_memory(const char *arg);
/* -e KEY=VALUE into l, or die. */
void opt_env(const char *arg, struct strlist *l);
/* -p [IP:]HOST:GUEST appended to *ports, or die. */
void opt_port(const char *arg, struct vm_port **ports, size_t *n);
/* --cmd 'PROG ARGS': split at spaces into l; an empty command dies. */
void opt_cmd(const char *arg, struct strlist *l);
/* A comma-separated list (--apps, --baselines): each non-empty name added to l. */
void opt_list(const char *arg, struct strlist *l);

/* The kernel-spec group: --app, --config, --tiny, --kml, --general,
 * --baseline (long options with these vals), for commands that pick a kernel. */
enum { OPT_APP = 0x100, OPT_CONFIG, OPT_TINY, OPT_KML, OPT_GENERAL, OPT_BASELINE };
#define OPT_KSPEC_LONGOPTS                                                                   \
	{"app", required_argument, 0, OPT_APP}, {"config", required_argument, 0, OPT_CONFIG}, \
	{"tiny", no_argument, 0, OPT_TINY}, {"kml", no_argument, 0, OPT_KML},                \
	{"general", no_argument, 0, OPT_GENERAL}, {"baseline", required_argument, 0, OPT_BASELINE}
/* Applies option c to spec; 1 when c belongs to the group, else 0. */
int opt_kspec(int c, const char *arg, struct kspec *spec);

#endif
