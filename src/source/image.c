/* image.c: container images as sources: OCI image layouts and docker/podman save archives.
 * Both are read as plain files: no daemon, no root, no loop mounts. */
#include "source/image.h"
#include "lib/hash.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REF_NAME "org.opencontainers.image.ref.name"

int image_is_source(const char *s)
{
	return str_starts(s, "oci:") || str_starts(s, "docker-archive:");
}

void image_config_release(struct image_config *cfg)
{
	strlist_release(&cfg->entrypoint);
	strlist_release(&cfg->cmd);
	strlist_release(&cfg->env);
	strlist_release(&cfg->exposed);
	free(cfg->workdir);
	free(cfg->user);
	memset(cfg, 0, sizeof(*cfg));
}

/* Splits "PATH[:TAG]": a tag has no '/', and PATH itself must exist. */
static void split_ref(const char *ref, char **path, char **tag)
{
	const char *colon = strrchr(ref, ':');
	*tag = NULL;
	if (colon && !strchr(colon, '/') && !path_exists(ref)) {
		*path = xstrndup(ref, (size_t)(colon - ref));
		*tag = xstrdup(colon + 1);
	} else {
		*path = xstrdup(ref);
	}
}

/* Checks that file's SHA-256 is the digest ("sha256:HEX" or bare HEX). */
static int check_digest(const char *file, const char *digest, const char *what, struct strbuf *err)
{
	struct hash h;
	char hex[65];
	const char *want = str_starts(digest, "sha256:") ? digest + 7 : digest;

	hash_init(&h);
	if (hash_add_file(&h, file) < 0) {
		hash_final_hex(&h, hex);
		sb_addf(err, "image is missing %s '%s' (%s)", what, digest, strerror(errno));
		return -1;
	}
	hash_final_hex(&h, hex);
	if (strcmp(hex, want)) {
		sb_addf(err, "digest mismatch for %s: the manifest says %s, the blob is sha256:%s", what, digest, hex);
		return -1;
	}
	return 0;
}

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

	if (p && check_digest(p, digest, what, err) == 0 && !(j = json_load_file(p, 0, &je)))
		sb_addf(err, "image %s is not valid JSON: %s", what, je.text);
	free(p);
	return j;
}

static void list_from(json_t *a, struct strlist *l)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
		if (json_is_string(v))
			strlist_add(l, json_string_value(v));
}

static void read_config(json_t *conf, struct image_config *cfg)
{
	json_t *c = json_object_get(conf, "config");
	const char *k;
	json_t *v;

	if (!json_is_object(c))
		return;
	list_from(json_object_get(c, "Entrypoint"), &cfg->entrypoint);
	list_from(json_object_get(c, "Cmd"), &cfg->cmd);
	list_from(json_object_get(c, "Env"), &cfg->env);
	json_object_foreach(json_object_get(c, "ExposedPorts"), k, v)
		strlist_add(&cfg->exposed, k);
	if (json_is_string(json_object_get(c, "WorkingDir")) && *json_string_value(json_object_get(c, "WorkingDir")))
		cfg->workdir = xstrdup(json_string_value(json_object_get(c, "WorkingDir")));
	if (json_is_string(json_object_get(c, "User")) && *json_string_value(json_object_get(c, "User")))
		cfg->user = xstrdup(json_string_value(json_object_get(c, "User")));
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

static void free_layer_list(char **paths, char **names, size_t n)
{
	for (size_t i = 0; paths && i < n; i++) {
		free(paths[i]);
		free(names[i]);
	}
	free(paths);
	free(names);
}

static int apply_layers(const char *root, char **paths, char **names, size_t n, struct layer_stats *st,
			struct strbuf *err)
{
	for (size_t i = 0; i < n; i++) {
		note("  layer %zu/%zu %s", i + 1, n, names[i]);
		if (layer_apply(root, paths[i], st, err) < 0)
			return -1;
	}
	return 0;
}

static int unpack_oci(const char *ref, const char *root, struct image_config *cfg, struct layer_stats *st,
		      struct strbuf *err)
{
	char *dir, *tag, *p = NULL, **paths = NULL, **names = NULL;
	json_t *index = NULL, *sub = NULL, *man = NULL, *conf = NULL, *desc, *layers, *l;
	json_error_t je;
	size_t i, n = 0;
	int ret = -1;

	split_ref(ref, &dir, &tag);
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
	read_config(conf, cfg);
	layers = json_object_get(man, "layers");
	n = json_array_size(layers);
	paths = xcalloc(n, sizeof(char *));
	names = xcalloc(n, sizeof(char *));
	json_array_foreach(layers, i, l) {
		const char *digest = json_string_value(json_object_get(l, "digest"));
		if (!(paths[i] = blob_path(dir, digest, err)) || check_digest(paths[i], digest, "layer", err) < 0)
			goto out;
		names[i] = xstrndup(digest, 19);
	}
	ret = apply_layers(root, paths, names, n, st, err);
out:
	free_layer_list(paths, names, n);
	json_decref(conf);
	json_decref(man);
	json_decref(sub);
	json_decref(index);
	free(p);
	free(tag);
	free(dir);
	return ret;
}

/* A path inside the unpacked archive, refusing anything that climbs out. */
static char *inside(const char *dir, const char *rel, struct strbuf *err)
{
	if (!rel || rel[0] == '/' || strstr(rel, "..")) {
		sb_addf(err, "docker archive names a bad path '%s'", rel ? rel : "(none)");
		return NULL;
	}
	return xasprintf("%s/%s", dir, rel);
}

static int unpack_docker(const char *ref, const char *root, struct image_config *cfg, struct layer_stats *st,
			 struct strbuf *err)
{
	char *file, *tag, tmpl[] = "/tmp/lupine-image-XXXXXX", *p = NULL, *confp = NULL;
	char **paths = NULL, **names = NULL;
	json_t *man = NULL, *conf = NULL, *img = NULL, *layers, *diffs, *l;
	json_error_t je;
	struct layer_stats outer = {0};
	size_t i, n = 0;
	int ret = -1;

	split_ref(ref, &file, &tag);
	if (!mkdtemp(tmpl)) {
		sb_addf(err, "cannot create a temporary directory: %s", strerror(errno));
		goto out;
	}
	if (!path_exists(file)) {
		sb_addf(err, "cannot read docker archive '%s': %s", file, strerror(errno));
		goto out;
	}
	/* the archive is untrusted too: unpack it with the same checks as a layer */
	if (layer_apply(tmpl, file, &outer, err) < 0)
		goto out;
	p = xasprintf("%s/manifest.json", tmpl);
	if (!(man = json_load_file(p, 0, &je)) || !json_is_array(man) || !json_array_size(man)) {
		sb_addf(err, "'%s' is not a docker save archive (no manifest.json)", file);
		goto out;
	}
	json_array_foreach(man, i, l) {
		json_t *tags = json_object_get(l, "RepoTags"), *t;
		size_t k;
		if (!tag && !img)
			img = l;
		json_array_foreach(tags, k, t) {
			const char *s = json_string_value(t), *c = s ? strrchr(s, ':') : NULL;
			if (tag && s && (!strcmp(s, tag) || (c && !strcmp(c + 1, tag))))
				img = l;
		}
	}
	if (!img) {
		sb_addf(err, "docker archive '%s' has no image tagged '%s'", file, tag);
		goto out;
	}
	const char *cname = json_string_value(json_object_get(img, "Config"));
	if (!(confp = inside(tmpl, cname, err)))
		goto out;
	/* the config's name is its digest: "HEX.json" or "blobs/sha256/HEX" */
	const char *base = strrchr(cname, '/') ? strrchr(cname, '/') + 1 : cname;
	char *hex = xstrndup(base, strcspn(base, "."));
	int bad = check_digest(confp, hex, "config", err);
	free(hex);
	if (bad < 0 || !(conf = json_load_file(confp, 0, &je))) {
		if (!err->len)
			sb_addf(err, "image config '%s' is not valid JSON: %s", cname, je.text);
		goto out;
	}
	read_config(conf, cfg);
	layers = json_object_get(img, "Layers");
	diffs = json_object_get(json_object_get(conf, "rootfs"), "diff_ids");
	n = json_array_size(layers);
	if (n != json_array_size(diffs)) {
		sb_addf(err, "docker archive '%s': %zu layers but %zu diff_ids in the config", file, n,
			json_array_size(diffs));
		goto out;
	}
	paths = xcalloc(n, sizeof(char *));
	names = xcalloc(n, sizeof(char *));
	json_array_foreach(layers, i, l) {
		const char *d = json_string_value(json_array_get(diffs, i));
		if (!(paths[i] = inside(tmpl, json_string_value(l), err)) ||
		    check_digest(paths[i], d ? d : "", "layer", err) < 0)
			goto out;
		names[i] = xstrdup(json_string_value(l));
	}
	ret = apply_layers(root, paths, names, n, st, err);
out:
	free_layer_list(paths, names, n);
	json_decref(conf);
	json_decref(man);
	rm_rf(tmpl);
	free(confp);
	free(p);
	free(tag);
	free(file);
	return ret;
}

int image_unpack(const char *source, const char *root, struct image_config *cfg, struct layer_stats *st,
		 struct strbuf *err)
{
	memset(cfg, 0, sizeof(*cfg));
	if (str_starts(source, "oci:"))
		return unpack_oci(source + 4, root, cfg, st, err);
	if (str_starts(source, "docker-archive:"))
		return unpack_docker(source + 15, root, cfg, st, err);
	sb_addf(err, "'%s' is not an image source (oci:DIR[:TAG] or docker-archive:FILE)", source);
	return -1;
}

/* Fields 3 and 4 (id, gid) of the line of an /etc/passwd-like file whose
 * field `key` (0: name, 2: number) is name. */
static int lookup_id(const char *root, const char *file, int key, const char *name, int *id, int *gid)
{
	char *path = xasprintf("%s%s", root, file), *text = file_read(path, NULL), *line, *next;
	int found = -1;

	free(path);
	for (line = text; line && found < 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *f[4] = {0}, *save = NULL;
		int k = 0;
		for (char *t = strtok_r(line, ":", &save); t && k < 4; t = strtok_r(NULL, ":", &save))
			f[k++] = t;
		if (k >= 3 && !strcmp(f[key], name)) {
			*id = atoi(f[2]);
			if (gid && k >= 4)
				*gid = atoi(f[3]);
			found = 0;
		}
	}
	free(text);
	return found;
}

int image_resolve_user(const char *root, const char *user, int *uid, int *gid, struct strbuf *err)
{
	char *u = xstrdup(user), *g = strchr(u, ':');
	int ret = -1;

	if (g)
		*g++ = 0;
	*gid = 0;
	if (strspn(u, "0123456789") == strlen(u) && *u) {
		lookup_id(root, "/etc/passwd", 2, u, uid, gid); /* the user's group, if listed */
		*uid = atoi(u);
	} else if (lookup_id(root, "/etc/passwd", 0, u, uid, gid) < 0) {
		sb_addf(err, "image user '%s' is not in the image's /etc/passwd", u);
		goto out;
	}
	if (g && strspn(g, "0123456789") == strlen(g) && *g)
		*gid = atoi(g);
	else if (g && lookup_id(root, "/etc/group", 0, g, gid, NULL) < 0) {
		sb_addf(err, "image group '%s' is not in the image's /etc/group", g);
		goto out;
	}
	ret = 0;
out:
	free(u);
	return ret;
}
