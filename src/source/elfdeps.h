/* elfdeps.h: the files a dynamically linked ELF program needs at run time:
 * its interpreter and the closure of its DT_NEEDED libraries, found the way
 * glibc's ld.so finds them (RPATH, RUNPATH, $ORIGIN, ld.so.conf, defaults). */
#ifndef LUPINE_ELFDEPS_H
#define LUPINE_ELFDEPS_H

#include "lib/util.h"

struct elfdeps {
	char **paths; /* host paths: the program, its interpreter, each library; no duplicates */
	size_t n;
	int is_static; /* the program has no interpreter */
};

/* Resolves the closure of program (a host path). sysroot is "" for the host
 * (tests may point it at a fake tree; paths are then looked up under it).
 * Returns 0, or -1 with a message in err (not ELF, wrong architecture, a
 * library that cannot be found: named with who needs it). */
int elfdeps_resolve(const char *program, const char *sysroot, struct elfdeps *deps,
		    struct strbuf *err);
void elfdeps_release(struct elfdeps *deps);

#endif
