/* bundle.c: a bundle directory (kernel, rootfs, lupine.json run config): write it atomically, read it back. */
#include "bundle/bundle.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void env_set(struct strlist *l, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; i < l->n; i++) {
		if (!strncmp(l->v[i], kv, klen) && l->v[i][klen] == '=') {
			free(l->v[i]);
			l->v[i] = xstrdup(kv);
			return;
		}
	}
	strlist_add(l, kv);
}

static json_t *list_json(const struct strlist *l)
{
	json_t *a = json_array();
	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static int list_read(json_t *a, struct strlist *l)
{
	size_t i;
	json_t *v;
	if (!a)
		return 0;
	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return -1;
		strlist_add(l, json_string_value(v));
	}
	return 0;
}

int bundle_write_json(const char *dir, const struct bundle *b, struct strbuf *err)
{
	json_t *j = json_object();
	char *path = xasprintf("%s/%s", dir, BUNDLE_JSON), *text;
	int ret;

	json_object_set_new(j, "lupine_bundle", json_integer(1));
	json_object_set_new(j, "kernel", json_pack("{s:s, s:s, s:s, s:o}", "file", b->kernel, "config_hash",
						   b->config_hash, "label", b->kernel_label, "manifests",
						   list_json(&b->manifests)));
	json_object_set_new(j, "rootfs", json_pack("{s:s, s:s}", "file", b->rootfs, "format", b->rootfs_format));
	json_object_set_new(j, "argv", list_json(&b->argv));
	json_object_set_new(j, "env", list_json(&b->env));
	json_object_set_new(j, "workdir", json_string(b->workdir ? b->workdir : "/"));
	json_object_set_new(j, "uid", json_integer(b->uid));
	json_object_set_new(j, "gid", json_integer(b->gid));
	json_object_set_new(j, "memory_mib", json_integer(b->memory_mib));
	json_object_set_new(j, "net", json_boolean(b->net));
	json_object_set_new(j, "kml", json_boolean(b->kml));
	json_object_set_new(j, "cmdline", json_string(b->cmdline ? b->cmdline : ""));
	json_object_set_new(j, "exposed_ports", list_json(&b->exposed));
	text = json_dumps(j, JSON_INDENT(2));
	ret = file_write_atomic(path, text, strlen(text), 0644);
	if (ret < 0)
		sb_addf(err, "cannot write '%s': %s", path, strerror(errno));
	free(text);
	free(path);
	json_decref(j);
	return ret;
}

static char *dup_or(const char *s, const char *fallback)
{
	return xstrdup(s ? s : fallback);
}

int bundle_load(const char *dir, struct bundle *b, struct strbuf *err)
{
	char *path = xasprintf("%s/%s", dir, BUNDLE_JSON);
	json_error_t je;
	json_t *j = NULL;
	const char *kfile = NULL, *hash = NULL, *label = NULL, *rfile = NULL, *rformat = NULL;
	const char *workdir = NULL, *cmdline = NULL;
	json_t *manifests = NULL, *argv = NULL, *env = NULL, *exposed = NULL;
	int net = 0, kml = 0, ret = -1;

	memset(b, 0, sizeof(*b));
	if (!is_dir(dir)) {
		sb_addf(err, "'%s' is not a bundle directory (make one with 'lupine build')", dir);
		goto out;
	}
	if (!(j = json_load_file(path, 0, &je))) {
		sb_addf(err, "'%s' is not a lupine bundle: %s", dir, path_exists(path) ? je.text : "no " BUNDLE_JSON);
		goto out;
	}
	b->memory_mib = 128;
	if (json_unpack_ex(j, &je, 0, "{s:{s:s, s?s, s?s, s?o}, s:{s:s, s?s}, s:o, s?o, s?s, s?i, s?i, s?i, s?b, s?b, s?s, s?o}",
			   "kernel", "file", &kfile, "config_hash", &hash, "label", &label, "manifests", &manifests,
			   "rootfs", "file", &rfile, "format", &rformat, "argv", &argv, "env", &env, "workdir",
			   &workdir, "uid", &b->uid, "gid", &b->gid, "memory_mib", &b->memory_mib, "net", &net, "kml", &kml,
			   "cmdline", &cmdline, "exposed_ports", &exposed) < 0 ||
	    list_read(argv, &b->argv) < 0 || list_read(env, &b->env) < 0 ||
	    list_read(manifests, &b->manifests) < 0 || list_read(exposed, &b->exposed) < 0 || !b->argv.n) {
		sb_addf(err, "'%s' is malformed: %s", path, je.text[0] ? je.text : "bad argv, env or manifests");
		bundle_release(b);
		goto out;
	}
	if (strchr(kfile, '/') || strchr(rfile, '/')) {
		sb_addf(err, "'%s' is malformed: file names must not contain '/'", path);
		goto out;
	}
	b->kernel = xstrdup(kfile);
	b->rootfs = xstrdup(rfile);
	b->rootfs_format = dup_or(rformat, "initramfs");
	b->config_hash = dup_or(hash, "");
	b->kernel_label = dup_or(label, "");
	b->workdir = dup_or(workdir, "/");
	b->cmdline = dup_or(cmdline, "");
	b->net = net;
	b->kml = kml;
	ret = 0;
out:
	json_decref(j);
	free(path);
	return ret;
}

void bundle_release(struct bundle *b)
{
	free(b->kernel);
	free(b->rootfs);
	free(b->rootfs_format);
	free(b->workdir);
	free(b->cmdline);
	free(b->kernel_label);
	free(b->config_hash);
	strlist_release(&b->argv);
	strlist_release(&b->env);
	strlist_release(&b->manifests);
	strlist_release(&b->exposed);
	memset(b, 0, sizeof(*b));
}

int bundle_commit(const char *staging, const char *dir, struct strbuf *err)
{
	char *old = NULL, *json = xasprintf("%s/%s", dir, BUNDLE_JSON);
	int ret = -1;

	if (path_exists(dir)) {
		if (!is_dir(dir) || !path_exists(json)) {
			sb_addf(err, "'%s' exists and is not a lupine bundle; choose another -o or remove it", dir);
			goto out;
		}
		/* move the old bundle aside, put the new one in, then drop the old */
		old = xasprintf("%s.old-%d", dir, (int)getpid());
		if (rename(dir, old) < 0) {
			sb_addf(err, "cannot replace '%s': %s", dir, strerror(errno));
			goto out;
		}
	}
	if (rename(staging, dir) < 0) {
		sb_addf(err, "cannot create '%s': %s", dir, strerror(errno));
		if (old)
			rename(old, dir);
		goto out;
	}
	if (old)
		rm_rf(old);
	ret = 0;
out:
	free(old);
	free(json);
	return ret;
}
