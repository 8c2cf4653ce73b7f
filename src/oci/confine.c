/* confine.c: config.json's confinement of the application (rlimits,
 * capability sets, no_new_privs, umask, oom_score_adj, sysctl, masked and
 * read-only paths) checked at create and put in the run config. What the
 * kernel would refuse at start (an unknown name, a soft limit above the hard
 * one, an effective capability not permitted) is refused here, in one line. */
#include "oci/confine.h"

#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP(n) [n] = #n
static const char *const cap_names[CAP_LAST_CAP + 1] = {
	CAP(CAP_CHOWN), CAP(CAP_DAC_OVERRIDE), CAP(CAP_DAC_READ_SEARCH), CAP(CAP_FOWNER), CAP(CAP_FSETID),
	CAP(CAP_KILL), CAP(CAP_SETGID), CAP(CAP_SETUID), CAP(CAP_SETPCAP), CAP(CAP_LINUX_IMMUTABLE),
	CAP(CAP_NET_BIND_SERVICE), CAP(CAP_NET_BROADCAST), CAP(CAP_NET_ADMIN), CAP(CAP_NET_RAW),
	CAP(CAP_IPC_LOCK), CAP(CAP_IPC_OWNER), CAP(CAP_SYS_MODULE), CAP(CAP_SYS_RAWIO), CAP(CAP_SYS_CHROOT),
	CAP(CAP_SYS_PTRACE), CAP(CAP_SYS_PACCT), CAP(CAP_SYS_ADMIN), CAP(CAP_SYS_BOOT), CAP(CAP_SYS_NICE),
	CAP(CAP_SYS_RESOURCE), CAP(CAP_SYS_TIME), CAP(CAP_SYS_TTY_CONFIG), CAP(CAP_MKNOD), CAP(CAP_LEASE),
	CAP(CAP_AUDIT_WRITE), CAP(CAP_AUDIT_CONTROL), CAP(CAP_SETFCAP), CAP(CAP_MAC_OVERRIDE),
	CAP(CAP_MAC_ADMIN), CAP(CAP_SYSLOG), CAP(CAP_WAKE_ALARM), CAP(CAP_BLOCK_SUSPEND), CAP(CAP_AUDIT_READ),
	CAP(CAP_PERFMON), CAP(CAP_BPF), CAP(CAP_CHECKPOINT_RESTORE),
};

static const char *const rlimit_names[] = {
	"RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_LOCKS",
	"RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_RSS",
	"RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK", NULL,
};

/* the capability sets, in the order of the run config's "caps" */
static const char *const cap_sets[] = {"bounding", "effective", "permitted", "inheritable", "ambient"};
enum { BND, EFF, PRM, INH, AMB, NSETS };

int oci_cap_number(const char *name)
{
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (cap_names[c] && !strcmp(name, cap_names[c]))
			return c;
	return -1;
}

/* The first capability in a but not in b, or NULL. */
static const char *cap_outside(uint64_t a, uint64_t b)
{
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if ((a & ~b) >> c & 1)
			return cap_names[c];
	return NULL;
}

static int caps_check(const uint64_t *m, struct strbuf *err)
{
	const char *c;

	if ((c = cap_outside(m[EFF], m[PRM])))
		sb_addf(err, "config.json: process.capabilities: %s is effective but not permitted, which the kernel "
			     "refuses: add it to permitted", c);
	else if ((c = cap_outside(m[AMB], m[PRM] & m[INH])))
		sb_addf(err, "config.json: process.capabilities: %s is ambient but not both permitted and "
			     "inheritable, which the kernel refuses: add it to both", c);
	else if ((c = cap_outside(m[INH], m[BND])))
		sb_addf(err, "config.json: process.capabilities: %s is inheritable but not in the bounding set, "
			     "which the kernel refuses: add it to bounding", c);
	return c ? -1 : 0;
}

static int caps_parse(json_t *caps, struct run_config *rc, struct strbuf *err)
{
	uint64_t m[NSETS] = {0};
	size_t i;
	json_t *v;

	if (caps && !json_is_object(caps)) {
		sb_adds(err, "config.json: process.capabilities must be an object of capability sets");
		return -1;
	}
	for (int s = 0; s < NSETS; s++) {
		json_t *list = json_object_get(caps, cap_sets[s]);
		if (list && !json_is_array(list)) {
			sb_addf(err, "config.json: process.capabilities.%s must be an array of names", cap_sets[s]);
			return -1;
		}
		json_array_foreach(list, i, v) {
			int c = json_is_string(v) ? oci_cap_number(json_string_value(v)) : -1;
			if (c < 0) {
				sb_addf(err, "config.json: process.capabilities.%s: unknown capability '%s' (names as "
					     "capabilities(7) gives them, e.g. CAP_NET_BIND_SERVICE)",
					cap_sets[s], json_is_string(v) ? json_string_value(v) : "(not a string)");
				return -1;
			}
			m[s] |= 1ULL << c;
		}
	}
	if (caps_check(m, err) < 0)
		return -1;
	free(rc->caps);
	rc->caps = xasprintf("%llx %llx %llx %llx %llx", (unsigned long long)m[BND], (unsigned long long)m[EFF],
			     (unsigned long long)m[PRM], (unsigned long long)m[INH], (unsigned long long)m[AMB]);
	return 0;
}

/* UINT64_MAX, the unlimited rlimit Docker writes for --ulimit X=-1, is
 * beyond jansson's integers: it becomes -1 here, everywhere outside strings. */
char *oci_json_unlimited(const char *text)
{
	static const char max[] = "18446744073709551615";
	struct strbuf sb = {0};
	int in_string = 0;

	for (const char *p = text; *p; p++) {
		if (in_string && *p == '\\' && p[1]) {
			sb_add(&sb, p++, 2);
			continue;
		}
		in_string ^= *p == '"';
		if (!in_string && !strncmp(p, max, sizeof(max) - 1) && !strchr("0123456789.eE+-", p[-1 * (p > text)]) &&
		    !strchr("0123456789.eE", p[sizeof(max) - 1] ? p[sizeof(max) - 1] : ' ')) {
			sb_adds(&sb, "-1");
			p += sizeof(max) - 2;
			continue;
		}
		sb_add(&sb, p, 1);
	}
	return sb.buf ? sb_detach(&sb) : xstrdup("");
}

/* A limit: 0 or more, or -1 (unlimited, see oci_json_unlimited); -2 when it is neither. */
static long long limit_of(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= -1 ? (long long)json_integer_value(v) : -2;
}

/* One process.rlimits entry, i-th, as "RLIMIT_NAME SOFT HARD"; a type given twice is refused. */
static int rlimit_parse(json_t *r, size_t i, struct run_config *rc, struct strbuf *err)
{
	const char *type = json_string_value(json_object_get(r, "type"));
	json_t *soft = json_object_get(r, "soft"), *hard = json_object_get(r, "hard");
	size_t k;

	for (k = 0; type && rlimit_names[k] && strcmp(type, rlimit_names[k]); k++)
		;
	if (!type || !rlimit_names[k]) {
		sb_addf(err, "config.json: process.rlimits[%zu]: unknown type '%s' (one of RLIMIT_NOFILE, "
			     "RLIMIT_NPROC, RLIMIT_CORE, ... as setrlimit(2) names them)", i, type ? type : "(none)");
		return -1;
	}
	unsigned long long s = (unsigned long long)limit_of(soft), h = (unsigned long long)limit_of(hard);

	if (limit_of(soft) == -2 || limit_of(hard) == -2) {
		sb_addf(err, "config.json: process.rlimits %s: soft and hard must be integers, 0 or more (or "
			     "18446744073709551615: unlimited)", type);
		return -1;
	}
	if (s > h) {
		sb_addf(err, "config.json: process.rlimits %s: the soft limit %llu is above the hard limit %llu, "
			     "which setrlimit refuses", type, s, h);
		return -1;
	}
	for (size_t j = 0; j < rc->rlimit.n; j++)
		if (!strncmp(rc->rlimit.v[j], type, strlen(type)) && rc->rlimit.v[j][strlen(type)] == ' ') {
			sb_addf(err, "config.json: process.rlimits: %s is given twice", type);
			return -1;
		}
	char *line = xasprintf("%s %llu %llu", type, s, h);
	strlist_add(&rc->rlimit, line);
	free(line);
	return 0;
}

static int process_parse(json_t *p, struct run_config *rc, struct strbuf *err)
{
	json_t *rl = json_object_get(p, "rlimits"), *oom = json_object_get(p, "oomScoreAdj"), *r;
	json_t *umask = json_object_get(json_object_get(p, "user"), "umask");
	size_t i;

	if (rl && !json_is_array(rl)) {
		sb_adds(err, "config.json: process.rlimits must be an array of {type, soft, hard}");
		return -1;
	}
	json_array_foreach(rl, i, r)
		if (rlimit_parse(r, i, rc, err) < 0)
			return -1;
	if (oom && (!json_is_integer(oom) || json_integer_value(oom) < -1000 || json_integer_value(oom) > 1000)) {
		sb_adds(err, "config.json: process.oomScoreAdj must be an integer from -1000 to 1000");
		return -1;
	}
	if (oom)
		rc->oom_score_adj = xasprintf("%lld", (long long)json_integer_value(oom));
	if (umask && (!json_is_integer(umask) || json_integer_value(umask) < 0 || json_integer_value(umask) > 0777)) {
		sb_adds(err, "config.json: process.user.umask must be an integer from 0 to 0777 (511)");
		return -1;
	}
	if (umask)
		rc->umask = xasprintf("%04llo", (long long)json_integer_value(umask));
	if (json_is_true(json_object_get(p, "noNewPrivileges")))
		rc->no_new_privs = 1;
	return caps_parse(json_object_get(p, "capabilities"), rc, err);
}

/* A plain sysctl name: letters, digits, '_' and '-' between single dots. */
static int sysctl_name_ok(const char *k)
{
	size_t n;

	for (;; k += n + 1) {
		n = strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
		if (!n || (k[n] && k[n] != '.'))
			return 0;
		if (!k[n])
			return 1;
	}
}

static int sysctl_parse(json_t *sysctl, struct run_config *rc, struct strbuf *err)
{
	const char *key;
	json_t *v;

	if (sysctl && !json_is_object(sysctl)) {
		sb_adds(err, "config.json: linux.sysctl must be an object of \"name\": \"value\"");
		return -1;
	}
	json_object_foreach(sysctl, key, v) {
		if (!sysctl_name_ok(key)) {
			sb_addf(err, "config.json: linux.sysctl: '%s' is not a sysctl name (words of letters, digits, "
				     "'_' and '-' between dots, as net.ipv4.ip_forward)", key);
			return -1;
		}
		if (!json_is_string(v)) {
			sb_addf(err, "config.json: linux.sysctl: the value of %s must be a string", key);
			return -1;
		}
		if (rc->sysctl.n >= LUPINE_SPEC_LIST_MAX) {
			sb_addf(err, "config.json: linux.sysctl has more than %d entries, the most the guest's init takes",
				LUPINE_SPEC_LIST_MAX);
			return -1;
		}
		char *kv = xasprintf("%s=%s", key, json_string_value(v));
		strlist_add(&rc->sysctl, kv);
		free(kv);
	}
	return 0;
}

static int paths_parse(json_t *list, const char *field, struct strlist *out, struct strbuf *err)
{
	size_t i;
	json_t *v;

	if (list && !json_is_array(list)) {
		sb_addf(err, "config.json: linux.%s must be an array of absolute paths", field);
		return -1;
	}
	json_array_foreach(list, i, v) {
		const char *p = json_string_value(v);
		if (!p || p[0] != '/') {
			sb_addf(err, "config.json: linux.%s[%zu] is not an absolute path", field, i);
			return -1;
		}
		if (i >= LUPINE_SPEC_LIST_MAX) {
			sb_addf(err, "config.json: linux.%s has more than %d paths, the most the guest's init takes", field,
				LUPINE_SPEC_LIST_MAX);
			return -1;
		}
		strlist_add(out, p);
	}
	return 0;
}

int oci_confine_parse(json_t *config, struct run_config *rc, struct strbuf *err)
{
	json_t *lx = json_object_get(config, "linux");

	if (json_is_true(json_object_get(json_object_get(config, "root"), "readonly")))
		rc->root_readonly = 1;

	if (process_parse(json_object_get(config, "process"), rc, err) < 0 ||
	    sysctl_parse(json_object_get(lx, "sysctl"), rc, err) < 0 ||
	    paths_parse(json_object_get(lx, "maskedPaths"), "maskedPaths", &rc->masked, err) < 0 ||
	    paths_parse(json_object_get(lx, "readonlyPaths"), "readonlyPaths", &rc->ropaths, err) < 0)
		return -1;
	return 0;
}

static void list_copy(const struct strlist *from, struct strlist *to)
{
	strlist_release(to);
	for (size_t i = 0; i < from->n; i++)
		strlist_add(to, from->v[i]);
}

void oci_confine_copy(const struct run_config *from, struct run_config *to)
{
	list_copy(&from->rlimit, &to->rlimit);
	list_copy(&from->sysctl, &to->sysctl);
	list_copy(&from->masked, &to->masked);
	list_copy(&from->ropaths, &to->ropaths);
	run_config_set(&to->caps, from->caps);
	run_config_set(&to->umask, from->umask);
	run_config_set(&to->oom_score_adj, from->oom_score_adj);
	to->no_new_privs = from->no_new_privs;
	to->root_readonly = from->root_readonly;
}
