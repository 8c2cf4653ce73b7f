/* imagekit.h: build container images in tests: tar layers, OCI layouts, docker save archives. */
#ifndef LUPINE_IMAGEKIT_H
#define LUPINE_IMAGEKIT_H

#include <stddef.h>

#include "source/source.h"

/* One entry of a layer. type: 'f' file, 'd' dir, 'l' symlink, 'h' hard link. */
struct kit_entry {
	char type;
	const char *path;
	const char *data;   /* file contents, or the link target */
	const char *host;   /* for 'f': copy this host file instead of data */
	int mode;           /* 0: 0644 for files, 0755 for dirs */
	int owner;          /* uid and gid of the entry (0: root) */
};

/* Writes a tar layer (gzip when gz) holding entries; returns its path (caller frees). */
char *kit_layer(const char *dir, const char *name, const struct kit_entry *e, size_t n, int gz);
/* Adds a tree from the host (every file under root, paths relative to it) as a layer. */
char *kit_layer_tree(const char *dir, const char *name, const char *root);

/* An image: layers (paths to tar files, in order) and its config JSON text. */
struct kit_image {
	const char **layers;
	size_t nlayers;
	const char *config_json; /* the "config" object, e.g. {"Cmd":["/bin/x"]} */
	const char *tag;
	const char *layer_file; /* docker archives: the layers' file name (default layer.tar) */
};

/* Writes an OCI image layout in dir; returns 0. */
int kit_oci(const char *dir, const struct kit_image *img);
/* Writes a docker save archive at path; returns 0. */
int kit_docker_archive(const char *path, const struct kit_image *img);
/* Stages the image named by src ("oci:DIR", ...) into the directory root,
 * as lupine build does; 0 or -1 with err. */
struct source_info;
struct strbuf;
int kit_unpack(const char *src, const char *root, struct source_info *info, struct strbuf *err);
/* source_resolve_user on a tree; u->groups is emptied first. */
int kit_resolve_user(const char *root, const char *user, struct source_user *u, struct strbuf *err);
/* An OCI layout test_tmpdir()/NAME of one gzip layer holding e[0..n) and
 * Cmd ["/x"]; returns "oci:DIR" (caller frees). */
char *kit_one_layer_oci(const char *name, const struct kit_entry *e, size_t n);
/* sha256 of a file as "sha256:HEX" (caller frees). */
char *kit_digest(const char *path);

#endif
