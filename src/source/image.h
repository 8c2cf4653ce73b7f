/* image.h: container images as sources: OCI image layouts and docker/podman save archives. */
#ifndef LUPINE_IMAGE_H
#define LUPINE_IMAGE_H

#include "bundle/bundle.h"
#include "source/layer.h"

/* What the image's config says about running it. */
struct image_config {
	struct strlist entrypoint, cmd, env, exposed;
	char *workdir, *user;
};

/* Whether source names an image ("oci:..." or "docker-archive:..."). */
int image_is_source(const char *source);

/* Unpacks the image named by source ("oci:DIR[:TAG]" or
 * "docker-archive:FILE[:TAG]") into root (an empty directory), checking
 * every blob's digest, and fills cfg. Returns 0 or -1 with err set. */
int image_unpack(const char *source, const char *root, struct image_config *cfg, struct layer_stats *st,
		 struct strbuf *err);
void image_config_release(struct image_config *cfg);

/* Resolves an image's User ("name", "uid", "name:group", "uid:gid") with
 * the tree's /etc/passwd and /etc/group. Returns 0 or -1 with err set. */
int image_resolve_user(const char *root, const char *user, int *uid, int *gid, struct strbuf *err);

#endif
