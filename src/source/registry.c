/* registry.c: images in an OCI/Docker registry ("docker://[HOST[:PORT]/]NAME[:TAG|@DIGEST]"),
 * pulled by skopeo into the cache as an OCI layout, then read by the OCI source. A pull
 * is keyed by the registry's manifest for the reference, so a moved tag is pulled
 * again and an unchanged one is not. Registries on this machine (localhost, 127.0.0.1,
 * [::1]) are spoken to over plain HTTP, as Docker does; every other host over TLS. */
#include "lib/cache.h"
#include "lib/hash.h"
#include "lib/progress.h"
#include "source/source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int registry_loopback(const char *ref)
{
	static const char *const hosts[] = {"127.0.0.1", "localhost", "[::1]"};
	size_t end = strcspn(ref, "/"), n;

	/* no '/': a Docker Hub name ("localhost:5000" is the image localhost, tag 5000) */
	for (size_t i = 0; ref[end] && i < ARRAY_SIZE(hosts); i++) {
		n = strlen(hosts[i]);
		if (end < n || strncmp(ref, hosts[i], n))
			continue;
		if (end == n || (ref[n] == ':' && end - n - 1 >= 1 && end - n - 1 <= 5 &&
				 strspn(ref + n + 1, "0123456789") == end - n - 1))
			return 1;
	}
	return 0;
}

static void skopeo_error(int st, const char *what, const char *ref, const char *log, struct strbuf *err)
{
	char *text = file_read(log, NULL), *last = NULL;

	if (st == 127 || st == -1) {
		sb_adds(err, "cannot run skopeo: is it installed? (scripts/setup.sh installs it)");
	} else {
		/* skopeo's own reason is its last line, e.g. 'manifest unknown' */
		if (text && (last = strrchr(str_trim(text), '\n')))
			last++;
		sb_addf(err, "cannot %s docker://%s: %s", what, ref, last ? last : text ? text : "skopeo failed");
	}
	free(text);
}

/* A key for what the registry now serves for ref: the hash of its raw manifest. */
static char *manifest_key(const char *ref, const char *tls, const char *log, struct strbuf *err)
{
	char *src = xasprintf("docker://%s", ref), *out = xasprintf("%s.manifest", log), *key = NULL;
	char *argv[] = {"skopeo", "inspect", "--raw", (char *)tls, src, NULL};
	int st = progress_run_logged(argv, out, NULL);

	if (st != 0) {
		skopeo_error(st, "find", ref, out, err);
	} else {
		struct hash h;
		char hex[65];
		hash_init(&h);
		hash_add_str(&h, ref);
		hash_add_file(&h, out);
		hash_final_hex(&h, hex);
		key = xstrdup(hex);
	}
	unlink(out);
	free(out);
	free(src);
	return key;
}

/* The cached OCI layout for ref, pulled now if the registry serves something new. */
static char *pulled(const char *ref, struct strbuf *err)
{
	const char *tls = registry_loopback(ref) ? "--tls-verify=false" : "--tls-verify=true";
	char *dir = cache_dir("images"), *log = xasprintf("%s/pull-%d.log", dir, (int)getpid());
	char *key = manifest_key(ref, tls, log, err), *layout = NULL;

	if (key) {
		char *name = xasprintf("image-%s", key), *tmp, *dst, *src, *label;
		layout = xasprintf("%s/%s", dir, key);
		tmp = xasprintf("%s.tmp-%d", layout, (int)getpid());
		dst = xasprintf("oci:%s:lupine", tmp);
		src = xasprintf("docker://%s", ref);
		label = xasprintf("pull %s", ref);
		int lock = cache_lock(name, "a pulled image");
		const char *stls = registry_loopback(ref) ? "--src-tls-verify=false" : "--src-tls-verify=true";
		char *argv[] = {"skopeo", "copy", "--quiet", "--override-os", "linux", "--override-arch", "amd64",
				(char *)stls, src, dst, NULL};
		if (!is_dir(layout)) {
			rm_rf(tmp);
			int st = progress_run_logged(argv, log, label);
			if (st != 0)
				skopeo_error(st, "pull", ref, log, err);
			else if (rename(tmp, layout) < 0)
				sb_addf(err, "cannot keep '%s': %s", layout, strerror(errno));
			rm_rf(tmp);
		}
		if (lock >= 0)
			cache_unlock(lock);
		free(label);
		free(src);
		free(dst);
		free(tmp);
		free(name);
	}
	if (err->len) {
		free(layout);
		layout = NULL;
	}
	unlink(log);
	free(key);
	free(log);
	free(dir);
	return layout;
}

static int registry_stage(const char *ref, const struct stage *root, struct source_info *info, struct strbuf *err)
{
	char *layout, *oref;
	int ret;

	if (!*ref || strspn(ref, "abcdefghijklmnopqrstuvwxyz0123456789._-/:@[]") != strlen(ref)) {
		sb_addf(err, "'docker://%s' is not an image reference; write docker://[HOST[:PORT]/]NAME[:TAG]", ref);
		return -1;
	}
	if (!(layout = pulled(ref, err)))
		return -1;
	oref = xasprintf("%s:lupine", layout);
	ret = source_oci.stage(oref, root, info, err);
	free(oref);
	free(layout);
	return ret;
}

const struct source_ops source_registry = {
	.name = "registry",
	.prefix = "docker://",
	.stage = registry_stage,
};
