/* compare.h: a derived manifest against the hand-written one (apps test --auto). */
#ifndef LUPINE_APPS_COMPARE_H
#define LUPINE_APPS_COMPARE_H

#include "lib/util.h"

/* The options the bundle's manifest.config sets to y that configs/apps/NAME.config
 * does not (added) and the other way round (removed), without CONFIG_;
 * *hand and *derived count each side's. */
void compare_manifests(const char *name, const char *bundle, struct strlist *added, struct strlist *removed,
		       size_t *hand, size_t *derived);

#endif
