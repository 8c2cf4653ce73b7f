/* mounts.c: config.json's mounts, in the spec's order, as a Lupine guest makes them.
 *
 * proc, sysfs, tmpfs, devpts and mqueue are made by the guest kernel with
 * their options; cgroup (v1 hierarchies, which a VM has no host's to show)
 * becomes the guest's own cgroup2, or nothing when its kernel has none (the
 * init says so). A bind mount's source is a host path (config.json is the
 * trusted caller's): a directory is shared with virtio-9p, a file's contents
 * travel to the guest (bundle/volume.h). The destination is resolved in the
 * guest, as the container sees it. */
#include "oci/mounts.h"
#include "lib/json.h"

#include <stdlib.h>
#include <string.h>

/* Options a bind mount may carry: how it is made (bind, propagation: one VM,
 * nothing to propagate to), ro/rw, and the flags the guest applies. */
static const char *const bind_opts[] = {"bind", "rbind", "private", "rprivate", "shared", "rshared", "slave",
					"rslave", "unbindable", "runbindable", "ro", "rw", "nosuid", "nodev",
					"noexec", "suid", "dev", "exec", "relatime", "norelatime", "noatime",
					"atime", "strictatime", "nodiratime", NULL};
static const char *const kept_flags[] = {"nosuid", "nodev", "noexec", "relatime", "noatime", "strictatime",
					 "nodiratime", NULL};

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

static int load_bind(size_t i, const char *src, const char *dst, const struct strlist *opts, const char *bundle,
		     struct volumes *v, struct strbuf *err)
{
	struct strlist flags = {0};
	char *path;
	int ro = 0, r;

	for (size_t k = 0; k < opts->n; k++) {
		/* "mode=755" and the like are a filesystem's data, which a bind
		 * mount takes no notice of (runc passes them; the kernel drops them) */
		if (strchr(opts->v[k], '='))
			continue;
		if (!in_list(opts->v[k], bind_opts)) {
			sb_addf(err, "config.json: mounts[%zu] (%s): option '%s' cannot apply to a host directory or "
				     "file in a VM", i, dst, opts->v[k]);
			strlist_release(&flags);
			return -1;
		}
		if (!strcmp(opts->v[k], "ro") || !strcmp(opts->v[k], "rw"))
			ro = !strcmp(opts->v[k], "ro");
		else if (in_list(opts->v[k], kept_flags))
			strlist_add(&flags, opts->v[k]);
	}
	if (!src || !*src) {
		sb_addf(err, "config.json: mounts[%zu] (%s): a bind mount needs a source", i, dst);
		strlist_release(&flags);
		return -1;
	}
	path = src[0] == '/' ? xstrdup(src) : xasprintf("%s/%s", bundle, src);
	if ((r = volumes_add_bind(v, path, dst, ro, &flags, err)) < 0) {
		char *why = sb_detach(err);
		sb_addf(err, "config.json: mounts[%zu]: %s", i, why);
		free(why);
	}
	free(path);
	strlist_release(&flags);
	return r;
}

/* One entry of the array. */
static int load_one(size_t i, json_t *m, const char *bundle, struct volumes *v, struct strbuf *err)
{
	const char *dst = json_string_value(json_object_get(m, "destination"));
	const char *type = json_string_value(json_object_get(m, "type"));
	const char *src = json_string_value(json_object_get(m, "source"));
	json_t *o = json_object_get(m, "options");
	struct strlist opts = {0};
	int r = -1;

	if (!dst || !volume_dest_ok(dst)) {
		sb_addf(err, "config.json: mounts[%zu] has no absolute destination free of '.' and '..'", i);
		return -1;
	}
	if (o && json_to_strlist(o, &opts) < 0) {
		sb_addf(err, "config.json: mounts[%zu] (%s): options must be an array of strings", i, dst);
		strlist_release(&opts); /* what it took before the bad one */
		return -1;
	}
	if (strlist_has(&opts, "bind") || strlist_has(&opts, "rbind") || (type && !strcmp(type, "bind"))) {
		r = load_bind(i, src, dst, &opts, bundle, v, err);
	} else if (!type || !*type) {
		sb_addf(err, "config.json: mounts[%zu] (%s) has no type and is no bind mount", i, dst);
	} else if ((r = volumes_add_fs(v, !strcmp(type, "cgroup") ? "cgroup2" : type, src, dst, &opts, err)) < 0) {
		char *why = sb_detach(err);
		sb_addf(err, "config.json: mounts[%zu]: %s", i, why);
		free(why);
	}
	strlist_release(&opts);
	return r;
}

int oci_mounts_load(json_t *mounts, const char *bundle, struct volumes *v, struct strbuf *err)
{
	size_t i;
	json_t *m;

	if (mounts && !json_is_array(mounts)) {
		sb_adds(err, "config.json: mounts must be an array");
		return -1;
	}
	json_array_foreach(mounts, i, m)
		if (load_one(i, m, bundle, v, err) < 0)
			return -1;
	return 0;
}
