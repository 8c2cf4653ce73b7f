/* cpio.h: pack a staged root filesystem as a gzip-compressed newc initramfs (libarchive). */
#ifndef LUPINE_CPIO_H
#define LUPINE_CPIO_H

#include "lib/util.h"

/* Packs every file under dir (not following symlinks) into out_path, with
 * the files' owners when run as root, else owned by root. Writes a
 * temporary file and renames it, so out_path is either complete or absent. Returns 0, or -1 with a message in err. */
int cpio_write_dir(const char *dir, const char *out_path, struct strbuf *err);

#endif
