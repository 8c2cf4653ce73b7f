/* confine.h: what config.json asks to confine the application with inside
 * the guest (process.rlimits, capabilities, noNewPrivileges, user.umask,
 * oomScoreAdj; linux.sysctl, maskedPaths, readonlyPaths), checked at create
 * and turned into the run config keys the guest init applies
 * (guest/init/process.c, confine.c). */
#ifndef LUPINE_OCI_CONFINE_H
#define LUPINE_OCI_CONFINE_H

#include <jansson.h>

#include "bundle/runconfig.h"

/* Reads config (the whole config.json object) into rc's process-spec fields
 * (rlimit, caps, no_new_privs, umask, oom_score_adj, sysctl, masked,
 * ropaths, root_readonly: root.readonly). No process.capabilities means every set empty, as runc gives
 * it. Returns 0, or -1 with a one-line err naming the field and the fix. */
int oci_confine_parse(json_t *config, struct run_config *rc, struct strbuf *err);

/* text with every UINT64_MAX outside strings (Docker's unlimited rlimit,
 * beyond jansson's integers) written -1, which the rlimits take as
 * unlimited. Caller frees. */
char *oci_json_unlimited(const char *text);

/* Replaces to's process-spec fields with copies of from's. */
void oci_confine_copy(const struct run_config *from, struct run_config *to);

/* The number of capability NAME ("CAP_CHOWN"), or -1 when it is not one. */
int oci_cap_number(const char *name);

#endif
