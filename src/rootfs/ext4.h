/* ext4.h: pack a staged root filesystem as an ext4 disk image with e2fsprogs' mke2fs -d (no root needed). */
#ifndef LUPINE_EXT4_H
#define LUPINE_EXT4_H

#include "lib/util.h"

/* Bytes the tree at dir occupies (allocated blocks), and its number of entries. */
unsigned long long tree_size(const char *dir, unsigned long *entries);

/* Writes an ext4 image of dir to out_path (temporary name, then rename),
 * sized for the content plus room to write. Returns 0 or -1 with err set. */
int ext4_write_dir(const char *dir, const char *out_path, struct strbuf *err);

#endif
