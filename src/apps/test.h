/* test.h: `lupine apps test`: each application built from its recipe on the
 * kernel asked for, run, and checked by its real client; one row each. */
#ifndef LUPINE_APPS_TEST_H
#define LUPINE_APPS_TEST_H

#include "apps/build.h"

struct apps_row {
	const char *name;
	unsigned long long kernel, rootfs; /* bytes */
	double build, ready;               /* seconds; -1: did not */
	int min_mem, ok;                   /* min_mem: smallest MiB (with min_memory), else 0 */
	char why[240];                     /* a failure's reason */
	struct strlist added, removed;     /* APPS_AUTO: derived vs hand-written options */
	size_t hand, derived;              /* APPS_AUTO: how many each has */
};

/* Builds app w->name into DIR/NAME.lupine on kernel k (logs beside it), runs
 * it until its client check passes and, with min_memory, bisects its
 * smallest memory; fills w (progress on stderr). */
void apps_test_one(struct apps_row *w, const char *dir, enum apps_kernel k, int min_memory);
/* The rows as `apps test` prints them (and, for APPS_AUTO, the comparison
 * with the hand-written manifests), with the closing count line, into out. */
void apps_test_table(const struct apps_row *rows, size_t n, enum apps_kernel k, struct strbuf *out);
void apps_row_release(struct apps_row *w);

#endif
