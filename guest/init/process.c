/* process.c: the application's own confinement, in its child before exec, in
 * runc's order: rlimits and oom_score_adj while it may still raise them, the
 * umask, the bounding set, the user's ids with PR_SET_KEEPCAPS (so a non-root
 * user keeps the permitted set through setuid), then the effective, permitted
 * and inheritable sets, the ambient ones, and no_new_privs. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* capset(2)'s ABI, version 3: two 32-bit words per set (musl has no header for it) */
#define CAPS_V3 0x20080522
struct caps_header {
	uint32_t version;
	int pid;
};
struct caps_data {
	uint32_t effective, permitted, inheritable;
};
enum { CAPS_BND, CAPS_EFF, CAPS_PRM, CAPS_INH, CAPS_AMB, CAPS_SETS };

#define R(name) { #name, name }
static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	R(RLIMIT_AS), R(RLIMIT_CORE), R(RLIMIT_CPU), R(RLIMIT_DATA), R(RLIMIT_FSIZE), R(RLIMIT_LOCKS),
	R(RLIMIT_MEMLOCK), R(RLIMIT_MSGQUEUE), R(RLIMIT_NICE), R(RLIMIT_NOFILE), R(RLIMIT_NPROC),
	R(RLIMIT_RSS), R(RLIMIT_RTPRIO), R(RLIMIT_RTTIME), R(RLIMIT_SIGPENDING), R(RLIMIT_STACK),
};

static const char *nosys_hint(int err)
{
	return err == ENOSYS ? " (kernel without CONFIG_MULTIUSER)" : "";
}

/* N unsigned numbers in base BASE, separated by single spaces, the whole of S; -1 when it is not that. */
static int numbers(const char *s, int base, uint64_t *out, int n)
{
	char *end;

	for (int i = 0; i < n; i++, s = end + 1) {
		if (!isxdigit((unsigned char)*s))
			return -1;
		errno = 0;
		out[i] = strtoull(s, &end, base);
		if (errno || *end != (i + 1 < n ? ' ' : '\0'))
			return -1;
	}
	return 0;
}

/* "RLIMIT_NAME SOFT HARD" (not sscanf: musl's scanf would add a third to the init) */
static int rlimit_set(const char *line)
{
	size_t len = strcspn(line, " ");
	uint64_t v[2];

	if (!line[len] || numbers(line + len + 1, 10, v, 2) < 0)
		return say("bad rlimit '%s'", line), -1;
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++) {
		struct rlimit rl = { .rlim_cur = v[0], .rlim_max = v[1] };
		if (strlen(rlimits[i].name) != len || strncmp(line, rlimits[i].name, len))
			continue;
		if (setrlimit(rlimits[i].resource, &rl) < 0)
			return say("cannot set %s: %s", line, strerror(errno)), -1;
		return 0;
	}
	return say("unknown rlimit '%.*s'", (int)len, line), -1;
}

static int oom_set(const char *value)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC), err;
	ssize_t n = fd < 0 ? -1 : write(fd, value, strlen(value));

	err = errno;
	if (fd >= 0)
		close(fd);
	if (n == (ssize_t)strlen(value))
		return 0;
	if (fd < 0 && err == ENOENT)
		return say("cannot set oom_score_adj: no /proc/self/oom_score_adj (kernel without CONFIG_PROC_FS)"), -1;
	return say("cannot set oom_score_adj to %s: %s", value, strerror(err)), -1;
}

static int umask_set(const char *value)
{
	char *end;
	unsigned long m = strtoul(value, &end, 8);

	if (!*value || *end || m > 0777)
		return say("bad umask '%s'", value), -1;
	umask((mode_t)m);
	return 0;
}

static int creds_set(void)
{
	/* ids it already has need no change, and no CONFIG_MULTIUSER: images
	 * that say "User: root" run on kernels without users */
	if ((run.uid < 0 || (uid_t)run.uid == getuid()) && (run.gid < 0 || (gid_t)run.gid == getgid()) &&
	    !run.ngroups)
		return 0;
	/* ENOSYS: a kernel without users; setgid() below names the option. */
	if (setgroups((size_t)run.ngroups, run.groups) < 0 && (errno != ENOSYS || run.ngroups))
		return say("cannot set supplementary groups: %s%s", strerror(errno), nosys_hint(errno)), -1;
	if (run.gid >= 0 && setgid((gid_t)run.gid) < 0)
		return say("cannot set gid %ld: %s%s", run.gid, strerror(errno), nosys_hint(errno)), -1;
	if (run.uid >= 0 && setuid((uid_t)run.uid) < 0)
		return say("cannot set uid %ld: %s%s", run.uid, strerror(errno), nosys_hint(errno)), -1;
	return 0;
}

/* Drop what the bounding set leaves out; every capability asked for must be one this kernel knows. */
static int caps_bounding(const uint64_t *m)
{
	uint64_t all = 0;
	int c, r;

	for (c = 0; c < 64 && (r = (int)prctl(PR_CAPBSET_READ, c, 0, 0, 0)) >= 0; c++)
		if (r == 1 && !(m[CAPS_BND] >> c & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return say("cannot drop capability %d from the bounding set: %s", c, strerror(errno)), -1;
	for (int s = 0; s < CAPS_SETS; s++)
		all |= m[s];
	if (c < 64 && all >> c)
		return say("capability %d is asked for, and this kernel knows only 0-%d", 63 - __builtin_clzll(all),
			   c - 1), -1;
	return 0;
}

/* The effective, permitted and inheritable sets, then the ambient one. */
static int caps_set(const uint64_t *m)
{
	struct caps_header h = { CAPS_V3, 0 };
	struct caps_data d[2];

	for (int i = 0; i < 2; i++)
		d[i] = (struct caps_data){ (uint32_t)(m[CAPS_EFF] >> 32 * i), (uint32_t)(m[CAPS_PRM] >> 32 * i),
					   (uint32_t)(m[CAPS_INH] >> 32 * i) };
	if (syscall(SYS_capset, &h, d) < 0)
		return say("cannot set the capability sets: %s%s", strerror(errno), nosys_hint(errno)), -1;
	for (int c = 0; c < 64; c++)
		if (m[CAPS_AMB] >> c & 1 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return say("cannot raise ambient capability %d: %s", c, strerror(errno)), -1;
	return 0;
}

/* The user's ids, with the capability sets around them when the run has them. */
static int ids_and_caps(void)
{
	uint64_t m[CAPS_SETS];

	if (!run.caps)
		return creds_set();
	if (numbers(run.caps, 16, m, CAPS_SETS) < 0)
		return say("bad capability sets '%s'", run.caps), -1;
	if (caps_bounding(m) < 0)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return say("cannot keep capabilities across setuid: %s", strerror(errno)), -1;
	if (creds_set() < 0)
		return -1;
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return caps_set(m);
}

int process_confine(void)
{
	for (int i = 0; i < run.rlimits.n; i++)
		if (rlimit_set(run.rlimits.v[i]) < 0)
			return -1;
	if ((run.oom_score_adj && oom_set(run.oom_score_adj) < 0) || (run.umask && umask_set(run.umask) < 0))
		return -1;
	if (ids_and_caps() < 0)
		return -1;
	if (run.no_new_privs == 1 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return say("cannot set no_new_privs: %s", strerror(errno)), -1;
	return 0;
}
