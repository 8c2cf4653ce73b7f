/* image.c: what OCI layouts and docker archives share: references, digests, the config, layers.
 * Both are read as plain files: no daemon, no root, no loop mounts. */
#include "source/image.h"
#include "lib/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void image_split_ref(const char *ref, char **path, char **tag)
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

int image_check_digest(const char *file, const char *digest, const char *what, struct strbuf *err)
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

static void list_from(json_t *a, struct strlist *l)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
		if (json_is_string(v))
			strlist_add(l, json_string_value(v));
}

void image_read_config(json_t *conf, struct source_info *cfg)
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

void image_layers_alloc(struct image_layers *l, size_t n)
{
	l->paths = xcalloc(n ? n : 1, sizeof(char *));
	l->names = xcalloc(n ? n : 1, sizeof(char *));
	l->n = n;
}

void image_layers_release(struct image_layers *l)
{
	for (size_t i = 0; l->paths && i < l->n; i++) {
		free(l->paths[i]);
		free(l->names[i]);
	}
	free(l->paths);
	free(l->names);
	memset(l, 0, sizeof(*l));
}

int image_layers_apply(const struct image_layers *l, const struct stage *root, struct layer_stats *st,
		       struct strbuf *err)
{
	for (size_t i = 0; i < l->n; i++) {
		note("  layer %zu/%zu %s", i + 1, l->n, l->names[i]);
		if (layer_apply(root, l->paths[i], 0, st, err) < 0)
			return -1;
	}
	return 0;
}
