/* runfile.h: the run configuration the guest init reads from /lupine/run,
 * and the small initramfs that carries it (with the init) into each run. */
#ifndef LUPINE_RUNFILE_H
#define LUPINE_RUNFILE_H

#include "bundle/bundle.h"

struct runfile {
	const struct strlist *argv, *env;
	const char *cwd, *hostname;
	int uid, gid;
	const char *ip, *gw, *dns;      /* NULL: no network set-up */
	const char *root_dev, *root_fs; /* NULL: run from the initramfs */
	int root_ro;
};

/* The text of /lupine/run: "KEY VALUE" lines, with \n \t \\ escaped. Caller frees. */
char *runfile_render(const struct runfile *r);

/* Writes out_path: a copy of base (a gzip cpio, may be NULL) followed by a
 * gzip cpio holding /init (Lupine's guest init) and /lupine/run; the kernel
 * unpacks concatenated archives in order. Returns 0 or -1 with err set. */
int runfile_initramfs(const struct runfile *r, const char *base, const char *out_path, struct strbuf *err);

#endif
