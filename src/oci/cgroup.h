/* cgroup.h: the container's cgroup on the host, as runc's cgroupfs driver
 * makes it: linux.cgroupsPath under each hierarchy, linux.resources' memory,
 * CPU and pids limits written there, the monitor moved in (QEMU, its child,
 * follows), the directories removed on delete. cgroup v1 (each controller's
 * hierarchy under /sys/fs/cgroup; a hybrid host's unified one is left alone)
 * and pure v2 (/sys/fs/cgroup is cgroup2) are told apart by the filesystem.
 *
 * The memory limit is the whole VM's on the host: the guest gets the limit
 * as its RAM (spec.h memory_mib), and the host's limit is that plus
 * OCI_VMM_HEADROOM_MIB for QEMU itself (its own heap, TCG's translation
 * cache, the virtio queues), so the guest filling its RAM does not get QEMU
 * killed by the host's OOM killer. */
#ifndef LUPINE_OCI_CGROUP_H
#define LUPINE_OCI_CGROUP_H

#include "lib/util.h"

#include <jansson.h>
#include <sys/types.h>

/* What QEMU needs above the guest's RAM: with a 64 MiB guest under TCG the
 * cgroup peaked at 98 MiB here, QEMU's VmHWM at 86 (tests/test_hooks_runc.c
 * prints them). A TCG app with much code can grow QEMU's translation cache past it. */
#define OCI_VMM_HEADROOM_MIB 96

struct oci_cgroup {
	char *path;                     /* under each hierarchy's root, "/a/b"; NULL: none asked */
	long long memory;               /* the guest's RAM limit in bytes; 0: none, -1: unlimited */
	long long cpu_quota;            /* microseconds a period; 0: none, -1: unlimited */
	unsigned long long cpu_period;  /* microseconds; 0: none */
	unsigned long long cpu_shares;  /* 0: none */
	long long pids;                 /* 0: none, -1: unlimited */
};

/* linux.cgroupsPath and linux.resources (lx: config.json's "linux", may be
 * NULL) into c (zeroed first). cgroupsPath "/a/b" (or "a/b": both taken
 * from the hierarchy's root), or systemd's "slice:prefix:name", mapped to
 * the path systemd would give it ("/system.slice/prefix-name.scope"). 0, or
 * -1 with a one-line err. */
int oci_cgroup_parse(json_t *lx, struct oci_cgroup *c, struct strbuf *err);
/* The path to use for container id: c->path, or "/lupine-runc/ID" when
 * limits were given without a path, or NULL when neither (no cgroup). Caller frees. */
char *oci_cgroup_path(const struct oci_cgroup *c, const char *id);
/* Makes the cgroup path (from oci_cgroup_path) with c's limits and moves pid
 * into it. 0, or -1 with err: the caller kills pid and removes path. */
int oci_cgroup_apply(const struct oci_cgroup *c, const char *path, pid_t pid, struct strbuf *err);
/* Removes path's directories once their processes are gone (waiting up to
 * 5 s for a dying QEMU). 0, or -1 with err. */
int oci_cgroup_remove(const char *path, struct strbuf *err);
void oci_cgroup_release(struct oci_cgroup *c);

#endif
