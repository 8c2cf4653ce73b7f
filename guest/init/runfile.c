/* runfile.c: read /lupine/run, the run configuration in guest/protocol.h's one schema. */
#include "init.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_MAX LUPINE_RUN_FILE_MAX

static char run_buf[RUN_MAX + 1];
/* Undo the host's escapes \n, \t and \\ in place; any other "\c" is "c". */
static char *unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r == '\\' && r[1])
			r++, *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
		else
			*w++ = *r;
	}
	*w = '\0';
	return s;
}

static int parse_id(const char *s, long *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!isdigit((unsigned char)*s) || *end || v >= 0xffffffffUL)
		return -1;
	*out = (long)v;
	return 0;
}

static int add_group(const char *s)
{
	long id;

	if (parse_id(s, &id) < 0 || run.ngroups >= GROUPS_MAX)
		return -1;
	run.groups[run.ngroups++] = (gid_t)id;
	return 0;
}

/* "A.B.C.D/N" into addr and mask. */
static int parse_cidr(char *s, struct in_addr *addr, struct in_addr *mask)
{
	char *slash = strchr(s, '/'), *end = NULL;
	long prefix = slash ? strtol(slash + 1, &end, 10) : -1;

	if (!slash || !isdigit((unsigned char)slash[1]) || *end || prefix < 0 || prefix > 32)
		return -1;
	*slash = '\0';
	mask->s_addr = htonl(prefix ? 0xffffffffU << (32 - prefix) : 0);
	return inet_pton(AF_INET, s, addr) == 1 ? 0 : -1;
}

/* "A.B.C.D/N" or "A.B.C.D/N via GW". */
static int add_route(char *s)
{
	struct run_route *r = &run.routes[run.nroutes];
	char *via = strstr(s, " via ");

	if (run.nroutes >= ROUTES_MAX)
		return -1;
	if (via) {
		*via = '\0';
		if (inet_pton(AF_INET, via + 5, &r->gw) != 1)
			return -1;
		r->has_gw = 1;
	}
	if (parse_cidr(s, &r->dst, &r->mask) < 0)
		return -1;
	r->dst.s_addr &= r->mask.s_addr;
	run.nroutes++;
	return 0;
}

static int parse_mtu(const char *s)
{
	/* 68: IPv4's least; 65535: what a virtio-net device takes */
	return parse_id(s, &run.mtu) < 0 || run.mtu < 68 || run.mtu > 65535 ? -1 : 0;
}

static int parse_root(char *s)
{
	char *fs = strchr(s, ' '), *mode = fs ? strchr(fs + 1, ' ') : NULL;

	if (!mode || (strcmp(mode + 1, "ro") && strcmp(mode + 1, "rw")))
		return -1;
	*fs++ = *mode++ = '\0';
	run.root_dev = s;
	run.root_fs = fs;
	run.root_ro = !strcmp(mode, "ro");
	return 0;
}

/* "ROWS COLS", each 0 to 65535. */
static int parse_size(const char *s)
{
	unsigned long v[2];

	for (int i = 0; i < 2; i++) {
		char *end;
		if (*s < '0' || *s > '9' || (v[i] = strtoul(s, &end, 10)) > 65535 || *end != (i ? '\0' : ' '))
			return -1;
		s = end + 1;
	}
	run.terminal = 1;
	run.rows = (unsigned short)v[0];
	run.cols = (unsigned short)v[1];
	return 0;
}

static int push(char **list, int *n, char *item)
{
	if (*n >= LIST_MAX)
		return -1;
	list[(*n)++] = item;
	return 0;
}

static int list_add(struct run_list *l, char *item)
{
	if (l->n >= LUPINE_SPEC_LIST_MAX)
		return -1;
	l->v[l->n++] = item;
	return 0;
}

#define RUN_KEY_ENTRY(id, key, kind) [id] = key,
static const char *const run_keys[RUN_NKEYS] = { LUPINE_RUN_KEYS(RUN_KEY_ENTRY) };

static int run_key_of(const char *key)
{
	for (int k = 0; k < RUN_NKEYS; k++)
		if (!strcmp(key, run_keys[k]))
			return k;
	return -1;
}

/* Take in one "KEY VALUE" line; -1 when a known key has a bad value. */
static int run_line(char *key, int lineno)
{
	char *val = strchr(key, ' ');
	struct in_addr dns;

	if (val)
		*val++ = '\0';
	val = unescape(val ? val : key + strlen(key));
	switch (run_key_of(key)) {
	case RUN_ARG: return push(run.argv, &run.argc, val);
	case RUN_ENV: return strchr(val, '=') ? push(run.envp, &run.envc, val) : -1;
	case RUN_UID: return parse_id(val, &run.uid);
	case RUN_GID: return parse_id(val, &run.gid);
	case RUN_GROUP: return add_group(val);
	case RUN_IP: return (run.has_ip = parse_cidr(val, &run.ip, &run.mask) == 0) ? 0 : -1;
	case RUN_ROUTE: return add_route(val);
	case RUN_MTU: return parse_mtu(val);
	case RUN_GW: return (run.has_gw = inet_pton(AF_INET, val, &run.gw) == 1) ? 0 : -1;
	case RUN_DNS: return inet_pton(AF_INET, (run.dns = val), &dns) == 1 ? 0 : -1;
	case RUN_ROOT: return parse_root(val);
	case RUN_RLIMIT: return list_add(&run.rlimits, val);
	case RUN_SYSCTL: return strchr(val, '=') ? list_add(&run.sysctls, val) : -1;
	case RUN_MASK: return *val == '/' ? list_add(&run.masked, val) : -1;
	case RUN_ROPATH: return *val == '/' ? list_add(&run.ropaths, val) : -1;
	case RUN_CAPS: run.caps = val; return 0;
	case RUN_UMASK: run.umask = val; return 0;
	case RUN_OOM: run.oom_score_adj = val; return 0;
	case RUN_NNP: return parse_id(val, &run.no_new_privs);
	case RUN_ROOT_RO: return parse_id(val, &run.root_readonly);
	case RUN_MOUNT:
		if (run.nmounts >= LUPINE_MOUNT_MAX)
			return -1;
		run.mounts[run.nmounts++] = val;
		return 0;
	case RUN_CWD: run.cwd = val; return 0;
	case RUN_HOSTNAME: run.hostname = val; return 0;
	case RUN_STDIN:
		run.stdin_pipe = !strcmp(val, "pipe");
		return run.stdin_pipe || !strcmp(val, "null") ? 0 : -1;
	case RUN_STDIO:
		run.stdio_ports = !strcmp(val, "ports");
		return run.stdio_ports || !strcmp(val, "console") ? 0 : -1;
	case RUN_TERMINAL: return parse_size(val);
	case RUN_EXEC:
		run.exec_port = !strcmp(val, "port");
		return 0;
	case RUN_CTL:
		run.ctl_console = !strcmp(val, "console");
		return run.ctl_console || !strcmp(val, "port") ? 0 : -1;
	default:
		if (*key)
			say(RUN_FILE ":%d: unknown key '%s', ignored", lineno, key);
		return 0;
	}
}

int run_parse(char *text, const char *name)
{
	char *next = text, *line;
	int lineno = 0;

	while ((line = strsep(&next, "\n")))
		if (run_line(line, ++lineno) < 0)
			return fail("%s:%d: bad '%s' (or too many)", name, lineno, line);
	if (!run.argc)
		return fail("%s: no 'arg': nothing to run", name);
	return 0;
}

int run_read(int fd)
{
	ssize_t n = 0, len = 0;

	while (len < RUN_MAX && (n = read(fd, run_buf + len, RUN_MAX - len)) > 0)
		len += n;
	close(fd);
	if (n < 0 || len >= RUN_MAX)
		return fail("cannot read " RUN_FILE ": %s", n < 0 ? strerror(errno) : "too long");
	run_buf[len] = '\0';
	return run_parse(run_buf, RUN_FILE);
}

int run_load(void)
{
	int fd = open(RUN_FILE, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail("no " RUN_FILE ": %s", strerror(errno));
	return run_read(fd);
}
