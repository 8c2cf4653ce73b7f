/* state.h: lupine-runc's record of one container: ROOT/ID/ holds state.json
 * (id, bundle, the monitor's pid, creation time), the start FIFO the monitor
 * waits on, "started" once start has released it, and vm/ (the Lupine
 * bundle made from the container's root). */
#ifndef LUPINE_OCI_STATE_H
#define LUPINE_OCI_STATE_H

#include "lib/util.h"

#include <sys/types.h>

struct oci_state {
	char *id, *bundle, *dir, *created; /* dir: ROOT/ID; created: RFC 3339 */
	pid_t pid;                         /* the monitor: its exit status is the app's */
};

enum oci_status { OCI_CREATING, OCI_CREATED, OCI_RUNNING, OCI_STOPPED };

/* Whether id is a container name lupine-runc accepts (letters, digits, _ . -; no path). */
int oci_id_valid(const char *id);
/* Loads ROOT/ID. 0, or -1 with err "container ID does not exist" (the words
 * containerd's shim matches on) or why the record is unreadable. */
int oci_state_load(const char *root, const char *id, struct oci_state *s, struct strbuf *err);
/* Writes s->dir/state.json atomically. 0 or -1 with err. */
int oci_state_save(const struct oci_state *s, struct strbuf *err);
void oci_state_release(struct oci_state *s);
/* created (monitor waiting), running (started, monitor alive) or stopped. */
enum oci_status oci_state_status(const struct oci_state *s);
const char *oci_status_name(enum oci_status st);
/* A path in the container's directory (caller frees). */
char *oci_state_file(const struct oci_state *s, const char *name);
/* The state JSON `runc state` prints (caller frees). */
char *oci_state_json(const struct oci_state *s);

#endif
