/* runconfig.c: the run configuration as JSON (in lupine.json) and as the init's text file,
 * both driven by the one key table in guest/protocol.h. */
#include "bundle/runconfig.h"
#include "lib/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_KEY_DEF(id, key, kind) [id] = {key, kind},
static const struct {
	const char *name;
	enum run_kind kind;
} keys[RUN_NKEYS] = {LUPINE_RUN_KEYS(RUN_KEY_DEF)};

/* The field behind key k, of the kind keys[k] says. */
static void *field(const struct run_config *rc, enum run_key k)
{
	struct run_config *m = (struct run_config *)rc;

	switch (k) {
	case RUN_ARG: return &m->arg;
	case RUN_ENV: return &m->env;
	case RUN_CWD: return &m->cwd;
	case RUN_UID: return &m->uid;
	case RUN_GID: return &m->gid;
	case RUN_GROUP: return &m->groups;
	case RUN_HOSTNAME: return &m->hostname;
	case RUN_IP: return &m->ip;
	case RUN_GW: return &m->gw;
	case RUN_DNS: return &m->dns;
	case RUN_ROUTE: return &m->routes;
	case RUN_MTU: return &m->mtu;
	case RUN_ROOT: return &m->root;
	case RUN_CTL: return &m->ctl;
	case RUN_STDIN: return &m->stdin_mode;
	case RUN_STDIO: return &m->stdio;
	case RUN_RLIMIT: return &m->rlimit;
	case RUN_CAPS: return &m->caps;
	case RUN_NNP: return &m->no_new_privs;
	case RUN_UMASK: return &m->umask;
	case RUN_OOM: return &m->oom_score_adj;
	case RUN_SYSCTL: return &m->sysctl;
	case RUN_MASK: return &m->masked;
	case RUN_ROPATH: return &m->ropaths;
	case RUN_ROOT_RO: return &m->root_readonly;
	case RUN_MOUNT: return &m->mount;
	case RUN_TERMINAL: return &m->terminal;
	case RUN_EXEC: return &m->exec;
	default: return NULL;
	}
}

void run_config_init(struct run_config *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->uid = rc->gid = rc->no_new_privs = rc->root_readonly = rc->mtu = -1;
}

void run_config_release(struct run_config *rc)
{
	for (int k = 0; k < RUN_NKEYS; k++) {
		if (keys[k].kind == RUN_LIST)
			strlist_release(field(rc, k));
		else if (keys[k].kind == RUN_STR)
			free(*(char **)field(rc, k));
	}
	run_config_init(rc);
}

void run_config_setenv(struct run_config *rc, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; i < rc->env.n; i++) {
		if (!strncmp(rc->env.v[i], kv, klen) && rc->env.v[i][klen] == '=') {
			free(rc->env.v[i]);
			rc->env.v[i] = xstrdup(kv);
			return;
		}
	}
	strlist_add(&rc->env, kv);
}

void run_config_set(char **f, const char *value)
{
	free(*f);
	*f = value ? xstrdup(value) : NULL;
}

json_t *run_config_to_json(const struct run_config *rc)
{
	json_t *o = json_object();

	for (int k = 0; k < RUN_NKEYS; k++) {
		const void *f = field(rc, k);
		if (keys[k].kind == RUN_LIST)
			json_object_set_new(o, keys[k].name, json_from_strlist(f));
		else if (keys[k].kind == RUN_STR && *(char *const *)f)
			json_object_set_new(o, keys[k].name, json_string(*(char *const *)f));
		else if (keys[k].kind == RUN_INT && *(const long *)f >= 0)
			json_object_set_new(o, keys[k].name, json_integer(*(const long *)f));
	}
	return o;
}

static int value_from_json(json_t *v, enum run_key k, struct run_config *rc)
{
	switch (keys[k].kind) {
	case RUN_LIST:
		return v ? json_to_strlist(v, field(rc, k)) : -1;
	case RUN_STR:
		if (!json_is_string(v))
			return -1;
		run_config_set(field(rc, k), json_string_value(v));
		return 0;
	case RUN_INT:
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 0xfffffffe)
			return -1;
		*(long *)field(rc, k) = (long)json_integer_value(v);
		return 0;
	}
	return -1;
}

int run_config_from_json(json_t *obj, struct run_config *rc, struct strbuf *err)
{
	const char *name;
	json_t *v;

	if (!json_is_object(obj)) {
		sb_adds(err, "\"run\" is not an object");
		return -1;
	}
	json_object_foreach(obj, name, v) {
		int k;
		for (k = 0; k < RUN_NKEYS && strcmp(keys[k].name, name); k++)
			;
		if (k == RUN_NKEYS) {
			sb_addf(err, "unknown run key \"%s\"", name);
			return -1;
		}
		if (value_from_json(v, k, rc) < 0) {
			sb_addf(err, "bad value for run key \"%s\"", name);
			return -1;
		}
	}
	if (!rc->arg.n) {
		sb_adds(err, "no command (\"run\": {\"arg\": [...]})");
		return -1;
	}
	return 0;
}

static void put(struct strbuf *sb, const char *key, const char *value)
{
	sb_addf(sb, "%s ", key);
	for (const char *p = value; *p; p++) {
		if (*p == '\n')
			sb_adds(sb, "\\n");
		else if (*p == '\t')
			sb_adds(sb, "\\t");
		else if (*p == '\\')
			sb_adds(sb, "\\\\");
		else
			sb_add(sb, p, 1);
	}
	sb_adds(sb, "\n");
}

char *run_config_render(const struct run_config *rc)
{
	struct strbuf sb = {0};
	char num[32];

	for (int k = 0; k < RUN_NKEYS; k++) {
		const void *f = field(rc, k);
		if (keys[k].kind == RUN_LIST) {
			const struct strlist *l = f;
			for (size_t i = 0; i < l->n; i++)
				put(&sb, keys[k].name, l->v[i]);
		} else if (keys[k].kind == RUN_STR && *(char *const *)f) {
			put(&sb, keys[k].name, *(char *const *)f);
		} else if (keys[k].kind == RUN_INT && *(const long *)f >= 0) {
			snprintf(num, sizeof(num), "%ld", *(const long *)f);
			put(&sb, keys[k].name, num);
		}
	}
	return sb_detach(&sb);
}
