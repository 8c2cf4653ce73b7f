/* features.h: the recorded-features file, what `lupine run --record-features
 * FILE` writes and `lupine manifest` reads: one line per note the kernel
 * made, "used KIND NAME PID COMM" for a first use, "missing KIND NAME PID
 * COMM" for a feature reached for and left out (the note as the init sent
 * it, guest/protocol.h; knotes.h says what it means). */
#ifndef LUPINE_FEATURES_H
#define LUPINE_FEATURES_H

#include "lib/util.h"

/* Writes used's notes, then missing's, to path atomically (mode 0644).
 * Returns 0, or -1 with errno set. */
int features_write(const char *path, const struct strlist *used, const struct strlist *missing);

/* Appends the notes of path's "used " lines to used and of its "missing "
 * lines to missing, in order, without the prefix; other lines are skipped.
 * Returns 0, or -1 with errno set (and nothing appended) when path cannot
 * be read. */
int features_read(const char *path, struct strlist *used, struct strlist *missing);

#endif
