/* runconfig.h: the run configuration, one schema (guest/protocol.h's
 * LUPINE_RUN_KEYS) in its two forms: the "run" object of a bundle's
 * lupine.json and the /lupine/run text the guest init reads. */
#ifndef LUPINE_RUNCONFIG_H
#define LUPINE_RUNCONFIG_H

#include <jansson.h>

#include "guest/protocol.h"
#include "lib/util.h"

struct run_config {
	struct strlist arg, env;   /* RUN_ARG, RUN_ENV */
	char *cwd, *hostname;      /* NULL: "/" and no change */
	long uid, gid;             /* -1: not set */
	struct strlist groups;     /* supplementary gids, decimal */
	char *ip, *gw, *dns;       /* per run: network set-up (NULL: none) */
	struct strlist routes;     /* per run: eth0's other routes, "A.B.C.D/N [via GW]" */
	long mtu;                  /* per run: eth0's MTU; -1: the NIC's */
	char *root;                /* per run: "DEV FSTYPE ro|rw" (NULL: stay in the initramfs) */
	char *ctl;                 /* per run: "port" or "console" (NULL: port) */
	char *stdin_mode;          /* per run: "pipe" or "null" (NULL: null) */
	char *stdio;               /* per run: "ports" or "console" (NULL: console) */
	/* the process spec (lupine-runc's config.json; NULL, empty, -1: unchanged) */
	struct strlist rlimit;     /* "RLIMIT_NAME SOFT HARD" */
	char *caps;                /* "BND EFF PRM INH AMB", hex masks */
	long no_new_privs;         /* 1: set */
	char *umask, *oom_score_adj; /* octal; -1000..1000 */
	struct strlist sysctl;     /* "name.of.key=VALUE" */
	struct strlist masked, ropaths; /* paths hidden; paths made read-only */
	long root_readonly;        /* 1: the init remounts / read-only once set up */
	struct strlist mount;      /* RUN_MOUNT: "TYPE SOURCE DEST OPTIONS" lines (bundle/volume.h) */
	char *terminal;            /* per run: "ROWS COLS", the application's stdio a pty (NULL: none) */
	char *exec;                /* per run: "port", exec requests served (lupine-runc; NULL: none) */
};

/* An empty config: uid, gid, mtu, no_new_privs and root_readonly not set.
 * Release with run_config_release. */
void run_config_init(struct run_config *rc);
void run_config_release(struct run_config *rc);
/* Sets KEY=VALUE in rc->env, replacing an entry with the same KEY. */
void run_config_setenv(struct run_config *rc, const char *kv);
/* Replaces a string field (copies value; NULL clears it). */
void run_config_set(char **field, const char *value);

/* The "run" object (new reference); keys that are not set are left out. */
json_t *run_config_to_json(const struct run_config *rc);
/* Reads a "run" object into rc (run_config_init'ed). Returns 0, or -1 with
 * err naming the bad key. An "arg" list is required and not empty. */
int run_config_from_json(json_t *obj, struct run_config *rc, struct strbuf *err);

/* The text of /lupine/run: "KEY VALUE" lines, \n \t \\ escaped. Caller frees. */
char *run_config_render(const struct run_config *rc);

#endif
