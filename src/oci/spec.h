/* spec.h: an OCI runtime bundle's config.json, as much of it as a Lupine
 * microVM can honour; everything else is refused with a one-line reason. */
#ifndef LUPINE_OCI_SPEC_H
#define LUPINE_OCI_SPEC_H

#include "bundle/runconfig.h"
#include "bundle/volume.h"
#include "lib/util.h"
#include "oci/cgroup.h"

/* Lupine's smallest guest memory (as lupine run's -m). */
#define OCI_MIN_MEMORY_MIB 16
/* The guest's memory when config.json sets no limit. */
#define OCI_DEFAULT_MEMORY_MIB 128

struct oci_spec {
	struct strlist args, env;   /* process.args, process.env */
	char *cwd;                  /* process.cwd ("/" when absent) */
	unsigned uid, gid;          /* process.user */
	struct strlist groups;      /* process.user.additionalGids, as decimal strings */
	int terminal;               /* process.terminal */
	char *root;                 /* root.path, absolute (relative ones are taken from the bundle) */
	int readonly;               /* root.readonly */
	char *hostname;
	int memory_mib;             /* linux.resources.memory.limit in MiB; 0: none given */
	int netns;                  /* a network namespace is asked for */
	char *netns_path;           /* ... an existing one (NULL: a new one) */
	char *resolv_conf;          /* the source of a bind mount on /etc/resolv.conf (Docker's, the
				     * kubelet's): where the guest's nameserver comes from */
	char *kernel;               /* annotation org.lupine.kernel: a kernel SPEC as
				     * lupine bench takes it ("redis+kml", "microvm") */
	char *apps;                 /* annotation org.lupine.apps: "nginx,redis" */
	char *snapshot;             /* annotation org.lupine.snapshot: start by restoring this
				     * snapshot (oci/warm.h), absolute */
	struct strlist ports;       /* annotation org.lupine.ports: "6379,8080:80" split;
				     * forwarded in the VM's network namespace */
	struct volumes vol;         /* mounts: the guest's mount lines, in order, and
				     * the host directories they share (oci/mounts.c) */
	struct run_config confine;  /* rlimits, capabilities, no_new_privs, umask,
				     * oom_score_adj, sysctl, masked and read-only
				     * paths: the run config's process-spec keys (confine.h) */
	struct oci_cgroup cgroup;   /* linux.cgroupsPath and the host limits of linux.resources */
	int sandbox;                /* a pod's sandbox (pause) container: no VM, only
				     * netns and cgroup read (oci/sandbox.h) */
	char *pod;                  /* an application container's pod (its sandbox's id,
				     * oci/pod.h); NULL outside a CRI pod */
};

/* Reads BUNDLE/config.json into s (zeroed first). Returns 0, or -1 with a
 * one-line err naming the field and why it cannot be honoured. */
int oci_spec_load(const char *bundle, struct oci_spec *s, struct strbuf *err);
/* The same from JSON text; bundle resolves a relative root.path. */
int oci_spec_parse(const char *json, const char *bundle, struct oci_spec *s, struct strbuf *err);
void oci_spec_release(struct oci_spec *s);
/* An OCI process object into s's args, env, cwd, uid, gid, groups and
 * terminal (config.json's, or an exec's process.json: what names it in a
 * message). 0, or -1 with err. */
struct json_t;
int oci_process_parse(struct json_t *p, const char *what, struct oci_spec *s, struct strbuf *err);

#endif
