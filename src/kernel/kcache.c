/* kcache.c: the entries of the kernel cache: their keys, info.json, and staging left by killed builds.
 *
 * kbuild.c describes the layout; an entry under kernels/ is trusted only
 * when its bzImage and a readable info.json are both there. */
#include "kernel/kcache.h"
#include "lib/hash.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

char *kcache_file(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

int kcache_info_write(const char *dir, const struct kbuild_result *res, const struct kbuild_req *req)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:f}", "hash", res->hash,
			      "label", req->label, "source", req->src->identity, "version", req->src->version,
			      "bzimage_bytes", (json_int_t)res->bzimage_bytes, "text", (json_int_t)res->text,
			      "data", (json_int_t)res->data, "bss", (json_int_t)res->bss, "options_y",
			      (json_int_t)res->options_y, "build_sec", res->build_sec);
	char *path = kcache_file(dir, "info.json"), *s = json_dumps(j, JSON_INDENT(2));
	int r = file_write_atomic(path, s, strlen(s), 0644);
	free(s);
	free(path);
	json_decref(j);
	return r;
}

static int info_read(const char *dir, struct kbuild_result *res)
{
	char *path = kcache_file(dir, "info.json");
	json_t *j = json_load_file(path, 0, NULL);
	json_int_t b = 0, t = 0, d = 0, s = 0, y = 0;
	double sec = 0;
	int r = -1;

	free(path);
	if (!j)
		return -1;
	if (json_unpack(j, "{s:I, s:I, s:I, s:I, s:I, s:F}", "bzimage_bytes", &b, "text", &t, "data", &d,
			"bss", &s, "options_y", &y, "build_sec", &sec) == 0) {
		res->bzimage_bytes = (unsigned long long)b;
		res->text = (unsigned long long)t;
		res->data = (unsigned long long)d;
		res->bss = (unsigned long long)s;
		res->options_y = (unsigned long)y;
		res->build_sec = sec;
		r = 0;
	}
	json_decref(j);
	return r;
}

void kcache_free_paths(struct kbuild_result *res)
{
	free(res->dir);
	free(res->bzimage);
	free(res->vmlinux);
	free(res->config);
	res->dir = res->bzimage = res->vmlinux = res->config = NULL;
}

int kcache_fill(struct kbuild_result *res, const char *dir)
{
	kcache_free_paths(res);
	res->dir = xstrdup(dir);
	res->bzimage = kcache_file(dir, "bzImage");
	res->vmlinux = kcache_file(dir, "vmlinux");
	res->config = kcache_file(dir, "config");
	return path_exists(res->bzimage) ? info_read(dir, res) : -1;
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
