/* exec.c: lupine-runc exec: the process (--process FILE, or config.json's
 * with the command line's changes, as runc builds it), checked as create
 * checks config.json's, started in the running container's VM through its
 * monitor (oci/execmux.h); execio.c is the host process that stands for it. */
#include "oci/runtime.h"
#include "oci/console.h"
#include "oci/confine.h"
#include "oci/execmux.h"
#include "oci/sandbox.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "lib/json.h"
#include "lib/term.h"

#include "bundle/run.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* runc's --user: "UID[:GID]", numbers (there is no /etc/passwd of the VM's to read names in). */
static int set_user(json_t *p, const char *user, struct strbuf *err)
{
	json_t *u = json_object_get(p, "user");
	char *end;
	unsigned long uid = strtoul(user, &end, 10), gid = 0;

	if (*end == ':')
		gid = strtoul(end + 1, &end, 10);
	if (!*user || *user == ':' || *end || uid > 0xfffffffe || gid > 0xfffffffe) {
		sb_addf(err, "--user '%s': give UID or UID:GID as numbers", user);
		return -1;
	}
	if (!json_is_object(u))
		json_object_set_new(p, "user", u = json_object());
	json_object_set_new(u, "uid", json_integer((json_int_t)uid));
	json_object_set_new(u, "gid", json_integer((json_int_t)gid));
	return 0;
}

/* runc's --cap: added to the bounding, effective and permitted sets. */
static void add_caps(json_t *p, const struct strlist *caps)
{
	static const char *const sets[] = {"bounding", "effective", "permitted"};
	json_t *c = json_object_get(p, "capabilities");

	if (!caps || !caps->n)
		return;
	if (!json_is_object(c))
		json_object_set_new(p, "capabilities", c = json_object());
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
		json_t *a = json_object_get(c, sets[i]);
		if (!json_is_array(a))
			json_object_set_new(c, sets[i], a = json_array());
		for (size_t k = 0; k < caps->n; k++)
			json_array_append_new(a, json_string(caps->v[k]));
	}
}

/* config.json's process with the command line's changes. */
static int flags_process(const struct oci_exec_req *rq, json_t *p, struct strbuf *err)
{
	json_t *env = json_object_get(p, "env"), *u;

	if (rq->argc < 1) {
		sb_adds(err, "exec needs a command (or --process FILE); see 'lupine-runc --help'");
		return -1;
	}
	json_object_set_new(p, "args", json_array());
	for (int i = 0; i < rq->argc; i++)
		json_array_append_new(json_object_get(p, "args"), json_string(rq->argv[i]));
	if (rq->cwd)
		json_object_set_new(p, "cwd", json_string(rq->cwd));
	if (!json_is_array(env))
		json_object_set_new(p, "env", env = json_array());
	for (size_t i = 0; rq->env && i < rq->env->n; i++)
		json_array_append_new(env, json_string(rq->env->v[i]));
	json_object_set_new(p, "terminal", json_boolean(rq->tty));
	if (rq->user && set_user(p, rq->user, err) < 0)
		return -1;
	if (rq->groups && rq->groups->n) {
		if (!json_is_object(u = json_object_get(p, "user")))
			json_object_set_new(p, "user", u = json_object());
		json_t *g = json_array();
		for (size_t i = 0; i < rq->groups->n; i++)
			json_array_append_new(g, json_integer(strtoll(rq->groups->v[i], NULL, 10)));
		json_object_set_new(u, "additionalGids", g);
	}
	if (rq->no_new_privs)
		json_object_set_new(p, "noNewPrivileges", json_true());
	add_caps(p, rq->caps);
	return 0;
}

/* The process object: --process's file, or config.json's changed by the flags. */
static json_t *process_of(const struct oci_exec_req *rq, const struct oci_state *st, struct strbuf *err)
{
	json_t *cfg, *p = NULL;
	json_error_t je;

	if (rq->process) {
		char *text = file_read(rq->process, NULL), *fixed = text ? oci_json_unlimited(text) : NULL;
		if (!text)
			sb_addf(err, "cannot read --process '%s': %s", rq->process, strerror(errno));
		else if (!json_is_object(p = json_loads(fixed, 0, &je)))
			sb_addf(err, "--process '%s' is not a JSON object (line %d: %s)", rq->process, je.line, je.text);
		free(text);
		free(fixed);
		if (rq->tty && json_is_object(p))
			json_object_set_new(p, "terminal", json_true());
		return json_is_object(p) ? p : (json_decref(p), NULL);
	}
	if (!(cfg = oci_state_config(st))) {
		sb_addf(err, "container %s has no config.json in its record to take the process from", st->id);
		return NULL;
	}
	p = json_deep_copy(json_object_get(cfg, "process"));
	json_decref(cfg);
	if (!json_is_object(p))
		json_decref(p), p = json_object();
	if (flags_process(rq, p, err) < 0)
		return json_decref(p), NULL;
	return p;
}

/* The process as the init's run config text (guest/protocol.h EXEC_START). */
static char *start_text(json_t *p, const char *what, const char *size, int *tty, struct strbuf *err)
{
	struct oci_spec s;
	struct run_config rc;
	json_t *wrap = json_pack("{sO}", "process", p);
	char *text = NULL;

	memset(&s, 0, sizeof(s));
	run_config_init(&s.confine);
	run_config_init(&rc);
	if (oci_process_parse(p, what, &s, err) == 0 && oci_confine_parse(wrap, &s.confine, err) == 0) {
		oci_confine_copy(&s.confine, &rc);
		run_config_set(&rc.oom_score_adj, NULL); /* the container's; runc sets none for an exec */
		for (size_t i = 0; i < s.args.n; i++)
			strlist_add(&rc.arg, s.args.v[i]);
		for (size_t i = 0; i < s.env.n; i++)
			strlist_add(&rc.env, s.env.v[i]);
		for (size_t i = 0; i < s.groups.n; i++)
			strlist_add(&rc.groups, s.groups.v[i]);
		run_config_set(&rc.cwd, s.cwd);
		rc.uid = s.uid;
		rc.gid = s.gid;
		if ((*tty = s.terminal))
			run_config_set(&rc.terminal, size);
		text = run_config_render(&rc);
	}
	if (text && strlen(text) > 65535) {
		sb_addf(err, "%s: the process (%zu bytes as the init reads it) is over the 65535 an exec takes; "
			     "is its environment that large?", what, strlen(text));
		free(text);
		text = NULL;
	}
	json_decref(wrap);
	run_config_release(&rc);
	oci_spec_release(&s);
	return text;
}

static int read_full(int fd, char *buf, size_t n)
{
	while (n) {
		ssize_t r = read(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

/* EXEC_START, and the first answer: STARTED, or why not. 0, or -1 with err. */
static int start(int fd, const char *text, struct strbuf *err)
{
	struct strbuf q = {0};
	char h[LUPINE_EXEC_HDR], msg[65536];
	size_t n;
	int ok;

	oci_frame_put(&q, EXEC_START, 0, text, strlen(text));
	ok = write_all(fd, q.buf, q.len) == 0;
	sb_release(&q);
	/* a VM still booting answers once its init runs: as long as a run waits for that */
	if (ok && poll(&(struct pollfd){fd, POLLIN, 0}, 1, RUN_INIT_TIMEOUT * 1000) == 0) {
		sb_addf(err, "the container's init did not answer the exec in %d s", RUN_INIT_TIMEOUT);
		return -1;
	}
	if (!ok || read_full(fd, h, sizeof(h)) < 0) {
		sb_adds(err, "container not running: its monitor ended the exec");
		return -1;
	}
	n = (unsigned char)h[2] | (size_t)(unsigned char)h[3] << 8;
	if (h[0] == EXEC_STARTED && !n)
		return 0;
	if (h[0] == EXEC_EXIT) /* the VM ended as it started */
		sb_adds(err, "container not running: its VM ended");
	else if (h[0] != EXEC_ERROR || read_full(fd, msg, n) < 0)
		sb_adds(err, "the container's monitor answered the exec with something else");
	else {
		/* the guest's words: untrusted, one printable line */
		for (size_t i = 0; i < n; i++)
			msg[i] = msg[i] >= ' ' && msg[i] < 0x7f ? msg[i] : '?';
		sb_addf(err, "exec failed: %.*s", (int)n, msg);
	}
	return -1;
}

/* Where the exec may run: a running container's VM. 0, or -1 with runc's kind of err. */
static int check_running(const struct oci_exec_req *rq, struct oci_state *st, struct strbuf *err)
{
	enum oci_status status;

	json_t *cfg;
	int sandbox;

	if (oci_state_load(rq->root, rq->id, st, err) < 0)
		return -1;
	cfg = oci_state_config(st);
	sandbox = cfg && oci_sandbox_is(json_object_get(cfg, "annotations"));
	json_decref(cfg);
	if (sandbox) {
		sb_addf(err, "container %s is a pod's sandbox, held natively: there is no VM to exec in", st->id);
		return -1;
	}
	if ((status = oci_state_status(st)) == OCI_RUNNING)
		return 0;
	if (status == OCI_STOPPED)
		sb_adds(err, "cannot exec in a stopped container");
	else
		sb_addf(err, "cannot exec in a %s container: its VM boots at start", oci_status_name(status));
	return -1;
}

struct holder {
	int sock, tty, console;
};

/* The detached host process: the terminal its own, then the relay. */
static int holder(void *arg)
{
	const struct holder *h = arg;
	struct strbuf err = {0};

	if (h->console && oci_console_attach(&err) < 0)
		fprintf(stderr, "lupine-runc: %s\n", err.buf); /* the relay works, resizes do not reach it */
	sb_release(&err);
	return oci_exec_relay(h->sock, h->tty);
}

/* The process that stands for the exec: a child left running (detach), or this one. */
static int stand_in(const struct oci_exec_req *rq, int sock, int tty, int slave, int *status, struct strbuf *err)
{
	struct holder h = {sock, tty, slave >= 0};
	struct proc_opts o = {.in = slave, .out = slave, .err = slave, .outlive = 1, .keep = sock};
	pid_t pid;

	if (!rq->detach) {
		if (oci_pid_file_write(rq->pid_file, getpid(), err) < 0)
			return -1;
		*status = oci_exec_relay(sock, tty);
		return 0;
	}
	if ((pid = proc_fork(holder, &h, &o)) < 0) {
		sb_addf(err, "cannot start the exec's host process: %s", strerror(errno));
		return -1;
	}
	if (oci_pid_file_write(rq->pid_file, pid, err) < 0) {
		kill(pid, SIGKILL); /* its end kills the guest's process too */
		return -1;
	}
	*status = 0;
	return 0;
}

int oci_exec(const struct oci_exec_req *rq, int *status, struct strbuf *err)
{
	struct oci_state st = {0};
	json_t *p = NULL;
	char *text = NULL, size[32] = "24 80";
	unsigned rows, cols;
	int tty = 0, slave = -1, sock = -1, r = -1;

	/* our own terminal's size from the start; a console socket's pty gets the shim's with its first resize */
	if (!rq->console_socket && term_size(STDIN_FILENO, &rows, &cols) == 0 && rows && cols)
		snprintf(size, sizeof(size), "%u %u", rows, cols);
	if (check_running(rq, &st, err) < 0 || !(p = process_of(rq, &st, err)) ||
	    !(text = start_text(p, rq->process ? rq->process : "exec", size, &tty, err)))
		goto out;
	if (tty && rq->detach && !rq->console_socket) {
		sb_adds(err, "cannot allocate tty if runc will detach without setting console socket");
		goto out;
	}
	if (tty && rq->console_socket && oci_console_send(rq->console_socket, &slave, err) < 0)
		goto out;
	if ((sock = oci_exec_connect(&st, err)) < 0 || start(sock, text, err) < 0)
		goto out;
	r = stand_in(rq, sock, tty, slave, status, err);
out:
	if (sock >= 0)
		close(sock);
	if (slave >= 0)
		close(slave);
	json_decref(p);
	free(text);
	oci_state_release(&st);
	return r;
}
