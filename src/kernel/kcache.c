/* kcache.c: the entries of the kernel cache: their keys, info.json, and staging left by killed builds.
 *
 * kbuild.c describes the layout. An entry under kernels/ is trusted only
 * when it and its files are the user's and writable by no one else, its
 * info.json is readable and names it, its config still hashes to its name
 * and its bzImage and vmlinux (both boot) to the SHA-256s recorded when it
 * was built. */
#include "kernel/kcache.h"
#include "lib/cache.h"
#include "lib/hash.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *kcache_file(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

/* The SHA-256 of the file path in hex; -1 with errno when it cannot be read. */
static int file_sha256(const char *path, char out[65])
{
	struct hash h;
	int r;

	hash_init(&h);
	r = hash_add_file(&h, path);
	hash_final_hex(&h, out);
	return r;
}

int kcache_info_write(const char *dir, const struct kbuild_result *res, const struct kbuild_req *req)
{
	char sum[65], vsum[65], *bz = kcache_file(dir, "bzImage"), *vm = kcache_file(dir, "vmlinux");
	int r = file_sha256(bz, sum) < 0 || file_sha256(vm, vsum) < 0 ? -1 : 0;

	free(bz);
	free(vm);
	if (r < 0)
		return -1;
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:f}", "hash", res->hash,
			      "bzimage_sha256", sum, "vmlinux_sha256", vsum, "label", req->label, "source", req->src->identity, "version",
			      req->src->version, "bzimage_bytes", (json_int_t)res->bzimage_bytes, "text",
			      (json_int_t)res->text, "data", (json_int_t)res->data, "bss", (json_int_t)res->bss,
			      "options_y", (json_int_t)res->options_y, "build_sec", res->build_sec);
	char *path = kcache_file(dir, "info.json"), *s = json_dumps(j, JSON_INDENT(2));
	r = file_write_atomic(path, s, strlen(s), 0644);
	free(s);
	free(path);
	json_decref(j);
	return r;
}

/* Reads DIR/info.json's sizes into res, its config hash into hash and the
 * bzImage's and vmlinux's SHA-256 into sum[0] and sum[1] ("" in entries
 * made before they were recorded). */
static int info_read(const char *dir, struct kbuild_result *res, char hash[65], char sum[2][65])
{
	char *path = kcache_file(dir, "info.json");
	json_t *j = json_load_file(path, 0, NULL);
	json_int_t b = 0, t = 0, d = 0, s = 0, y = 0;
	const char *h = NULL, *sha = "", *vsha = "";
	double sec = 0;
	int r = -1;

	free(path);
	if (!j)
		return -1;
	if (json_unpack(j, "{s:s, s?s, s?s, s:I, s:I, s:I, s:I, s:I, s:F}", "hash", &h, "bzimage_sha256", &sha,
			"vmlinux_sha256", &vsha, "bzimage_bytes", &b, "text", &t, "data", &d, "bss", &s, "options_y", &y, "build_sec",
			&sec) == 0) {
		res->bzimage_bytes = (unsigned long long)b;
		res->text = (unsigned long long)t;
		res->data = (unsigned long long)d;
		res->bss = (unsigned long long)s;
		res->options_y = (unsigned long)y;
		res->build_sec = sec;
		snprintf(hash, 65, "%s", h);
		snprintf(sum[0], 65, "%s", sha);
		snprintf(sum[1], 65, "%s", vsha);
		r = 0;
	}
	json_decref(j);
	return r;
}

/* Adds a SHA-256 (key: bzimage_sha256, vmlinux_sha256) to the info.json of
 * an entry built before it was recorded. */
static void info_add_sum(const char *dir, const char *key, const char *sum)
{
	char *path = kcache_file(dir, "info.json"), *s = NULL;
	json_t *j = json_load_file(path, 0, NULL);

	if (j && json_object_set_new(j, key, json_string(sum)) == 0 &&
	    (s = json_dumps(j, JSON_INDENT(2))))
		file_write_atomic(path, s, strlen(s), 0644);
	free(s);
	json_decref(j);
	free(path);
}

void kcache_free_paths(struct kbuild_result *res)
{
	free(res->dir);
	free(res->bzimage);
	free(res->vmlinux);
	free(res->config);
	res->dir = res->bzimage = res->vmlinux = res->config = NULL;
}

/* 1 when dir and its files are the user's and writable by no one else, 0
 * when one is missing, -1 with err set when one is refused. */
static int entry_owned(const char *dir, struct strbuf *err)
{
	static const char *const files[] = {"bzImage", "vmlinux", "config", "info.json"};
	int r = cache_check(dir, S_IFDIR, err);

	for (size_t i = 0; r == 1 && i < ARRAY_SIZE(files); i++) {
		char *p = kcache_file(dir, files[i]);
		r = cache_check(p, S_IFREG, err);
		free(p);
	}
	return r;
}

/* Whether file (bzImage, vmlinux) still has the SHA-256 sum recorded under
 * key; one built before it was recorded gets it recorded now. 0 or -1. */
static int image_unchanged(const struct kbuild_result *res, const char *file, const char *key, const char *sum)
{
	char now[65];

	if (file_sha256(file, now) < 0 || (*sum && strcmp(now, sum)))
		return -1;
	if (!*sum)
		info_add_sum(res->dir, key, now);
	return 0;
}

/* Whether the entry's config, bzImage and vmlinux are what was built under
 * res->hash (their sums recorded in info.json). 0, or -1 with err set. */
static int entry_unchanged(const struct kbuild_result *res, const struct kbuild_req *req, char sum[2][65],
			   struct strbuf *err)
{
	char now[65], *config = file_read(res->config, NULL);
	const char *what = NULL;

	if (config)
		kcache_config_hash(req, config, now);
	if (!config || strcmp(now, res->hash))
		what = "its config no longer hashes to its name";
	else if (image_unchanged(res, res->bzimage, "bzimage_sha256", sum[0]) < 0)
		what = "its bzImage's SHA-256 differs from the one recorded in info.json";
	else if (image_unchanged(res, res->vmlinux, "vmlinux_sha256", sum[1]) < 0)
		what = "its vmlinux's SHA-256 differs from the one recorded in info.json";
	free(config);
	if (!what)
		return 0;
	sb_addf(err, "cached kernel '%s' was changed after it was built (%s); remove it with "
		     "'rm -r %s' and lupine builds it again", res->dir, what, res->dir);
	return -1;
}

int kcache_open(struct kbuild_result *res, const struct kbuild_req *req, const char *dir, struct strbuf *err)
{
	char hash[65], sum[2][65];
	int r = entry_owned(dir, err);

	if (r <= 0)
		return r;
	kcache_free_paths(res);
	res->dir = xstrdup(dir);
	res->bzimage = kcache_file(dir, "bzImage");
	res->vmlinux = kcache_file(dir, "vmlinux");
	res->config = kcache_file(dir, "config");
	if (info_read(dir, res, hash, sum) < 0)
		return 0; /* a build killed before its info.json: not trusted, made again */
	if (strcmp(hash, res->hash)) {
		sb_addf(err, "cached kernel '%s' was changed after it was built (its info.json names "
			     "config %.12s); remove it with 'rm -r %s' and lupine builds it again",
			dir, hash, dir);
		return -1;
	}
	return entry_unchanged(res, req, sum, err) < 0 ? -1 : 1;
}

int kcache_key_read(const char *path, char hash[65], struct strbuf *err)
{
	int r = cache_check(path, S_IFREG, err);
	char *text = r == 1 ? file_read(path, NULL) : NULL;

	if (r == 1 && (r = text && strlen(str_trim(text)) == 64))
		memcpy(hash, str_trim(text), 65);
	free(text);
	return r;
}

void kcache_input_key(const struct kbuild_req *req, char out[65])
{
	struct hash h;
	struct kconfig_frag merged = {0};
	struct strbuf err = {0};

	hash_init(&h);
	hash_add_str(&h, "lupine-kernel-input-v1");
	hash_add_str(&h, req->src->identity);
	hash_add_str(&h, req->complete ? "complete" : "allnoconfig");
	if (kconfig_merge(&merged, req->frags, req->nfrags, &err) == 0) {
		char *text = kconfig_render(&merged);
		hash_add_str(&h, text);
		free(text);
	}
	hash_final_hex(&h, out);
	kconfig_frag_release(&merged);
	sb_release(&err);
}

void kcache_config_hash(const struct kbuild_req *req, const char *config, char out[65])
{
	struct hash h;
	hash_init(&h);
	hash_add_str(&h, "lupine-kernel-v1");
	hash_add_str(&h, req->src->identity);
	hash_add_str(&h, config);
	hash_final_hex(&h, out);
}

void kcache_sweep_stale(const char *kdir)
{
	DIR *d = opendir(kdir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		const char *dash = strrchr(de->d_name, '-');
		if (!str_starts(de->d_name, ".tmp-") || !dash)
			continue;
		pid_t pid = (pid_t)atoi(dash + 1);
		if (pid > 0 && kill(pid, 0) < 0 && errno == ESRCH) {
			char *p = xasprintf("%s/%s", kdir, de->d_name);
			rm_rf(p);
			free(p);
		}
	}
	if (d)
		closedir(d);
}

void kbuild_result_describe(const struct kbuild_result *r, const char *label, const char *path, struct strbuf *out)
{
	char a[32], b[32], d[32];

	sb_addf(out, "kernel   %s\n", path ? path : r->bzimage);
	sb_addf(out, "config   %.12s (%s), %lu options =y\n", r->hash, label, r->options_y);
	sb_addf(out, "size     %s bytes bzImage; vmlinux text+data+bss %s\n",
		fmt_thousands(r->bzimage_bytes, a, sizeof(a)), fmt_thousands(r->text + r->data + r->bss, b, sizeof(b)));
	sb_addf(out, "build    %s (built in %s)\n", r->cached ? "cached" : "new",
		fmt_duration(r->build_sec, d, sizeof(d)));
	sb_addf(out, "cache    %s\n", r->dir);
}
