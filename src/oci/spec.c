/* spec.c: an OCI runtime bundle's config.json, as much as a Lupine microVM can honour.
 *
 * Honoured: process (args, env, cwd, user with its additionalGids exactly;
 * terminal: oci/console.h), root (path, readonly), hostname,
 * linux.resources.memory.limit (the guest's memory), linux.namespaces'
 * network entry (whose interface the VM takes over; the source of the bind
 * mount on /etc/resolv.conf gives the guest's nameserver), linux.cgroupsPath with the memory, CPU and pids limits
 * (oci/cgroup.h), hooks (oci/hooks.h), mounts (oci/mounts.c: the kernel's
 * own filesystems with their options, host directories and files bound
 * in), annotations org.lupine.kernel and org.lupine.apps; and, applied by
 * the guest's init (confine.c checks them): process.rlimits, capabilities,
 * noNewPrivileges, user.umask, oomScoreAdj, linux.sysctl, maskedPaths and
 * readonlyPaths. Refused: user namespace id maps. Ignored, as a VM makes
 * them moot: the other namespaces, seccomp (it would confine the app's own
 * kernel's system calls: not applied yet). */
#include "oci/spec.h"
#include "oci/warm.h"
#include "oci/confine.h"
#include "oci/hooks.h"
#include "oci/mounts.h"
#include "oci/pod.h"
#include "oci/sandbox.h"
#include "lib/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int oci_process_parse(json_t *p, const char *what, struct oci_spec *s, struct strbuf *err)
{
	json_t *user = json_object_get(p, "user"), *gids;
	const char *cwd = json_string_value(json_object_get(p, "cwd"));

	if (!json_is_object(p) || json_to_strlist(json_object_get(p, "args"), &s->args) < 0 || !s->args.n) {
		sb_addf(err, "%s: process.args must be a non-empty array of strings", what);
		return -1;
	}
	if (json_to_strlist(json_object_get(p, "env"), &s->env) < 0) {
		sb_addf(err, "%s: process.env must be an array of KEY=VALUE strings", what);
		return -1;
	}
	s->cwd = xstrdup(cwd && *cwd ? cwd : "/");
	if (s->cwd[0] != '/') {
		sb_addf(err, "%s: process.cwd '%s' is not an absolute path", what, s->cwd);
		return -1;
	}
	s->terminal = json_is_true(json_object_get(p, "terminal"));
	if (json_is_object(user)) {
		json_int_t uid = json_integer_value(json_object_get(user, "uid"));
		json_int_t gid = json_integer_value(json_object_get(user, "gid"));
		if (uid < 0 || gid < 0 || uid > 0xfffffffe || gid > 0xfffffffe) {
			sb_addf(err, "%s: process.user uid/gid out of range", what);
			return -1;
		}
		s->uid = (unsigned)uid;
		s->gid = (unsigned)gid;
		size_t i;
		json_t *g;
		gids = json_object_get(user, "additionalGids");
		json_array_foreach(gids, i, g) {
			char num[24];
			if (!json_is_integer(g) || json_integer_value(g) < 0 || json_integer_value(g) > 0xfffffffe) {
				sb_addf(err, "%s: process.user.additionalGids must be group ids (0 to 4294967294)", what);
				return -1;
			}
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(g));
			strlist_add(&s->groups, num);
		}
	}
	return 0;
}

static int load_root(json_t *root, const char *bundle, struct oci_spec *s, struct strbuf *err)
{
	const char *path = json_string_value(json_object_get(root, "path"));

	if (!path || !*path) {
		sb_adds(err, "config.json: root.path is missing; lupine-runc boots the container's root filesystem");
		return -1;
	}
	s->root = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", bundle, path);
	s->readonly = json_is_true(json_object_get(root, "readonly"));
	if (!is_dir(s->root)) {
		sb_addf(err, "config.json: root.path '%s' is not a directory", s->root);
		return -1;
	}
	return 0;
}

/* linux.namespaces' network one: a new namespace, or the one at its path. */
static void load_netns(json_t *lx, struct oci_spec *s)
{
	json_t *ns;
	size_t i;

	json_array_foreach(json_object_get(lx, "namespaces"), i, ns) {
		const char *type = json_string_value(json_object_get(ns, "type"));
		const char *path = json_string_value(json_object_get(ns, "path"));
		if (type && !strcmp(type, "network")) {
			s->netns = 1;
			free(s->netns_path);
			s->netns_path = path && *path ? xstrdup(path) : NULL;
		}
	}
}

/* The file the engine means as the container's resolv.conf. */
static void find_resolv(json_t *mounts, struct oci_spec *s)
{
	size_t i;
	json_t *m;

	json_array_foreach(mounts, i, m) {
		const char *dst = json_string_value(json_object_get(m, "destination"));
		const char *src = json_string_value(json_object_get(m, "source"));
		if (dst && src && src[0] == '/' && !strcmp(dst, "/etc/resolv.conf")) {
			free(s->resolv_conf);
			s->resolv_conf = xstrdup(src);
		}
	}
}

static int load_linux(json_t *lx, struct oci_spec *s, struct strbuf *err)
{
	json_t *mem = json_object_get(json_object_get(json_object_get(lx, "resources"), "memory"), "limit");

	if (json_array_size(json_object_get(lx, "uidMappings")) || json_array_size(json_object_get(lx, "gidMappings"))) {
		sb_adds(err, "config.json: linux.uidMappings/gidMappings (a user namespace) cannot be honoured: the "
			     "application's ids are its own inside the VM");
		return -1;
	}
	if (json_is_integer(mem) && json_integer_value(mem) > 0) {
		json_int_t mib = json_integer_value(mem) / (1024 * 1024);
		if (mib < OCI_MIN_MEMORY_MIB) {
			sb_addf(err, "config.json: linux.resources.memory.limit is %lld bytes; a Lupine VM needs at "
				     "least %d MiB (it is never raised silently)",
				(long long)json_integer_value(mem), OCI_MIN_MEMORY_MIB);
			return -1;
		}
		s->memory_mib = mib > 65536 ? 65536 : (int)mib;
	}
	load_netns(lx, s);
	return 0;
}

static int load_annotations(json_t *a, struct oci_spec *s, struct strbuf *err)
{
	const char *k = json_string_value(json_object_get(a, "org.lupine.kernel"));
	const char *apps = json_string_value(json_object_get(a, "org.lupine.apps"));
	const char *ports = json_string_value(json_object_get(a, "org.lupine.ports"));
	const char *type = json_string_value(json_object_get(a, OCI_SANDBOX_ANNOTATION));
	const char *pod = json_string_value(json_object_get(a, OCI_POD_ANNOTATION));

	s->kernel = k && *k ? xstrdup(k) : NULL;
	s->apps = apps && *apps ? xstrdup(apps) : NULL;
	if (oci_warm_annotation(a, s, err) < 0)
		return -1;
	s->pod = type && !strcmp(type, "container") && pod && *pod ? xstrdup(pod) : NULL;
	if (s->kernel && s->apps) {
		sb_adds(err, "config.json: annotations org.lupine.kernel and org.lupine.apps both pick the kernel; give one");
		return -1;
	}
	for (const char *p = ports; p && *p;) {
		size_t n = strcspn(p, ",");
		char *one = xstrndup(p, n);
		if (!*one || strspn(one, "0123456789:") != n) {
			sb_addf(err, "config.json: annotation org.lupine.ports '%s': expected PORT or HOSTPORT:GUESTPORT, "
				     "comma-separated", ports);
			free(one);
			return -1;
		}
		char *spec = strchr(one, ':') ? xstrdup(one) : xasprintf("%s:%s", one, one);
		strlist_add(&s->ports, spec);
		free(spec);
		free(one);
		p += n + (p[n] == ',');
	}
	return 0;
}

int oci_spec_parse(const char *text, const char *bundle, struct oci_spec *s, struct strbuf *err)
{
	json_error_t je;
	char *fixed = oci_json_unlimited(text);
	json_t *j = json_loads(fixed, 0, &je), *hooks;
	const char *host;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	run_config_init(&s->confine);
	if (!json_is_object(j)) {
		sb_addf(err, "config.json is not a JSON object (line %d: %s)", je.line, je.text);
		goto out;
	}
	hooks = json_object_get(j, "hooks");
	if (oci_hooks_check(hooks, err) < 0 || oci_cgroup_parse(json_object_get(j, "linux"), &s->cgroup, err) < 0)
		goto out;
	if ((s->sandbox = oci_sandbox_is(json_object_get(j, "annotations")))) {
		/* the holder runs nothing of the image: its mounts and process are moot */
		load_netns(json_object_get(j, "linux"), s);
		ret = 0;
		goto out;
	}
	find_resolv(json_object_get(j, "mounts"), s);
	if (oci_process_parse(json_object_get(j, "process"), "config.json", s, err) < 0 ||
	    load_root(json_object_get(j, "root"), bundle, s, err) < 0 ||
	    oci_mounts_load(json_object_get(j, "mounts"), bundle, &s->vol, err) < 0 ||
	    load_linux(json_object_get(j, "linux"), s, err) < 0 || oci_confine_parse(j, &s->confine, err) < 0)
		goto out;
	host = json_string_value(json_object_get(j, "hostname"));
	s->hostname = host && *host ? xstrdup(host) : NULL;
	if (load_annotations(json_object_get(j, "annotations"), s, err) < 0)
		goto out;
	ret = 0;
out:
	json_decref(j);
	free(fixed);
	if (ret < 0)
		oci_spec_release(s);
	return ret;
}

int oci_spec_load(const char *bundle, struct oci_spec *s, struct strbuf *err)
{
	char *path = xasprintf("%s/config.json", bundle), *text = file_read(path, NULL);
	int r;

	if (!text) {
		memset(s, 0, sizeof(*s));
		sb_addf(err, "cannot read '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	r = oci_spec_parse(text, bundle, s, err);
	free(text);
	free(path);
	return r;
}

void oci_spec_release(struct oci_spec *s)
{
	strlist_release(&s->args);
	strlist_release(&s->env);
	strlist_release(&s->groups);
	volumes_release(&s->vol);
	strlist_release(&s->ports);
	free(s->cwd);
	free(s->root);
	free(s->hostname);
	free(s->netns_path);
	free(s->resolv_conf);
	free(s->kernel);
	free(s->apps);
	free(s->snapshot);
	free(s->pod);
	run_config_release(&s->confine);
	oci_cgroup_release(&s->cgroup);
	memset(s, 0, sizeof(*s));
}
