/* plot.c: charts drawn by gnuplot (Debian's gnuplot-nox) as SVG files.
 * gnuplot, not an SVG writer of our own: axes, ticks and legends are its job. */
#include "bench/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* s inside a gnuplot single-quoted string: a quote doubled, nothing else special. */
static char *gp_quoted(const char *s)
{
	struct strbuf sb = {0};

	for (; *s; s++) {
		sb_add(&sb, s, 1);
		if (*s == '\'')
			sb_add(&sb, s, 1);
	}
	return sb_detach(&sb);
}

int plot_svg(const char *svg, const char *script, struct strbuf *err)
{
	char *tmp = xasprintf("%s.tmp", svg), *gp = xasprintf("%s.gp", svg), *log = xasprintf("%s.log", svg);
	char *dir = xstrdup(svg), *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	/* from the plot's directory, so the script names its data files as the
	 * files beside it, and still works when run by hand there */
	char *qtmp = gp_quoted(tmp), *qdir = gp_quoted(slash ? dir : ".");
	char *head = xasprintf("set terminal svg size 800,480 dynamic font 'sans,12'; set output '%s'; cd '%s'", qtmp,
			       qdir);
	/* gnuplot has no "--" and takes a file named "-x" for an unknown option */
	char *gparg = svg[0] == '-' ? xasprintf("./%s", gp) : xstrdup(gp);
	char *argv[] = {"gnuplot", "-e", head, gparg, NULL};
	int fd = -1, st = -1;

	if (file_write_atomic(gp, script, strlen(script), 0644) < 0 ||
	    (fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		sb_addf(err, "cannot write '%s': %s", gp, strerror(errno));
		goto out;
	}
	st = run_cmd(argv, fd);
	if (st != 0) {
		char *why = file_tail(log, 300);
		sb_addf(err, st < 0 ? "cannot run gnuplot (scripts/setup.sh installs gnuplot-nox)"
				    : "gnuplot failed on '%s': %s", gp, why);
		free(why);
	} else if (rename(tmp, svg) < 0) {
		sb_addf(err, "cannot rename '%s' to '%s': %s", tmp, svg, strerror(errno));
		st = -1;
	}
out:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	unlink(log);
	free(head);
	free(gparg);
	free(qdir);
	free(qtmp);
	free(dir);
	free(log);
	free(gp);
	free(tmp);
	return st == 0 ? 0 : -1;
}
