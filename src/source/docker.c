/* docker.c: the docker/podman save archive source ("docker-archive:FILE[:TAG]"): an
 * outer tar holding manifest.json, the image config and one tar per layer. */
#include "source/docker.h"
#include "source/image.h"
#include "lib/guard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Whether rel is a path inside the archive: relative, never climbing out. */
static int inside(const char *rel, struct strbuf *err)
{
	if (!rel || rel[0] == '/' || strstr(rel, "..")) {
		sb_addf(err, "docker archive names a bad path '%s'", rel ? rel : "(none)");
		return 0;
	}
	return 1;
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

int docker_manifest_pick(const char *text, size_t len, const char *file, const char *tag, struct docker_image *img,
			 struct strbuf *err)
{
	json_t *man = json_loadb(text, len, 0, NULL), *sel, *l;
	const char *config;
	size_t i;
	int ret = -1;

	memset(img, 0, sizeof(*img));
	if (!json_is_array(man) || !json_array_size(man)) {
		sb_addf(err, "'%s' is not a docker save archive (no manifest.json)", file);
		goto out;
	}
	if (!(sel = pick(man, tag))) {
		sb_addf(err, "docker archive '%s' has no image tagged '%s'", file, tag);
		goto out;
	}
	if (!inside((config = json_string_value(json_object_get(sel, "Config"))), err))
		goto out;
	img->config = xstrdup(config);
	json_array_foreach(json_object_get(sel, "Layers"), i, l) {
		if (!inside(json_string_value(l), err))
			goto out;
		strlist_add(&img->layers, json_string_value(l));
	}
	ret = 0;
out:
	if (ret < 0)
		docker_image_release(img);
	json_decref(man);
	return ret;
}

void docker_image_release(struct docker_image *img)
{
	free(img->config);
	strlist_release(&img->layers);
	memset(img, 0, sizeof(*img));
}

/* The image config, after checking it against its name, which is its
 * digest ("HEX.json" or "blobs/sha256/HEX"). */
static json_t *load_config(const char *dir, const char *cname, struct strbuf *err)
{
	char *path = xasprintf("%s/%s", dir, cname), *hex;
	const char *base = strrchr(cname, '/') ? strrchr(cname, '/') + 1 : cname;
	json_error_t je;
	json_t *conf = NULL;

	hex = xstrndup(base, strcspn(base, "."));
	if (image_check_digest(path, hex, "config", err) == 0 && !(conf = json_load_file(path, 0, &je)))
		sb_addf(err, "image config '%s' is not valid JSON: %s", cname, je.text);
	free(hex);
	free(path);
	return conf;
}

/* The layer files of img, each checked against the config's diff_ids. */
static int layer_list(const char *dir, const char *file, const struct docker_image *img, json_t *conf,
		      struct image_layers *ls, struct strbuf *err)
{
	json_t *diffs = json_object_get(json_object_get(conf, "rootfs"), "diff_ids");
	size_t n = img->layers.n;

	if (n != json_array_size(diffs)) {
		sb_addf(err, "docker archive '%s': %zu layers but %zu diff_ids in the config", file, n,
			json_array_size(diffs));
		return -1;
	}
	image_layers_alloc(ls, n);
	for (size_t i = 0; i < n; i++) {
		const char *d = json_string_value(json_array_get(diffs, i));
		ls->paths[i] = xasprintf("%s/%s", dir, img->layers.v[i]);
		if (image_check_digest(ls->paths[i], d ? d : "", "layer", err) < 0)
			return -1;
		ls->names[i] = xstrdup(img->layers.v[i]);
	}
	return 0;
}

static int docker_stage(const char *ref, const struct stage *root, struct source_info *info, struct strbuf *err)
{
	char *file, *tag, *tmpl, *p = NULL, *text = NULL;
	struct image_layers ls = {0};
	struct docker_image img = {0};
	json_t *conf = NULL;
	size_t len = 0;
	int ret = -1, made;

	image_split_ref(ref, &file, &tag);
	if (!(made = (tmpl = tmp_dir("image")) != NULL)) {
		sb_addf(err, "cannot create a temporary directory: %s", strerror(errno));
		goto out;
	}
	if (extract(file, tmpl, err) < 0)
		goto out;
	p = xasprintf("%s/manifest.json", tmpl);
	text = file_read(p, &len);
	if (docker_manifest_pick(text ? text : "", len, file, tag, &img, err) < 0 ||
	    !(conf = load_config(tmpl, img.config, err)))
		goto out;
	image_read_config(conf, info);
	if (layer_list(tmpl, file, &img, conf, &ls, err) == 0)
		ret = image_layers_apply(&ls, root, &info->layers, err);
out:
	image_layers_release(&ls);
	docker_image_release(&img);
	json_decref(conf);
	if (made)
		rm_rf(tmpl);
	free(tmpl);
	free(text);
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
