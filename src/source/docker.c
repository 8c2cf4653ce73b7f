/* docker.c: the docker/podman save archive source ("docker-archive:FILE[:TAG]"): an
 * outer tar holding manifest.json, the image config and one tar per layer. */
#include "source/image.h"
#include "lib/guard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A path inside the unpacked archive, refusing anything that climbs out. */
static char *inside(const char *dir, const char *rel, struct strbuf *err)
{
	if (!rel || rel[0] == '/' || strstr(rel, "..")) {
		sb_addf(err, "docker archive names a bad path '%s'", rel ? rel : "(none)");
		return NULL;
	}
	return xasprintf("%s/%s", dir, rel);
}

/* Unpacks the outer tar into dir; it is untrusted too, so it goes through
 * the same confined writer as a layer. */
static int extract(const char *file, const char *dir, struct strbuf *err)
{
	struct layer_stats outer = {0};
	struct stage st;
	int ret;

	if (!path_exists(file)) {
		sb_addf(err, "cannot read docker archive '%s': %s", file, strerror(errno));
		return -1;
	}
	if (stage_open(&st, dir, err) < 0)
		return -1;
	ret = layer_apply(&st, file, LAYER_PLAIN, &outer, err);
	stage_close(&st);
	return ret;
}

/* The manifest.json entry for tag (or the first image when tag is NULL). */
static json_t *pick(json_t *man, const char *tag)
{
	json_t *img = NULL, *l, *t;
	size_t i, k;

	json_array_foreach(man, i, l) {
		if (!tag && !img)
			img = l;
		json_array_foreach(json_object_get(l, "RepoTags"), k, t) {
			const char *s = json_string_value(t), *c = s ? strrchr(s, ':') : NULL;
			if (tag && s && (!strcmp(s, tag) || (c && !strcmp(c + 1, tag))))
				img = l;
		}
	}
	return img;
}

/* The image config, after checking it against its name, which is its
 * digest ("HEX.json" or "blobs/sha256/HEX"). */
static json_t *load_config(const char *dir, const char *cname, struct strbuf *err)
{
	char *path = inside(dir, cname, err), *hex;
	const char *base;
	json_error_t je;
	json_t *conf = NULL;

	if (!path)
		return NULL;
	base = strrchr(cname, '/') ? strrchr(cname, '/') + 1 : cname;
	hex = xstrndup(base, strcspn(base, "."));
	if (image_check_digest(path, hex, "config", err) == 0 && !(conf = json_load_file(path, 0, &je)))
		sb_addf(err, "image config '%s' is not valid JSON: %s", cname, je.text);
	free(hex);
	free(path);
	return conf;
}

/* The layer files of img, each checked against the config's diff_ids. */
static int layer_list(const char *dir, const char *file, json_t *img, json_t *conf, struct image_layers *ls,
		      struct strbuf *err)
{
	json_t *layers = json_object_get(img, "Layers"), *l;
	json_t *diffs = json_object_get(json_object_get(conf, "rootfs"), "diff_ids");
	size_t i, n = json_array_size(layers);

	if (n != json_array_size(diffs)) {
		sb_addf(err, "docker archive '%s': %zu layers but %zu diff_ids in the config", file, n,
			json_array_size(diffs));
		return -1;
	}
	image_layers_alloc(ls, n);
	json_array_foreach(layers, i, l) {
		const char *d = json_string_value(json_array_get(diffs, i));
		if (!(ls->paths[i] = inside(dir, json_string_value(l), err)) ||
		    image_check_digest(ls->paths[i], d ? d : "", "layer", err) < 0)
			return -1;
		ls->names[i] = xstrdup(json_string_value(l));
	}
	return 0;
}

static int docker_stage(const char *ref, const struct stage *root, struct source_info *info, struct strbuf *err)
{
	char *file, *tag, *tmpl, *p = NULL;
	struct image_layers ls = {0};
	json_t *man = NULL, *conf = NULL, *img;
	json_error_t je;
	int ret = -1, made;

	image_split_ref(ref, &file, &tag);
	if (!(made = (tmpl = tmp_dir("image")) != NULL)) {
		sb_addf(err, "cannot create a temporary directory: %s", strerror(errno));
		goto out;
	}
	if (extract(file, tmpl, err) < 0)
		goto out;
	p = xasprintf("%s/manifest.json", tmpl);
	if (!(man = json_load_file(p, 0, &je)) || !json_is_array(man) || !json_array_size(man)) {
		sb_addf(err, "'%s' is not a docker save archive (no manifest.json)", file);
		goto out;
	}
	if (!(img = pick(man, tag))) {
		sb_addf(err, "docker archive '%s' has no image tagged '%s'", file, tag);
		goto out;
	}
	if (!(conf = load_config(tmpl, json_string_value(json_object_get(img, "Config")), err)))
		goto out;
	image_read_config(conf, info);
	if (layer_list(tmpl, file, img, conf, &ls, err) == 0)
		ret = image_layers_apply(&ls, root, &info->layers, err);
out:
	image_layers_release(&ls);
	json_decref(conf);
	json_decref(man);
	if (made)
		rm_rf(tmpl);
	free(tmpl);
	free(p);
	free(tag);
	free(file);
	return ret;
}

const struct source_ops source_docker = {
	.name = "docker-archive",
	.prefix = "docker-archive:",
	.stage = docker_stage,
};
