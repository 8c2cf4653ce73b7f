/* plot.h: charts drawn by gnuplot (Debian's gnuplot-nox) as SVG files. */
#ifndef LUPINE_PLOT_H
#define LUPINE_PLOT_H

#include "lib/util.h"

/* Runs gnuplot on script with the SVG terminal set and its output aimed at
 * a temporary name beside svg, renamed to svg when gnuplot succeeded. The
 * script runs in svg's directory and plots; data files it names must exist.
 * svg's path must be absolute, or relative to the current directory. 0, or -1 with err set
 * (gnuplot missing, or its error). */
int plot_svg(const char *svg, const char *script, struct strbuf *err);

#endif
