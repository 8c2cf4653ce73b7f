/* snapshot.c: take a snapshot of a bundle's ready application; snapshot.json read and written. */
#include "bundle/snapshot.h"
#include "vm/snapshot.h"
#include "lib/embedded.h"
#include "lib/hash.h"
#include "lib/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNAPSHOT_VERSION 1

void snapshot_release(struct snapshot *s)
{
	char *fields[] = {s->dir, s->bundle, s->bundle_sha, s->kernel_sha, s->init_sha, s->qemu, s->probe, s->port,
			  s->ram, s->state, s->disk_path};

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		free(fields[i]);
	memset(s, 0, sizeof(*s));
}

/* The SHA-256 of name in the bundle at dir (checked as bundle_file_open does), or NULL with err. */
static char *bundle_file_sha(const char *dir, const char *name, struct strbuf *err)
{
	int fd = bundle_file_open(dir, name, err);
	char hex[65], *path;
	struct hash h;
	int ok;

	if (fd < 0)
		return NULL;
	path = fd_path(fd);
	hash_init(&h);
	ok = hash_add_file(&h, path) == 0;
	hash_final_hex(&h, hex);
	if (!ok)
		sb_addf(err, "cannot read '%s/%s': %s", dir, name, strerror(errno));
	free(path);
	close(fd);
	return ok ? xstrdup(hex) : NULL;
}

int snapshot_identify(const char *dir, const struct bundle *b, struct snapshot *s, struct strbuf *err)
{
	char *rootfs = xasprintf("%s/%s", dir, b->rootfs);
	struct stat st;
	int ret = -1;

	const struct embedded_file *init = embedded_find(embedded_guest, "init");
	char hex[65];
	struct hash h;

	/* the init in the guest's memory speaks this lupine's protocol: another lupine's may not */
	hash_init(&h);
	if (init)
		hash_add(&h, init->data, (size_t)init->size);
	hash_final_hex(&h, hex);
	s->init_sha = xstrdup(hex);
	if (!(s->bundle_sha = bundle_file_sha(dir, "lupine.json", err)) ||
	    !(s->kernel_sha = bundle_file_sha(dir, b->kernel, err)))
		goto out;
	if (lstat(rootfs, &st) < 0) {
		sb_addf(err, "cannot read '%s': %s", rootfs, strerror(errno));
		goto out;
	}
	s->rootfs_size = (long long)st.st_size;
	s->rootfs_mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	ret = 0;
out:
	free(rootfs);
	return ret;
}

int snapshot_matches(const struct snapshot *s, const struct bundle *b, struct strbuf *err)
{
	struct snapshot now = {0};
	const char *what = NULL;

	if (snapshot_identify(s->bundle, b, &now, err) < 0)
		return -1;
	if (strcmp(now.kernel_sha, s->kernel_sha))
		what = "its kernel";
	else if (strcmp(now.bundle_sha, s->bundle_sha))
		what = "its lupine.json";
	else if (now.rootfs_size != s->rootfs_size || now.rootfs_mtime_ns != s->rootfs_mtime_ns)
		what = "its root filesystem";
	if (!what && (!s->init_sha || strcmp(now.init_sha, s->init_sha))) {
		sb_addf(err, "the snapshot '%s' was taken by another lupine (its guest init differs from this one's); "
			     "take it again with 'lupine snapshot'", s->dir);
		snapshot_release(&now);
		return -1;
	}
	if (what)
		sb_addf(err, "the snapshot '%s' is out of date: the bundle '%s' changed since (%s); take it again with "
			     "'lupine snapshot'", s->dir, s->bundle, what);
	snapshot_release(&now);
	return what ? -1 : 0;
}

void snapshot_set_paths(struct snapshot *s)
{
	s->ram = xasprintf("%s/ram", s->dir);
	s->state = xasprintf("%s/state", s->dir);
	s->disk_path = s->disk ? xasprintf("%s/%s", s->dir, s->disk_qcow2 ? "disk.qcow2" : "disk.ext4") : NULL;
}

int snapshot_write_json(const char *dir, const struct snapshot *s, struct strbuf *err)
{
	json_t *j = json_pack("{s:i,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:i,s:b,s:b,s:i,s:f}", "lupine_snapshot", SNAPSHOT_VERSION,
			      "bundle", s->bundle, "bundle_sha256", s->bundle_sha, "kernel_sha256", s->kernel_sha, "init_sha256", s->init_sha,
			      "rootfs_size", (json_int_t)s->rootfs_size, "rootfs_mtime_ns",
			      (json_int_t)s->rootfs_mtime_ns, "qemu", s->qemu, "memory_mib", s->mem_mib, "net", s->net,
			      "disk", s->disk, "generation", (int)s->generation, "ready_seconds", s->ready_s);
	char *path = xasprintf("%s/" SNAPSHOT_JSON, dir), *text;
	int ret = -1;

	json_object_set_new(j, "disk_format", json_string(s->disk_qcow2 ? "qcow2" : "raw"));
	if (s->probe)
		json_object_set_new(j, "ready_check", json_string(s->probe));
	if (s->port)
		json_object_set_new(j, "port", json_string(s->port));
	text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (text && file_write_atomic(path, text, strlen(text), 0644) == 0)
		ret = 0;
	else
		sb_addf(err, "cannot write '%s': %s", path, strerror(errno));
	free(text);
	free(path);
	json_decref(j);
	return ret;
}

static char *jstr(json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));
	return v ? xstrdup(v) : NULL;
}

int snapshot_load(const char *dir, struct snapshot *s, struct strbuf *err)
{
	char *path = xasprintf("%s/" SNAPSHOT_JSON, dir), *abs = realpath(dir, NULL);
	json_error_t je;
	json_t *j = abs ? json_load_file(path, 0, &je) : NULL;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (!j) {
		sb_addf(err, "'%s' is not a snapshot (no readable %s); make one with 'lupine snapshot'", dir, SNAPSHOT_JSON);
		goto out;
	}
	s->dir = abs;
	abs = NULL;
	s->bundle = jstr(j, "bundle"), s->bundle_sha = jstr(j, "bundle_sha256");
	s->kernel_sha = jstr(j, "kernel_sha256"), s->qemu = jstr(j, "qemu");
	s->init_sha = jstr(j, "init_sha256");
	s->probe = jstr(j, "ready_check"), s->port = jstr(j, "port");
	s->rootfs_size = json_integer_value(json_object_get(j, "rootfs_size"));
	s->rootfs_mtime_ns = json_integer_value(json_object_get(j, "rootfs_mtime_ns"));
	s->mem_mib = (int)json_integer_value(json_object_get(j, "memory_mib"));
	s->net = json_is_true(json_object_get(j, "net")), s->disk = json_is_true(json_object_get(j, "disk"));
	const char *fmt = json_string_value(json_object_get(j, "disk_format"));
	s->disk_qcow2 = fmt && !strcmp(fmt, "qcow2");
	s->generation = (unsigned)json_integer_value(json_object_get(j, "generation"));
	s->ready_s = json_number_value(json_object_get(j, "ready_seconds"));
	if (json_integer_value(json_object_get(j, "lupine_snapshot")) != SNAPSHOT_VERSION || !s->bundle ||
	    !s->bundle_sha || !s->kernel_sha || !s->qemu || s->mem_mib <= 0) {
		sb_addf(err, "'%s' is a snapshot this lupine cannot read (another version?); take it again", dir);
		snapshot_release(s);
		goto out;
	}
	snapshot_set_paths(s);
	if (!path_exists(s->ram) || !path_exists(s->state) || (s->disk_path && !path_exists(s->disk_path))) {
		sb_addf(err, "'%s' is an incomplete snapshot (its ram, state or disk is missing); take it again", dir);
		snapshot_release(s);
		goto out;
	}
	ret = 0;
out:
	json_decref(j);
	free(abs);
	free(path);
	return ret;
}

void snapshot_size(const struct snapshot *s, unsigned long long *allocated, unsigned long long *apparent)
{
	const char *files[] = {s->ram, s->state, s->disk_path};
	struct stat st;

	*allocated = *apparent = 0;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (files[i] && stat(files[i], &st) == 0) {
			*allocated += (unsigned long long)st.st_blocks * 512;
			*apparent += (unsigned long long)st.st_size;
		}
}
