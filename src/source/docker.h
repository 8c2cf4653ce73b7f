/* docker.h (source/ internal): what a docker save archive's manifest.json
 * names for one image, before anything of the archive is read. */
#ifndef LUPINE_SOURCE_DOCKER_H
#define LUPINE_SOURCE_DOCKER_H

#include <stddef.h>

#include "lib/util.h"

struct docker_image {
	char *config;          /* the image config's path in the archive */
	struct strlist layers; /* its layer tars' paths, bottom first */
};

/* Reads manifest.json's len bytes of text (an array of {"Config", "RepoTags",
 * "Layers"}) and picks the image tagged tag ("NAME:TAG", or TAG alone; NULL:
 * the first image). Every path it returns is relative and holds no "..".
 * file names the archive in messages. 0, or -1 with err (img left empty);
 * release img with docker_image_release. */
int docker_manifest_pick(const char *text, size_t len, const char *file, const char *tag, struct docker_image *img,
			 struct strbuf *err);
void docker_image_release(struct docker_image *img);

#endif
