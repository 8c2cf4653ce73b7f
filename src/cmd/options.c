/* options.c: option parsing the commands share, defined once. */
#include "cmd/options.h"
#include "kernel/kbaseline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int opt_split(int argc, char **argv, struct strlist *rest)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--"))
			continue;
		for (int k = i + 1; rest && k < argc; k++)
			strlist_add(rest, argv[k]);
		return i;
	}
	return argc;
}

long opt_long(const char *flag, const char *arg, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (!*arg || *end || errno || v < min || v > max)
		die("%s '%s': expected a whole number from %ld to %ld", flag, arg, min, max);
	return v;
}

double opt_seconds(const char *flag, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (!*arg || *end || errno || !(v >= 0) || v > 1e7)
		die("%s '%s': expected a number of seconds, e.g. 30 or 0.5", flag, arg);
	return v;
}

int opt_memory(const char *arg)
{
	return (int)opt_long("-m", arg, 16, 1 << 20);
}

void opt_env(const char *arg, struct strlist *l)
{
	if (!strchr(arg, '=') || arg[0] == '=')
		die("-e '%s': expected KEY=VALUE", arg);
	strlist_add(l, arg);
}

void opt_port(const char *arg, struct vm_port **ports, size_t *n)
{
	struct strbuf err = {0};

	*ports = xrealloc(*ports, (*n + 1) * sizeof(**ports));
	if (vm_port_parse(arg, &(*ports)[*n], &err) < 0)
		die("%s", err.buf);
	(*n)++;
}

void opt_cmd(const char *arg, struct strlist *l)
{
	char *copy = xstrdup(arg), *save = NULL;

	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		strlist_add(l, w);
	free(copy);
	if (!l->n)
		die("--cmd '%s': the command is empty", arg);
}

int opt_kspec(int c, const char *arg, struct kspec *spec)
{
	switch (c) {
	case OPT_APP: kspec_add_app(spec, arg); return 1;
	case OPT_CONFIG: kspec_add_file(spec, arg); return 1;
	case OPT_TINY: spec->tiny = 1; return 1;
	case OPT_KML: spec->kml = 1; return 1;
	case OPT_GENERAL: spec->general = 1; return 1;
	case OPT_BASELINE:
		if (!kbaseline_known(arg))
			die("unknown baseline '%s'; the baselines are %s", arg, kbaseline_names());
		spec->baseline = arg;
		return 1;
	default: return 0;
	}
}

void opt_list(const char *arg, struct strlist *l)
{
	char *copy = xstrdup(arg), *save = NULL;

	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		strlist_add(l, w);
	free(copy);
}
