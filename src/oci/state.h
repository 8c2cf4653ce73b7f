/* state.h: lupine-runc's record of one container: ROOT/ID/ holds state.json
 * (id, bundle, creation time, the monitor's pid and the create that made it,
 * each with its start time), the start FIFO the monitor waits on, "started"
 * once start has released it, config.json (the bundle's, as create read it:
 * the hooks and annotations the later verbs need), vm/ (the Lupine bundle
 * made from the container's root) and, while its VM runs, exec.sock (the
 * monitor's, for lupine-runc exec: oci/execmux.h). Nothing here signals a process: a pid counts only with
 * its start time (lib/proc.h proc_signal). */
#ifndef LUPINE_OCI_STATE_H
#define LUPINE_OCI_STATE_H

#include "lib/util.h"

#include <sys/types.h>

struct oci_state {
	char *id, *bundle, *dir, *created; /* dir: ROOT/ID; created: RFC 3339 */
	pid_t pid;                         /* the monitor: its exit status is the app's; 0 until it is forked */
	unsigned long long pid_start;      /* the monitor's proc_stat start_time */
	pid_t creator;                     /* the create that records it, and its start_time */
	unsigned long long creator_start;
	char *cgroup;                      /* the host cgroup path it has (oci/cgroup.h); NULL: none */
};

/* creating: no monitor yet, its create alive; created: the monitor waits for
 * start; running: started, the monitor alive; stopped: the monitor gone (or
 * its pid another process's), or a create that died before forking it. */
struct json_t;

enum oci_status { OCI_CREATING, OCI_CREATED, OCI_RUNNING, OCI_STOPPED };

/* Whether id is a container name lupine-runc accepts, by runc's rule:
 * letters, digits, '_', '+', '-' and '.', and not "." or "..". */
int oci_id_valid(const char *id);
/* Loads ROOT/ID. 0, or -1 with err "container ID does not exist" (the words
 * containerd's shim matches on) or why the record is unreadable. */
int oci_state_load(const char *root, const char *id, struct oci_state *s, struct strbuf *err);
/* Writes s->dir/state.json atomically. 0 or -1 with err. */
int oci_state_save(const struct oci_state *s, struct strbuf *err);
void oci_state_release(struct oci_state *s);
/* Where the container is (see enum oci_status): a process counts as alive
 * only while its pid has the start time recorded, so a reused pid is stopped. */
enum oci_status oci_state_status(const struct oci_state *s);
const char *oci_status_name(enum oci_status st);
/* --pid-file: pid written to path (NULL: nothing) as go-runc reads it,
 * atomically. 0 or -1 with err. */
int oci_pid_file_write(const char *path, pid_t pid, struct strbuf *err);
/* A path in the container's directory (caller frees). */
char *oci_state_file(const struct oci_state *s, const char *name);
/* The state JSON `runc state` prints and hooks read, as status st, with
 * annotations (config.json's, may be NULL) (caller frees). */
char *oci_state_json(const struct oci_state *s, enum oci_status st, struct json_t *annotations);
/* The record's copy of config.json (config.json, as create read it), for
 * the hooks and annotations after create; NULL when it has none. */
struct json_t *oci_state_config(const struct oci_state *s);

#endif
