/* oci.c: the OCI image layout source ("oci:DIR[:TAG]"), as skopeo, umoci, buildah or
 * buildx write it: index.json, maybe a nested index, a manifest, a config, layers. */
#include "source/image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define REF_NAME "org.opencontainers.image.ref.name"

/* Path of a blob in an OCI layout, after a digest syntax check. */
static char *blob_path(const char *dir, const char *digest, struct strbuf *err)
{
	if (!digest || !str_starts(digest, "sha256:") || strlen(digest) != 71 ||
	    strspn(digest + 7, "0123456789abcdef") != 64) {
		sb_addf(err, "image names a blob with a bad digest '%s'", digest ? digest : "(none)");
		return NULL;
	}
	return xasprintf("%s/blobs/sha256/%s", dir, digest + 7);
}

/* Loads a JSON blob after checking its digest. */
static json_t *load_blob(const char *dir, const char *digest, const char *what, struct strbuf *err)
{
	char *p = blob_path(dir, digest, err);
	json_error_t je;
	json_t *j = NULL;

	if (p && image_check_digest(p, digest, what, err) == 0 && !(j = json_load_file(p, 0, &je)))
		sb_addf(err, "image %s is not valid JSON: %s", what, je.text);
	free(p);
	return j;
}

static int is_index(const char *media)
{
	return media && (strstr(media, "image.index") || strstr(media, "manifest.list"));
}

/* The manifest descriptor to use from an index: by tag, the only one, or linux/amd64. */
static json_t *pick(json_t *index, const char *tag, struct strbuf *err)
{
	json_t *ms = json_object_get(index, "manifests"), *m, *found = NULL;
	size_t i, n = json_array_size(ms);
	struct strbuf tags = {0};

	json_array_foreach(ms, i, m) {
		json_t *ann = json_object_get(m, "annotations");
		const char *name = json_string_value(json_object_get(ann, REF_NAME));
		const char *arch = json_string_value(json_object_get(json_object_get(m, "platform"), "architecture"));
		if (name)
			sb_addf(&tags, "%s%s", tags.len ? ", " : "", name);
		if (tag && name && !strcmp(name, tag))
			found = m;
		else if (!tag && (n == 1 || (arch && !strcmp(arch, "amd64"))))
			found = found ? found : m;
	}
	if (!found) {
		if (tag)
			sb_addf(err, "image has no tag '%s' (tags: %s)", tag, tags.len ? tags.buf : "none");
		else
			sb_addf(err, "image holds %zu images; name one as oci:DIR:TAG (tags: %s)", n,
				tags.len ? tags.buf : "none");
	}
	sb_release(&tags);
	return found;
}

static int oci_stage(const char *ref, const struct stage *root, struct source_info *cfg, struct strbuf *err)
{
	char *dir, *tag, *p = NULL;
	struct image_layers ls = {0};
	json_t *index = NULL, *sub = NULL, *man = NULL, *conf = NULL, *desc, *layers, *l;
	json_error_t je;
	size_t i;
	int ret = -1;

	image_split_ref(ref, &dir, &tag);
	p = xasprintf("%s/index.json", dir);
	if (!is_dir(dir) || !(index = json_load_file(p, 0, &je))) {
		sb_addf(err, "'%s' is not an OCI image layout (no readable index.json)", dir);
		goto out;
	}
	if (!(desc = pick(index, tag, err)))
		goto out;
	/* a multi-platform image: one more index level */
	while (is_index(json_string_value(json_object_get(desc, "mediaType")))) {
		json_decref(sub);
		if (!(sub = load_blob(dir, json_string_value(json_object_get(desc, "digest")), "image index", err)) ||
		    !(desc = pick(sub, NULL, err)))
			goto out;
	}
	if (!(man = load_blob(dir, json_string_value(json_object_get(desc, "digest")), "manifest", err)) ||
	    !(conf = load_blob(dir, json_string_value(json_object_get(json_object_get(man, "config"), "digest")),
			       "config", err)))
		goto out;
	image_read_config(conf, cfg);
	layers = json_object_get(man, "layers");
	image_layers_alloc(&ls, json_array_size(layers));
	json_array_foreach(layers, i, l) {
		const char *digest = json_string_value(json_object_get(l, "digest"));
		if (!(ls.paths[i] = blob_path(dir, digest, err)) ||
		    image_check_digest(ls.paths[i], digest, "layer", err) < 0)
			goto out;
		ls.names[i] = xstrndup(digest, 19);
	}
	ret = image_layers_apply(&ls, root, &cfg->layers, err);
out:
	image_layers_release(&ls);
	json_decref(conf);
	json_decref(man);
	json_decref(sub);
	json_decref(index);
	free(p);
	free(tag);
	free(dir);
	return ret;
}

const struct source_ops source_oci = {
	.name = "oci",
	.prefix = "oci:",
	.stage = oci_stage,
};
