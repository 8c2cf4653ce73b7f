/* registry.c: images in an OCI/Docker registry ("docker://[HOST[:PORT]/]NAME[:TAG|@DIGEST]"),
 * pulled by skopeo into the cache as an OCI layout, then read by the OCI source. A pull
 * is keyed by the registry's manifest for the reference and copies that manifest by its
 * digest, so a moved tag is pulled again, an unchanged one is not, and what is copied is
 * what was inspected. Registries on this machine (localhost, 127.0.0.1, [::1]) are
 * spoken to over plain HTTP, as Docker does; every other host over TLS. */
#include "lib/cache.h"
#include "lib/hash.h"
#include "lib/progress.h"
#include "source/source.h"

#include <errno.h>
#include <fcntl.h>
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

char *registry_pin(const char *ref, const char *digest)
{
	size_t end = strcspn(ref, "@"), name = end;

	/* a tag is what follows the last ':' after the last '/' (a port's ':' comes before it) */
	for (size_t i = 0; i < end; i++)
		if (ref[i] == '/')
			name = end;
		else if (ref[i] == ':')
			name = i;
	return xasprintf("%.*s@%s", (int)name, ref, digest);
}

static const char *tls_flag(const char *ref, int src)
{
	if (registry_loopback(ref))
		return src ? "--src-tls-verify=false" : "--tls-verify=false";
	return src ? "--src-tls-verify=true" : "--tls-verify=true";
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

/* skopeo inspect --raw: the manifest the registry now serves for ref in out, alone (its
 * bytes are what its digest is of), skopeo's complaints in log. 0, or -1 with err. */
static int inspect_raw(const char *ref, const char *out, const char *log, struct strbuf *err)
{
	char *src = xasprintf("docker://%s", ref);
	char *argv[] = {"skopeo", "inspect", "--raw", (char *)tls_flag(ref, 0), src, NULL};
	struct proc_opts o = PROC_OPTS_INIT;
	int st = -1;

	o.out = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	o.err = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o.out >= 0 && o.err >= 0)
		st = proc_run(argv, &o);
	if (o.out >= 0)
		close(o.out);
	if (o.err >= 0)
		close(o.err);
	if (st != 0)
		skopeo_error(st, "find", ref, log, err);
	free(src);
	return st == 0 ? 0 : -1;
}

/* What the registry now serves for ref: a cache key (the hash of ref and its raw
 * manifest) and the manifest's digest, "sha256:HEX". 0, or -1 with err. */
static int manifest_id(const char *ref, const char *log, char key[65], char digest[72], struct strbuf *err)
{
	char *out = xasprintf("%s.manifest", log), hex[65];
	struct hash h;
	int ret = -1;

	if (inspect_raw(ref, out, log, err) == 0) {
		hash_init(&h);
		hash_add_str(&h, ref);
		hash_add_file(&h, out);
		hash_final_hex(&h, key);
		hash_init(&h);
		ret = hash_add_file(&h, out);
		hash_final_hex(&h, hex);
		snprintf(digest, 72, "sha256:%s", hex);
		if (ret < 0)
			sb_addf(err, "cannot read '%s': %s", out, strerror(errno));
	}
	unlink(out);
	free(out);
	return ret;
}

/* skopeo copy of ref pinned to digest into layout, through a temporary beside it. */
static void copy_pinned(const char *ref, const char *digest, const char *layout, const char *log,
			struct strbuf *err)
{
	char *pinned = registry_pin(ref, digest), *src = xasprintf("docker://%s", pinned);
	char *tmp = xasprintf("%s.tmp-%d", layout, (int)getpid()), *dst = xasprintf("oci:%s:lupine", tmp);
	char *label = xasprintf("pull %s", ref);
	char *argv[] = {"skopeo", "copy", "--quiet", "--override-os", "linux", "--override-arch", "amd64",
			(char *)tls_flag(ref, 1), src, dst, NULL};
	int st;

	rm_rf(tmp);
	st = progress_run_logged(argv, log, label);
	if (st != 0)
		skopeo_error(st, "pull", ref, log, err);
	else if (rename(tmp, layout) < 0)
		sb_addf(err, "cannot keep '%s': %s", layout, strerror(errno));
	rm_rf(tmp);
	free(label);
	free(dst);
	free(tmp);
	free(src);
	free(pinned);
}

/* The cached OCI layout for ref, pulled now if the registry serves something new. */
static char *pulled(const char *ref, struct strbuf *err)
{
	char *dir = cache_dir("images"), *log = xasprintf("%s/pull-%d.log", dir, (int)getpid());
	char key[65], digest[72], *layout = NULL;

	if (manifest_id(ref, log, key, digest, err) == 0) {
		char *name = xasprintf("image-%s", key);
		int lock = cache_lock(name, "a pulled image");
		layout = xasprintf("%s/%s", dir, key);
		if (!is_dir(layout))
			copy_pinned(ref, digest, layout, log, err);
		if (lock >= 0)
			cache_unlock(lock);
		free(name);
	}
	if (err->len) {
		free(layout);
		layout = NULL;
	}
	unlink(log);
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
