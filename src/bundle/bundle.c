/* bundle.c: a bundle directory (kernel, rootfs, lupine.json): write it atomically, read it back. */
#include "bundle/bundle.h"
#include "lib/json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void bundle_init(struct bundle *b)
{
	memset(b, 0, sizeof(*b));
	run_config_init(&b->run);
	b->memory_mib = 128;
}

void bundle_release(struct bundle *b)
{
	free(b->kernel);
	free(b->rootfs);
	free(b->rootfs_format);
	free(b->cmdline);
	free(b->kernel_label);
	free(b->config_hash);
	run_config_release(&b->run);
	strlist_release(&b->manifests);
	strlist_release(&b->exposed);
	bundle_init(b);
}

int bundle_write_json(const char *dir, const struct bundle *b, struct strbuf *err)
{
	json_t *j = json_object();
	char *path = xasprintf("%s/%s", dir, BUNDLE_JSON), *text;
	int ret;

	json_object_set_new(j, "lupine_bundle", json_integer(BUNDLE_VERSION));
	json_object_set_new(j, "kernel", json_pack("{s:s, s:s, s:s, s:o}", "file", b->kernel, "config_hash",
						   b->config_hash ? b->config_hash : "", "label",
						   b->kernel_label ? b->kernel_label : "", "manifests",
						   json_from_strlist(&b->manifests)));
	json_object_set_new(j, "rootfs", json_pack("{s:s, s:s}", "file", b->rootfs, "format", b->rootfs_format));
	json_object_set_new(j, "run", run_config_to_json(&b->run));
	json_object_set_new(j, "memory_mib", json_integer(b->memory_mib));
	json_object_set_new(j, "net", json_boolean(b->net));
	json_object_set_new(j, "kml", json_boolean(b->kml));
	json_object_set_new(j, "cmdline", json_string(b->cmdline ? b->cmdline : ""));
	json_object_set_new(j, "exposed_ports", json_from_strlist(&b->exposed));
	text = json_dumps(j, JSON_INDENT(2));
	ret = file_write_atomic(path, text, strlen(text), 0644);
	if (ret < 0)
		sb_addf(err, "cannot write '%s': %s", path, strerror(errno));
	free(text);
	free(path);
	json_decref(j);
	return ret;
}

/* A file name inside the bundle: no '/', not "." or "..". */
static int plain_name(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

static int unpack(json_t *j, struct bundle *b, json_error_t *je, struct strbuf *err)
{
	const char *kfile, *rfile, *hash = "", *label = "", *rformat = "initramfs", *cmdline = "";
	json_t *manifests = NULL, *run = NULL, *exposed = NULL;
	int net = 0, kml = 0, version = 0;

	if (json_unpack_ex(j, je, 0, "{s:i, s:{s:s, s?s, s?s, s?o}, s:{s:s, s?s}, s:o, s?i, s?b, s?b, s?s, s?o}",
			   "lupine_bundle", &version, "kernel", "file", &kfile, "config_hash", &hash, "label", &label,
			   "manifests", &manifests, "rootfs", "file", &rfile, "format", &rformat, "run", &run,
			   "memory_mib", &b->memory_mib, "net", &net, "kml", &kml, "cmdline", &cmdline,
			   "exposed_ports", &exposed) < 0) {
		if (json_is_integer(json_object_get(j, "lupine_bundle")) &&
		    json_integer_value(json_object_get(j, "lupine_bundle")) != BUNDLE_VERSION)
			sb_adds(err, "it was made by another version of lupine; rebuild it with 'lupine build'");
		else
			sb_adds(err, je->text);
		return -1;
	}
	if (version != BUNDLE_VERSION) {
		sb_addf(err, "bundle format %d, this lupine reads %d; rebuild it with 'lupine build'", version,
			BUNDLE_VERSION);
		return -1;
	}
	if (json_to_strlist(manifests, &b->manifests) < 0 || json_to_strlist(exposed, &b->exposed) < 0) {
		sb_adds(err, "bad manifests or exposed_ports");
		return -1;
	}
	if (!plain_name(kfile) || !plain_name(rfile)) {
		sb_adds(err, "file names must be plain names inside the bundle");
		return -1;
	}
	if (run_config_from_json(run, &b->run, err) < 0)
		return -1;
	b->kernel = xstrdup(kfile);
	b->rootfs = xstrdup(rfile);
	b->rootfs_format = xstrdup(rformat);
	b->config_hash = xstrdup(hash);
	b->kernel_label = xstrdup(label);
	b->cmdline = xstrdup(cmdline);
	b->net = net;
	b->kml = kml;
	return 0;
}

/* What a file that is not a regular one is, for the message refusing it. */
static const char *kind_of(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISCHR(m))
		return "a character device";
	return "a socket";
}

int bundle_file_open(const char *dir, const char *name, struct strbuf *err)
{
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1, e = 0;
	struct stat st;

	/* O_PATH: nothing is read or opened for real (a FIFO would block, a
	 * device act) before the checks; O_NOFOLLOW: a link is seen, not followed */
	if (dfd < 0 || (fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		e = errno;
		sb_addf(err, "cannot open '%s/%s': %s", dir, name, strerror(e));
	} else if (!S_ISREG(st.st_mode)) {
		e = EINVAL;
		sb_addf(err, "'%s/%s' is %s; a bundle's files must be regular files in it "
			     "(rebuild it with 'lupine build')",
			dir, name, kind_of(st.st_mode));
	}
	if (dfd >= 0)
		close(dfd);
	if (e && fd >= 0)
		close(fd);
	errno = e;
	return e ? -1 : fd;
}

/* DIR/lupine.json, read through its checked descriptor. NULL with err set. */
static json_t *load_json(const char *dir, json_error_t *je, struct strbuf *err)
{
	struct strbuf why = {0};
	int fd = bundle_file_open(dir, BUNDLE_JSON, &why);
	char *path;
	json_t *j = NULL;

	if (fd < 0) {
		if (errno == ENOENT)
			sb_addf(err, "'%s' is not a lupine bundle: no " BUNDLE_JSON, dir);
		else
			sb_adds(err, why.buf);
		sb_release(&why);
		return NULL;
	}
	path = fd_path(fd);
	if (!(j = json_load_file(path, 0, je)))
		sb_addf(err, "'%s' is not a lupine bundle: %s", dir, je->text);
	free(path);
	close(fd);
	return j;
}

int bundle_load(const char *dir, struct bundle *b, struct strbuf *err)
{
	char *path = xasprintf("%s/%s", dir, BUNDLE_JSON);
	struct strbuf why = {0};
	json_error_t je;
	json_t *j = NULL;
	int ret = -1;

	bundle_init(b);
	if (!is_dir(dir)) {
		sb_addf(err, "'%s' is not a bundle directory (make one with 'lupine build')", dir);
		goto out;
	}
	if (!(j = load_json(dir, &je, err)))
		goto out;
	if (unpack(j, b, &je, &why) < 0) {
		sb_addf(err, "'%s' is malformed: %s", path, why.buf);
		bundle_release(b);
		goto out;
	}
	ret = 0;
out:
	sb_release(&why);
	json_decref(j);
	free(path);
	return ret;
}

int bundle_replaceable(const char *dir)
{
	char *json = xasprintf("%s/%s", dir, BUNDLE_JSON);
	int ok = !path_exists(dir) || (is_dir(dir) && path_exists(json));

	free(json);
	return ok;
}

int bundle_commit(const char *staging, const char *dir, struct strbuf *err)
{
	if (path_exists(dir) && !bundle_replaceable(dir)) {
		sb_addf(err, "'%s' exists and is not a lupine bundle; choose another -o or remove it", dir);
		return -1;
	}
	/* at every instant one whole bundle is at dir: swap the new one in, then drop the old */
	if (renameat2(AT_FDCWD, staging, AT_FDCWD, dir, path_exists(dir) ? RENAME_EXCHANGE : RENAME_NOREPLACE) < 0) {
		sb_addf(err, "cannot put the bundle at '%s': %s", dir, strerror(errno));
		return -1;
	}
	rm_rf(staging); /* the old bundle, if there was one */
	return 0;
}
