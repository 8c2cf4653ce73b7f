/* runinit.h: the small initramfs each run boots with: Lupine's guest init
 * as /init and the run configuration as /lupine/run. */
#ifndef LUPINE_RUNINIT_H
#define LUPINE_RUNINIT_H

#include "bundle/runconfig.h"

/* Writes out_path: a copy of base (a gzip cpio, may be NULL) followed by a
 * gzip cpio holding /init and /lupine/run rendered from rc; the kernel
 * unpacks concatenated archives in order. Returns 0 or -1 with err set. */
int runinit_write(const struct run_config *rc, const char *base, const char *out_path, struct strbuf *err);

#endif
