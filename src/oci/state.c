/* state.c: lupine-runc's record of one container, in ROOT/ID/. */
#include "oci/state.h"
#include "lib/json.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int oci_id_valid(const char *id)
{
	if (!*id || !strcmp(id, ".") || !strcmp(id, ".."))
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '+' || *p == '-' || *p == '.'))
			return 0;
	return 1;
}

char *oci_state_file(const struct oci_state *s, const char *name)
{
	return xasprintf("%s/%s", s->dir, name);
}

static const char *str_or_empty(json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));
	return v ? v : "";
}

/* A pid as recorded; anything but a positive one that fits is none (0). */
static pid_t pid_of(json_t *j, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(j, key));
	return v > 0 && v <= INT_MAX ? (pid_t)v : 0;
}

static void unpack(json_t *j, struct oci_state *s)
{
	s->bundle = xstrdup(str_or_empty(j, "bundle"));
	s->created = xstrdup(str_or_empty(j, "created"));
	s->pid = pid_of(j, "pid");
	s->pid_start = (unsigned long long)json_integer_value(json_object_get(j, "pid_start"));
	s->creator = pid_of(j, "creator");
	s->creator_start = (unsigned long long)json_integer_value(json_object_get(j, "creator_start"));
	s->cgroup = *str_or_empty(j, "cgroup") ? xstrdup(str_or_empty(j, "cgroup")) : NULL;
}

int oci_state_load(const char *root, const char *id, struct oci_state *s, struct strbuf *err)
{
	char *path;
	json_t *j;
	json_error_t je;

	memset(s, 0, sizeof(*s));
	if (!oci_id_valid(id)) {
		sb_addf(err, "container %s does not exist (not a valid container id)", id);
		return -1;
	}
	s->dir = xasprintf("%s/%s", root, id);
	path = oci_state_file(s, "state.json");
	j = json_load_file(path, 0, &je);
	if (!j) {
		if (errno == ENOENT || !path_exists(path))
			sb_addf(err, "container %s does not exist", id);
		else
			sb_addf(err, "cannot read '%s': %s", path, je.text);
		free(path);
		oci_state_release(s);
		return -1;
	}
	free(path);
	s->id = xstrdup(id);
	unpack(j, s);
	json_decref(j);
	return 0;
}

int oci_state_save(const struct oci_state *s, struct strbuf *err)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s}", "id", s->id, "bundle", s->bundle, "created",
			      s->created, "pid", (json_int_t)s->pid, "pid_start", (json_int_t)s->pid_start,
			      "creator", (json_int_t)s->creator, "creator_start", (json_int_t)s->creator_start,
			      "cgroup", s->cgroup ? s->cgroup : "");
	char *text = json_dumps(j, JSON_INDENT(1)), *path = oci_state_file(s, "state.json");
	int r = file_write_atomic(path, text, strlen(text), 0600);

	if (r < 0)
		sb_addf(err, "cannot write '%s': %s", path, strerror(errno));
	free(path);
	free(text);
	json_decref(j);
	return r;
}

void oci_state_release(struct oci_state *s)
{
	free(s->id);
	free(s->bundle);
	free(s->dir);
	free(s->created);
	free(s->cgroup);
	memset(s, 0, sizeof(*s));
}

/* Whether pid is alive, not a zombie, and the process that started at start. */
static int alive(pid_t pid, unsigned long long start)
{
	struct proc_stat st;

	return pid > 0 && proc_stat_read(pid, &st) == 0 && st.state != 'Z' && st.state != 'X' &&
	       st.start_time == start;
}

enum oci_status oci_state_status(const struct oci_state *s)
{
	char *started;
	int st;

	if (s->pid <= 0) /* no monitor yet: still being created, or its create died */
		return alive(s->creator, s->creator_start) ? OCI_CREATING : OCI_STOPPED;
	if (!alive(s->pid, s->pid_start))
		return OCI_STOPPED;
	started = oci_state_file(s, "started");
	st = path_exists(started);
	free(started);
	return st ? OCI_RUNNING : OCI_CREATED;
}

const char *oci_status_name(enum oci_status st)
{
	static const char *const names[] = {"creating", "created", "running", "stopped"};
	return names[st];
}

char *oci_state_json(const struct oci_state *s, enum oci_status st, json_t *annotations)
{
	char *rootfs = oci_state_file(s, "vm");
	json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "ociVersion", "1.0.2", "id", s->id, "status",
			      oci_status_name(st), "pid", st == OCI_STOPPED ? 0 : (int)s->pid, "bundle", s->bundle,
			      "rootfs", rootfs, "created", s->created, "owner", "");
	char *text;

	if (json_is_object(annotations))
		json_object_set(j, "annotations", annotations);
	text = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	free(rootfs);
	return text;
}

json_t *oci_state_config(const struct oci_state *s)
{
	char *path = oci_state_file(s, "config.json");
	json_t *j = json_load_file(path, 0, NULL);

	free(path);
	return j;
}

int oci_pid_file_write(const char *path, pid_t pid, struct strbuf *err)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%d", (int)pid); /* no newline: go-runc's Atoi takes no space */

	/* file_write_atomic: a new temporary name (O_EXCL|O_NOFOLLOW), renamed over path */
	if (path && file_write_atomic(path, num, (size_t)n, 0644) < 0) {
		sb_addf(err, "cannot write the pid file '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
