/* layer.h: apply an image layer (a tar, maybe compressed) onto a root tree with OCI semantics. */
#ifndef LUPINE_LAYER_H
#define LUPINE_LAYER_H

#include "lib/util.h"
#include "stage/stage.h"

struct layer_stats {
	long files, dirs, symlinks, hardlinks, whiteouts, skipped;
};

/* Applies the layer at path onto root: whiteouts (.wh.NAME) delete from
 * lower layers, opaque markers (.wh..wh..opq) hide a directory's lower
 * content, files/dirs/symlinks/hard links are created, device nodes,
 * FIFOs and sockets are skipped (counted). Layers are untrusted: an entry
 * with an absolute path or "..", one written through a symlink that leads
 * out of root, or a hard link to outside root refuses the whole layer
 * with a message naming the entry. Returns 0 or -1 with err set. */
int layer_apply(const struct stage *root, const char *path, int flags, struct layer_stats *st, struct strbuf *err);
/* flags: a plain archive (docker save's outer tar), not a layer: no whiteouts. */
#define LAYER_PLAIN 1

#endif
