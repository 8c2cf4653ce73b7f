/* boots.h: boot kernels N times each, round-robin, with the built-in hello
 * init, and keep the times of the boots that reached it. Shared by `lupine
 * bench kernels` and section 2 of `lupine bench report`. */
#ifndef LUPINE_BENCH_BOOTS_H
#define LUPINE_BENCH_BOOTS_H

#include "lib/util.h"

/* One kernel's boots. Zero-initialise, set image; release with boot_series_release. */
struct boot_series {
	const char *image;    /* the bzImage to boot (NULL: not booted, e.g. it did not build) */
	double *wall, *guest; /* host wall clock and guest CLOCK_BOOTTIME to init, seconds:
			       * reached of them, in boot order (room for n) */
	int reached, tries;   /* boots that reached init, of those tried */
};

/* What to do when a boot cannot even be started (hello_boot fails). */
enum boots_on_error {
	BOOTS_KEEP_GOING, /* count it as a try that did not reach init */
	BOOTS_STOP,	  /* stop at once: -1 with err set */
};

/* Boots every series with an image n times, round-robin, so drift in the
 * machine's load spreads over all kernels; after each round, the progress
 * line "\r<prefix>booted every kernel R/n times" on stderr (a newline when
 * done). Allocates wall and guest. 0, or -1 with err set (BOOTS_STOP; the
 * progress line is left open, so the caller's message ends it); err may be
 * NULL with BOOTS_KEEP_GOING. */
int boots_round_robin(struct boot_series *s, size_t ns, int n, const char *prefix,
		      enum boots_on_error on_error, struct strbuf *err);
void boot_series_release(struct boot_series *s);

#endif
