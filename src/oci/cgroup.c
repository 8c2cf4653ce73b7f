/* cgroup.c: the container's cgroup on the host (cgroupfs, v1 or v2). */
#include "oci/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define CG_ROOT "/sys/fs/cgroup"

/* The v1 hierarchies a container joins: those its limits need, and cpuacct's accounting. */
static const char *const v1_ctrls[] = {"memory", "cpu", "cpuacct", "pids", NULL};

static int fs_is(const char *path, long magic)
{
	struct statfs s;
	return statfs(path, &s) == 0 && s.f_type == magic;
}

/* systemd's slice name "a-b.slice" as its path "/a.slice/a-b.slice" (runc's
 * ExpandSlice); "-.slice" is the root. NULL when it is no slice name. */
static char *expand_slice(const char *slice)
{
	struct strbuf path = {0}, prefix = {0};
	size_t n = strlen(slice);
	char *base, *save = NULL;

	if (!str_ends(slice, ".slice") || strchr(slice, '/') || n == 6)
		return NULL;
	if (!strcmp(slice, "-.slice"))
		return xstrdup("");
	base = xstrndup(slice, n - 6);
	if (base[0] == '-' || str_ends(base, "-") || strstr(base, "--")) {
		free(base);
		return NULL;
	}
	for (char *w = strtok_r(base, "-", &save); w; w = strtok_r(NULL, "-", &save)) {
		sb_addf(&path, "/%s%s.slice", prefix.buf ? prefix.buf : "", w);
		sb_addf(&prefix, "%s-", w);
	}
	free(base);
	sb_release(&prefix);
	return path.buf;
}

/* "slice:prefix:name" as systemd's path for it; NULL when not of that form. */
static char *systemd_path(const char *spec, struct strbuf *err)
{
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char *slice, *parent, *path = NULL;

	if (!c2 || strchr(c2 + 1, ':') || !c2[1]) {
		sb_addf(err, "config.json: linux.cgroupsPath '%s': expected /PATH or systemd's slice:prefix:name", spec);
		return NULL;
	}
	slice = c1 == spec ? xstrdup("system.slice") : xstrndup(spec, (size_t)(c1 - spec));
	if (!(parent = expand_slice(slice)))
		sb_addf(err, "config.json: linux.cgroupsPath '%s': '%s' is not a systemd slice name", spec, slice);
	else if (str_ends(c2 + 1, ".slice"))
		path = xasprintf("%s/%s", parent, c2 + 1); /* the name is a slice of its own */
	else
		path = xasprintf("%s/%.*s%s%s.scope", parent, (int)(c2 - c1 - 1), c1 + 1, c2 - c1 > 1 ? "-" : "",
				 c2 + 1);
	free(parent);
	free(slice);
	return path;
}

static int load_path(const char *p, struct oci_cgroup *c, struct strbuf *err)
{
	if (!p || !*p)
		return 0;
	c->path = p[0] != '/' && strchr(p, ':') ? systemd_path(p, err) : xasprintf("%s%s", p[0] == '/' ? "" : "/", p);
	if (!c->path)
		return -1;
	if (strstr(c->path, "/../") || str_ends(c->path, "/..") || !strcmp(c->path, "/")) {
		sb_addf(err, "config.json: linux.cgroupsPath '%s' names no cgroup of its own (.. or the root)", p);
		return -1;
	}
	return 0;
}

/* An integer field of o: 1 with *v when it is one, 0 when absent, -1 when not an integer. */
static int int_field(json_t *o, const char *key, long long *v)
{
	json_t *j = json_object_get(o, key);

	if (!j || json_is_null(j))
		return 0;
	if (!json_is_integer(j))
		return -1;
	*v = json_integer_value(j);
	return 1;
}

int oci_cgroup_parse(json_t *lx, struct oci_cgroup *c, struct strbuf *err)
{
	json_t *res = json_object_get(lx, "resources"), *cpu = json_object_get(res, "cpu");
	long long mem = 0, quota = 0, period = 0, shares = 0, pids = 0;
	int bad = 0;

	memset(c, 0, sizeof(*c));
	if (load_path(json_string_value(json_object_get(lx, "cgroupsPath")), c, err) < 0) {
		oci_cgroup_release(c);
		return -1;
	}
	bad |= int_field(json_object_get(res, "memory"), "limit", &mem) < 0;
	bad |= int_field(cpu, "quota", &quota) < 0 || int_field(cpu, "period", &period) < 0;
	bad |= int_field(cpu, "shares", &shares) < 0 || int_field(json_object_get(res, "pids"), "limit", &pids) < 0;
	if (bad || period < 0 || shares < 0 || quota < -1 || mem < -1) {
		sb_adds(err, "config.json: linux.resources: memory.limit, cpu.quota, cpu.period, cpu.shares and "
			     "pids.limit must be integers (-1 or above 0)");
		oci_cgroup_release(c);
		return -1;
	}
	c->memory = mem;
	c->cpu_quota = quota;
	c->cpu_period = (unsigned long long)period;
	c->cpu_shares = (unsigned long long)shares;
	c->pids = pids < 0 ? -1 : pids; /* the spec: 0 or below is unlimited once given */
	if (!pids && json_object_get(json_object_get(res, "pids"), "limit"))
		c->pids = -1;
	return 0;
}

char *oci_cgroup_path(const struct oci_cgroup *c, const char *id)
{
	if (c->path)
		return xstrdup(c->path);
	if (c->memory || c->cpu_quota || c->cpu_period || c->cpu_shares || c->pids)
		return xasprintf("/lupine-runc/%s", id);
	return NULL;
}

static int put(const char *dir, const char *file, const char *value, struct strbuf *err)
{
	char *path = xasprintf("%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = -1;
	size_t n = strlen(value);

	if (fd >= 0 && write(fd, value, n) == (ssize_t)n)
		r = 0;
	if (r < 0)
		sb_addf(err, "cannot write '%s' to the container's cgroup '%s': %s", value, path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(path);
	return r;
}

static int put_num(const char *dir, const char *file, long long v, const char *none, struct strbuf *err)
{
	char num[32];

	if (v < 0 && none)
		return put(dir, file, none, err);
	snprintf(num, sizeof(num), "%lld", v);
	return put(dir, file, num, err);
}

/* The limits one v1 controller's directory takes. */
static int limits_v1(const struct oci_cgroup *c, const char *ctrl, const char *dir, struct strbuf *err)
{
	long long headroom = (long long)OCI_VMM_HEADROOM_MIB << 20;

	if (!strcmp(ctrl, "memory") && c->memory)
		return put_num(dir, "memory.limit_in_bytes", c->memory < 0 ? -1 : c->memory + headroom, NULL, err);
	if (!strcmp(ctrl, "pids") && c->pids)
		return put_num(dir, "pids.max", c->pids, "max", err);
	if (strcmp(ctrl, "cpu"))
		return 0;
	if (c->cpu_shares && put_num(dir, "cpu.shares", (long long)c->cpu_shares, NULL, err) < 0)
		return -1;
	/* the period first: a quota is checked against the period in force */
	if (c->cpu_period && put_num(dir, "cpu.cfs_period_us", (long long)c->cpu_period, NULL, err) < 0)
		return -1;
	return c->cpu_quota ? put_num(dir, "cpu.cfs_quota_us", c->cpu_quota, NULL, err) : 0;
}

/* cgroup v2's files: memory.max, cpu.weight (from shares, as runc maps them), cpu.max, pids.max. */
static int limits_v2(const struct oci_cgroup *c, const char *dir, struct strbuf *err)
{
	long long headroom = (long long)OCI_VMM_HEADROOM_MIB << 20;
	char cpu_max[64];

	if (c->memory && put_num(dir, "memory.max", c->memory < 0 ? -1 : c->memory + headroom, "max", err) < 0)
		return -1;
	if (c->pids && put_num(dir, "pids.max", c->pids, "max", err) < 0)
		return -1;
	if (c->cpu_shares &&
	    put_num(dir, "cpu.weight", 1 + ((long long)c->cpu_shares - 2) * 9999 / 262142, NULL, err) < 0)
		return -1;
	if (!c->cpu_quota && !c->cpu_period)
		return 0;
	if (c->cpu_quota > 0)
		snprintf(cpu_max, sizeof(cpu_max), "%lld %llu", c->cpu_quota, c->cpu_period ? c->cpu_period : 100000);
	else
		snprintf(cpu_max, sizeof(cpu_max), "max %llu", c->cpu_period ? c->cpu_period : 100000);
	return put(dir, "cpu.max", cpu_max, err);
}

/* v2: the controllers the limits need, enabled from the root down to path's parent. */
static void enable_v2(const char *path)
{
	static const char *const ctrls[] = {"+memory", "+cpu", "+pids"};
	char *dir = xasprintf("%s%s", CG_ROOT, path), *end = dir + strlen(CG_ROOT);
	struct strbuf ignored = {0};

	while (end) {
		*end = 0;
		for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++)
			put(dir, "cgroup.subtree_control", ctrls[i], &ignored); /* one missing: its limit says so */
		*end = '/';
		end = strchr(end + 1, '/');
	}
	sb_release(&ignored);
	free(dir);
}

/* One hierarchy: the directory, its limits, then pid in it. */
static int join(const struct oci_cgroup *c, const char *ctrl, const char *dir, pid_t pid, struct strbuf *err)
{
	if (mkdir_p(dir, 0755) < 0) {
		sb_addf(err, "cannot create the container's cgroup '%s': %s", dir, strerror(errno));
		return -1;
	}
	if ((ctrl ? limits_v1(c, ctrl, dir, err) : limits_v2(c, dir, err)) < 0)
		return -1;
	return put_num(dir, "cgroup.procs", pid, NULL, err);
}

int oci_cgroup_apply(const struct oci_cgroup *c, const char *path, pid_t pid, struct strbuf *err)
{
	int r = 0;

	if (fs_is(CG_ROOT, CGROUP2_SUPER_MAGIC)) {
		char *dir = xasprintf("%s%s", CG_ROOT, path);
		if (mkdir_p(dir, 0755) == 0)
			enable_v2(path); /* the parents exist now */
		r = join(c, NULL, dir, pid, err);
		free(dir);
	} else {
		for (size_t i = 0; v1_ctrls[i] && r == 0; i++) {
			char *hier = xasprintf("%s/%s", CG_ROOT, v1_ctrls[i]), *dir = xasprintf("%s%s", hier, path);
			if (fs_is(hier, CGROUP_SUPER_MAGIC))
				r = join(c, v1_ctrls[i], dir, pid, err);
			free(dir);
			free(hier);
		}
	}
	return r;
}

/* rmdir, retried while the last processes leave (EBUSY). */
static int remove_dir(const char *dir, struct strbuf *err)
{
	for (int t = 0; t < 500; t++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		usleep(10000);
	}
	sb_addf(err, "cannot remove the container's cgroup '%s': %s", dir, strerror(errno));
	return -1;
}

int oci_cgroup_remove(const char *path, struct strbuf *err)
{
	int r = 0;

	if (fs_is(CG_ROOT, CGROUP2_SUPER_MAGIC)) {
		char *dir = xasprintf("%s%s", CG_ROOT, path);
		r = remove_dir(dir, err);
		free(dir);
		return r;
	}
	for (size_t i = 0; v1_ctrls[i]; i++) {
		char *dir = xasprintf("%s/%s%s", CG_ROOT, v1_ctrls[i], path);
		if (remove_dir(dir, err) < 0)
			r = -1;
		free(dir);
	}
	return r;
}

void oci_cgroup_release(struct oci_cgroup *c)
{
	free(c->path);
	memset(c, 0, sizeof(*c));
}
