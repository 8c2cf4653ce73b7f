/* imagekit.c: build container images in tests: tar layers, OCI layouts, docker save archives. */
#include "harness.h"
#include "imagekit.h"
#include "source/source.h"
#include "lib/hash.h"
#include "lib/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <ftw.h>
#include <jansson.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *kit_digest(const char *path)
{
	struct hash h;
	char hex[65];
	hash_init(&h);
	hash_add_file(&h, path);
	hash_final_hex(&h, hex);
	return xasprintf("sha256:%s", hex);
}

static struct archive *open_tar(const char *path, int gz)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (gz)
		archive_write_add_filter_gzip(a);
	archive_write_open_filename(a, path);
	return a;
}

static void add(struct archive *a, const struct kit_entry *e)
{
	struct archive_entry *ae = archive_entry_new();
	size_t len = 0;
	char *data = NULL;

	archive_entry_set_pathname(ae, e->path);
	archive_entry_set_uid(ae, e->owner);
	archive_entry_set_gid(ae, e->owner);
	switch (e->type) {
	case 'd':
		archive_entry_set_filetype(ae, AE_IFDIR);
		archive_entry_set_perm(ae, e->mode ? e->mode : 0755);
		break;
	case 'l':
		archive_entry_set_filetype(ae, AE_IFLNK);
		archive_entry_set_perm(ae, 0777);
		archive_entry_set_symlink(ae, e->data);
		break;
	case 'h':
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_hardlink(ae, e->data);
		break;
	default:
		data = e->host ? file_read(e->host, &len) : xstrdup(e->data ? e->data : "");
		len = e->host ? len : strlen(data);
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, e->mode ? e->mode : 0644);
		archive_entry_set_size(ae, (la_int64_t)len);
	}
	archive_write_header(a, ae);
	if (data)
		archive_write_data(a, data, len);
	free(data);
	archive_entry_free(ae);
}

char *kit_layer(const char *dir, const char *name, const struct kit_entry *e, size_t n, int gz)
{
	char *path = xasprintf("%s/%s", dir, name);
	/* names as docker writes them: UTF-8 in pax headers (the runner's own
	 * locale is C, where libarchive would mark them binary instead) */
	setlocale(LC_CTYPE, "C.UTF-8");
	struct archive *a = open_tar(path, gz);
	for (size_t i = 0; i < n; i++)
		add(a, &e[i]);
	archive_write_close(a);
	archive_write_free(a);
	setlocale(LC_CTYPE, "C");
	return path;
}

static struct archive *tree_ar;
static size_t tree_root_len;

static int tree_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	const char *rel = p + tree_root_len;
	while (*rel == '/')
		rel++;
	if (!*rel)
		return 0;
	char target[4096] = "";
	struct kit_entry e = {.path = rel, .mode = (int)(st->st_mode & 07777)};
	if (type == FTW_SL) {
		ssize_t n = readlink(p, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = 0;
		e.type = 'l';
		e.data = target;
	} else if (type == FTW_D) {
		e.type = 'd';
	} else {
		e.type = 'f';
		e.host = p;
	}
	add(tree_ar, &e);
	return 0;
}

char *kit_layer_tree(const char *dir, const char *name, const char *root)
{
	char *path = xasprintf("%s/%s", dir, name);
	tree_ar = open_tar(path, 1);
	tree_root_len = strlen(root);
	nftw(root, tree_one, 32, FTW_PHYS);
	archive_write_close(tree_ar);
	archive_write_free(tree_ar);
	return path;
}

/* Moves file into dir/blobs/sha256/HEX; returns its digest (caller frees). */
static char *blob_put(const char *dir, const char *file, size_t *size)
{
	char *d = kit_digest(file), *blobs = xasprintf("%s/blobs/sha256", dir);
	char *dst = xasprintf("%s/%s", blobs, d + 7);
	struct stat st;
	mkdir_p(blobs, 0755);
	file_copy(file, dst, 0644);
	stat(dst, &st);
	*size = (size_t)st.st_size;
	free(blobs);
	free(dst);
	return d;
}

static char *blob_text(const char *dir, const char *text, size_t *size)
{
	char *tmp = xasprintf("%s/.blob", dir);
	file_write_atomic(tmp, text, strlen(text), 0644);
	char *d = blob_put(dir, tmp, size);
	unlink(tmp);
	free(tmp);
	return d;
}

/* Writes the uncompressed tar of a (maybe gzip) layer to out. */
static void write_raw_tar(const char *layer, const char *out)
{
	struct archive *in = archive_read_new();
	struct archive_entry *e;
	struct strbuf sb = {0};
	char buf[65536];
	la_ssize_t n;

	archive_read_support_filter_all(in);
	archive_read_support_format_raw(in);
	archive_read_open_filename(in, layer, 65536);
	if (archive_read_next_header(in, &e) == ARCHIVE_OK)
		while ((n = archive_read_data(in, buf, sizeof(buf))) > 0)
			sb_add(&sb, buf, (size_t)n);
	archive_read_free(in);
	file_write_atomic(out, sb.buf ? sb.buf : "", sb.len, 0644);
	sb_release(&sb);
}

/* The image config, with rootfs.diff_ids from the (uncompressed) layers' digests. */
static char *config_text(const struct kit_image *img, const char *tmpdir)
{
	json_t *c = json_loads(img->config_json, 0, NULL), *diffs = json_array();
	for (size_t i = 0; i < img->nlayers; i++) {
		/* diff_id is the digest of the uncompressed tar */
		char *raw = xasprintf("%s/.raw", tmpdir);
		write_raw_tar(img->layers[i], raw);
		char *d = kit_digest(raw);
		json_array_append_new(diffs, json_string(d));
		free(d);
		unlink(raw);
		free(raw);
	}
	json_t *root = json_pack("{s:s, s:s, s:o, s:{s:s, s:o}}", "architecture", "amd64", "os", "linux", "config",
				 c ? c : json_object(), "rootfs", "type", "layers", "diff_ids", diffs);
	char *s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return s;
}

int kit_oci(const char *dir, const struct kit_image *img)
{
	size_t size;
	mkdir_p(dir, 0755);
	char *conf = config_text(img, dir), *cd = blob_text(dir, conf, &size);
	json_t *layers = json_array();
	for (size_t i = 0; i < img->nlayers; i++) {
		size_t ls;
		char *d = blob_put(dir, img->layers[i], &ls);
		json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType",
							"application/vnd.oci.image.layer.v1.tar+gzip", "digest", d,
							"size", (json_int_t)ls));
		free(d);
	}
	json_t *man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
				"application/vnd.oci.image.manifest.v1+json", "config", "mediaType",
				"application/vnd.oci.image.config.v1+json", "digest", cd, "size", (json_int_t)size,
				"layers", layers);
	char *mtext = json_dumps(man, JSON_COMPACT), *md = blob_text(dir, mtext, &size);
	json_t *index = json_pack("{s:i, s:[{s:s, s:s, s:I, s:{s:s}}]}", "schemaVersion", 2, "manifests",
				  "mediaType", "application/vnd.oci.image.manifest.v1+json", "digest", md, "size",
				  (json_int_t)size, "annotations", "org.opencontainers.image.ref.name",
				  img->tag ? img->tag : "latest");
	char *ip = xasprintf("%s/index.json", dir), *lp = xasprintf("%s/oci-layout", dir);
	json_dump_file(index, ip, 0);
	file_write_atomic(lp, "{\"imageLayoutVersion\":\"1.0.0\"}", 30, 0644);
	json_decref(man);
	json_decref(index);
	free(conf);
	free(cd);
	free(mtext);
	free(md);
	free(ip);
	free(lp);
	return 0;
}

int kit_docker_archive(const char *path, const struct kit_image *img)
{
	char *dir = xasprintf("%s.d", path);
	mkdir_p(dir, 0755);
	char *conf = config_text(img, dir), *cp = xasprintf("%s/c.json", dir);
	file_write_atomic(cp, conf, strlen(conf), 0644);
	char *cd = kit_digest(cp), *cname = xasprintf("%s.json", cd + 7);
	struct archive *a = open_tar(path, 0);
	struct kit_entry ce = {'f', cname, conf, NULL, 0, 0};
	add(a, &ce);
	json_t *layers = json_array();
	for (size_t i = 0; i < img->nlayers; i++) {
		/* docker save stores layers uncompressed, as ID/layer.tar */
		char *lname = xasprintf("layer%zu/%s", i, img->layer_file ? img->layer_file : "layer.tar"), *raw = xasprintf("%s/raw%zu", dir, i);
		write_raw_tar(img->layers[i], raw);
		struct kit_entry le = {'f', lname, NULL, raw, 0, 0};
		add(a, &le);
		json_array_append_new(layers, json_string(lname));
		free(lname);
		free(raw);
	}
	json_t *man = json_pack("[{s:s, s:[s], s:o}]", "Config", cname, "RepoTags",
				img->tag ? img->tag : "test:latest", "Layers", layers);
	char *mtext = json_dumps(man, JSON_COMPACT);
	struct kit_entry me = {'f', "manifest.json", mtext, NULL, 0, 0};
	add(a, &me);
	archive_write_close(a);
	archive_write_free(a);
	json_decref(man);
	rm_rf(dir);
	free(mtext);
	free(conf);
	free(cp);
	free(cd);
	free(cname);
	free(dir);
	return 0;
}

int kit_unpack(const char *src, const char *root, struct source_info *info, struct strbuf *err)
{
	const struct source_ops *ops;
	struct stage st;
	char *ref = NULL;
	int r = -1;

	memset(info, 0, sizeof(*info));
	if (source_resolve(src, &ops, &ref, err) == 0 && stage_open(&st, root, err) == 0) {
		r = ops->stage(ref, &st, info, err);
		stage_close(&st);
	}
	free(ref);
	return r;
}


int kit_resolve_user(const char *root, const char *user, struct source_user *u, struct strbuf *err)
{
	struct stage st;
	int r = -1;

	strlist_release(&u->groups);
	if (stage_open(&st, root, err) == 0) {
		r = source_resolve_user(&st, user, u, err);
		stage_close(&st);
	}
	return r;
}

char *kit_one_layer_oci(const char *name, const struct kit_entry *e, size_t n)
{
	char *dir = xasprintf("%s/%s", test_tmpdir(), name), *lname = xasprintf("%s.tar.gz", name);
	const char *layer = kit_layer(test_tmpdir(), lname, e, n, 1);
	struct kit_image img = {&layer, 1, "{\"Cmd\":[\"/x\"]}", NULL, NULL};
	kit_oci(dir, &img);
	char *src = xasprintf("oci:%s", dir);
	free((char *)layer);
	free(lname);
	free(dir);
	return src;
}
