/* runtime.h: lupine-runc's verbs as library calls (create, start, kill,
 * delete, state, ps, features), for cmd/runc.c to call once each. Every one
 * returns 0, or -1 with a one-line err in the words containerd's shim
 * matches on ("container ID does not exist", "container not running"); none
 * exits. Containers are recorded under a root directory (oci/state.h). */
#ifndef LUPINE_OCI_RUNTIME_H
#define LUPINE_OCI_RUNTIME_H

#include "lib/util.h"

#define OCI_DEFAULT_ROOT "/run/lupine-runc"

/* What `lupine-runc create` was given. */
struct oci_create_req {
	const char *root;     /* where containers are recorded */
	const char *id;       /* the container's name (checked: oci_id_valid) */
	const char *bundle;   /* the OCI bundle: config.json and the root it names */
	const char *pid_file; /* where the monitor's pid goes (NULL: nowhere) */
	const char *console_socket; /* process.terminal: where the terminal's master goes
				     * (oci/console.h); required with it, refused without */
};

/* Records container id under root, builds its VM bundle from the OCI bundle
 * (kernel: org.lupine.kernel, else org.lupine.apps, else lupine-general),
 * forks its monitor, which waits for oci_start and keeps the caller's stdio,
 * puts it in its cgroup and runs the prestart, createRuntime and
 * createContainer hooks (oci/hooks.h): one failing fails create.
 * Builds take minutes when the kernel is not cached. On failure nothing is
 * left: no record, no monitor. Killed midway, it leaves a record that says
 * so (stopped), which delete removes, and no monitor. */
int oci_create(const struct oci_create_req *req, struct strbuf *err);

/* What `lupine-runc exec` was given (runc's options). */
struct oci_exec_req {
	const char *root, *id;
	const char *process;  /* --process FILE: the whole process (NULL: config.json's, as changed below) */
	char *const *argv;    /* the command, without --process */
	int argc;
	const char *cwd;      /* --cwd */
	const char *user;     /* --user UID[:GID] */
	const struct strlist *env, *groups, *caps; /* --env K=V (appended), --additional-gids, --cap */
	int tty, no_new_privs; /* --tty, --no-new-privs */
	int detach;           /* --detach: the process that stands for the exec is left running */
	const char *console_socket, *pid_file;
};

/* Starts a process in the running container id's VM (oci/execmux.h): a
 * process.json checked as config.json's process is (oci/spec.h, confine.h).
 * On the host a process stands for it: its stdio are the caller's, relayed
 * byte for byte to and from the guest's (with a terminal, a pty whose master
 * goes to console_socket, as runc sends it), signals to it reach the guest's
 * (SIGKILL kills that too), and it exits with its status (128+N for signal
 * N; 137 when the container ended first). With detach, that is a child
 * left running and its pid goes to pid_file; without, this process, and
 * *status is that status. 0 once it runs, or -1 with a one-line err: not
 * running ("cannot exec in a stopped container"), a bad process, or why the
 * guest could not start it ("cannot run 'x': not found"). */
int oci_exec(const struct oci_exec_req *rq, int *status, struct strbuf *err);

/* The relay of an exec's host process over sock (its monitor connection,
 * the process started): stdin (fd 0) in, stdout and stderr out, signals
 * and, with tty, resizes of fd 0's terminal on; the exit status. */
int oci_exec_relay(int sock, int tty);

/* A signal as `runc kill` takes it: a number from 1 to 64, or a name with or
 * without "SIG" (TERM, SIGKILL, INT, HUP, QUIT, USR1, USR2, WINCH).
 * Returns the number, or -1 when arg is none of these. */
int oci_signal_parse(const char *arg);

/* Releases a created container's monitor to boot the VM: runs the
 * startContainer hooks (one failing kills the monitor and fails start),
 * opens the start FIFO (the monitor holds it open while it lives), writes
 * ROOT/ID/started, then one byte into the FIFO, then runs the poststart
 * hooks (a failure adds a line to warn). Fails when the container is not in
 * the created state or its monitor is gone, and then leaves it not started. */
int oci_start(const char *root, const char *id, struct strbuf *warn, struct strbuf *err);
/* Sends sig to the container's monitor (its one host process; lupine run
 * passes the signal on to the application), checked by its start time. A
 * stopped container, one whose monitor is gone or whose pid is another
 * process's now, and one still being created, fail with "container not
 * running", nothing signalled. */
int oci_kill(const char *root, const char *id, int sig, struct strbuf *err);
/* Removes a stopped container's cgroup, record and VM bundle, then runs its
 * poststop hooks (a failure adds a line to warn). A created container is
 * killed first, as runc does; one being created, its create (and a monitor
 * it recorded meanwhile); a running one only with force. A create that died
 * midway left a stopped container: deleted like any other. */
int oci_delete(const char *root, const char *id, int force, struct strbuf *warn, struct strbuf *err);
/* The state JSON `runc state` prints, without a final newline, in *out (caller frees). */
int oci_state_print(const char *root, const char *id, char **out, struct strbuf *err);
/* `runc ps --format json`: the monitor's pid as a JSON list ("[123]", or "[]"
 * once stopped), without a final newline, in *out (caller frees). */
int oci_ps(const char *root, const char *id, char **out, struct strbuf *err);
/* The JSON `runc features` prints (static; one line, no final newline). */
const char *oci_features(void);

/* Appends a line of level ("error", "warning") to the runtime's log at path
 * (NULL: none): go-runc reads the last {"level":"error","msg":...} line
 * (json) for the shim's error, else "TIME error: MSG". */
void oci_log(const char *path, int json, const char *level, const char *msg);

#endif
