/* image.h (source/ internal): what OCI layouts and docker archives share:
 * references, digests, the image config, applying the layers. */
#ifndef LUPINE_SOURCE_IMAGE_H
#define LUPINE_SOURCE_IMAGE_H

#include <jansson.h>

#include "source/source.h"

/* Splits "PATH[:TAG]": a tag has no '/', and PATH itself must exist. */
void image_split_ref(const char *ref, char **path, char **tag);
/* Checks that file's SHA-256 is the digest ("sha256:HEX" or bare HEX). 0 or -1 with err. */
int image_check_digest(const char *file, const char *digest, const char *what, struct strbuf *err);
/* The run-related fields of an image config JSON into info. */
void image_read_config(json_t *conf, struct source_info *info);

/* Layer files, in order, with a short name each for progress lines. */
struct image_layers {
	char **paths, **names;
	size_t n;
};
void image_layers_alloc(struct image_layers *l, size_t n);
void image_layers_release(struct image_layers *l);
/* Applies every layer onto root in order. 0 or -1 with err. */
int image_layers_apply(const struct image_layers *l, const struct stage *root, struct layer_stats *st,
		       struct strbuf *err);

#endif
