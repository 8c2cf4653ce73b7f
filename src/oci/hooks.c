/* hooks.c: config.json's hooks, run on the host through lib/proc.h. */
#include "oci/hooks.h"
#include "lib/json.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *const kinds[] = {"prestart",       "createRuntime", "createContainer",
				    "startContainer", "poststart",     "poststop",       NULL};

static char *const empty_env[] = {NULL};

/* What a hook said, kept for the error line. */
#define HOOK_OUTPUT_MAX 512

static int check_one(const char *kind, size_t i, json_t *h, struct strbuf *err)
{
	const char *path = json_string_value(json_object_get(h, "path"));
	json_t *timeout = json_object_get(h, "timeout");
	struct strlist l = {0};
	int bad = 0;

	if (!json_is_object(h) || !path || path[0] != '/') {
		sb_addf(err, "config.json: hooks.%s[%zu].path must be an absolute path", kind, i);
		return -1;
	}
	bad |= json_to_strlist(json_object_get(h, "args"), &l) < 0;
	bad |= json_to_strlist(json_object_get(h, "env"), &l) < 0;
	strlist_release(&l);
	if (bad) {
		sb_addf(err, "config.json: hooks.%s[%zu] (%s): args and env must be arrays of strings", kind, i, path);
		return -1;
	}
	if (timeout && (!json_is_integer(timeout) || json_integer_value(timeout) <= 0 ||
			json_integer_value(timeout) > 86400)) {
		sb_addf(err, "config.json: hooks.%s[%zu] (%s): timeout must be a number of seconds above 0", kind, i,
			path);
		return -1;
	}
	return 0;
}

int oci_hooks_check(json_t *hooks, struct strbuf *err)
{
	const char *kind;
	json_t *list, *h;
	size_t i;

	if (!hooks)
		return 0;
	if (!json_is_object(hooks)) {
		sb_adds(err, "config.json: hooks must be an object");
		return -1;
	}
	json_object_foreach(hooks, kind, list) {
		size_t k = 0;
		while (kinds[k] && strcmp(kinds[k], kind))
			k++;
		if (!kinds[k] || !json_is_array(list)) {
			sb_addf(err, "config.json: hooks.%s is not a hook list lupine-runc knows (prestart, "
				     "createRuntime, createContainer, startContainer, poststart, poststop)", kind);
			return -1;
		}
		json_array_foreach(list, i, h)
			if (check_one(kind, i, h, err) < 0)
				return -1;
	}
	return 0;
}

/* The state JSON as the hook's stdin: a file of its own, so a hook that
 * never reads it neither blocks us nor meets a broken pipe. */
static int state_fd(const char *state)
{
	int fd = memfd_create("oci-state", MFD_CLOEXEC);
	size_t n = strlen(state);

	if (fd < 0)
		return -1;
	if (write(fd, state, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void keep_output(int fd, struct strbuf *out)
{
	char buf[1024];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (out->len < HOOK_OUTPUT_MAX)
			sb_add(out, buf, (size_t)n < HOOK_OUTPUT_MAX - out->len ? (size_t)n : HOOK_OUTPUT_MAX - out->len);
}

/* Waits for the hook, keeping its output, at most timeout seconds (0: no
 * limit); then its process group is killed. Its status, or -2 when timed out. */
static int wait_hook(pid_t pid, int out, int timeout, struct strbuf *output)
{
	double deadline = now_sec() + timeout;
	struct pollfd p = {.fd = out, .events = POLLIN};
	int status = -1, r;

	for (;;) {
		if ((r = proc_poll(pid, &status)) != 0) {
			status = r < 0 ? -1 : status; /* not ours to wait for: a failure */
			break;
		}
		if (timeout && now_sec() >= deadline) {
			kill(-pid, SIGKILL); /* its own group: a shell's children go too */
			proc_wait(pid);
			status = -2;
			break;
		}
		/* a hook that closed its output may still run: then poll says
		 * POLLHUP at once, so sleep instead */
		if (poll(&p, 1, 50) > 0 && !(p.revents & POLLIN))
			usleep(50000);
		keep_output(out, output);
	}
	keep_output(out, output); /* what is there; a child it left holding the pipe is not waited for */
	return status;
}

/* The hook's output as the end of a one-line message. */
static void add_output(struct strbuf *err, const struct strbuf *out)
{
	char *s = xstrndup(out->buf ? out->buf : "", out->len), *t;

	for (char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	if (*(t = str_trim(s)))
		sb_addf(err, ": %s", t);
	free(s);
}

/* One hook, checked by oci_hooks_check. 0, or -1 with err. */
static int run_one(json_t *h, const char *kind, size_t i, const char *state, struct strbuf *err)
{
	const char *path = json_string_value(json_object_get(h, "path"));
	int timeout = (int)json_integer_value(json_object_get(h, "timeout"));
	struct strlist args = {0}, env = {0};
	struct proc_opts o = PROC_OPTS_INIT;
	struct strbuf output = {0};
	int p[2] = {-1, -1}, status = -1;
	pid_t pid = -1;

	json_to_strlist(json_object_get(h, "args"), &args);
	if (!args.n)
		strlist_add(&args, path); /* as Go's exec.Cmd runs a hook without args */
	if (json_object_get(h, "env")) {
		json_to_strlist(json_object_get(h, "env"), &env);
		o.env = env.v ? env.v : empty_env; /* given empty: an empty environment */
	}
	o.file = path;
	o.own_pgrp = 1;
	if ((o.in = state_fd(state)) >= 0 && pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) {
		o.out = o.err = p[1];
		pid = proc_spawn(args.v, &o);
		close(p[1]);
	}
	if (pid > 0)
		status = wait_hook(pid, p[0], timeout, &output);
	if (status == -2)
		sb_addf(err, "%s hook #%zu (%s) did not finish in %d s and was killed", kind, i, path, timeout);
	else if (pid <= 0)
		sb_addf(err, "%s hook #%zu (%s) could not be started: %s", kind, i, path, strerror(errno));
	else if (status < 0)
		sb_addf(err, "%s hook #%zu (%s) could not be waited for: %s", kind, i, path, strerror(errno));
	else if (status != 0)
		sb_addf(err, "%s hook #%zu (%s) failed with exit status %d", kind, i, path, status);
	if (status != 0)
		add_output(err, &output);
	if (o.in >= 0)
		close(o.in);
	if (p[0] >= 0)
		close(p[0]);
	sb_release(&output);
	strlist_release(&env);
	strlist_release(&args);
	return status == 0 ? 0 : -1;
}

int oci_hooks_run(json_t *cfg, const char *kind, const struct oci_state *s, enum oci_status st,
		  struct strbuf *err)
{
	json_t *list = json_object_get(json_object_get(cfg, "hooks"), kind), *h;
	char *state;
	size_t i;
	int r = 0;

	if (!json_array_size(list))
		return 0;
	state = oci_state_json(s, st, json_object_get(cfg, "annotations"));
	json_array_foreach(list, i, h)
		if ((r = run_one(h, kind, i, state, err)) < 0)
			break;
	free(state);
	return r;
}

void oci_hooks_run_all(json_t *cfg, const char *kind, const struct oci_state *s, enum oci_status st,
		       struct strbuf *warn)
{
	json_t *list = json_object_get(json_object_get(cfg, "hooks"), kind), *h;
	char *state;
	size_t i;

	if (!json_array_size(list))
		return;
	state = oci_state_json(s, st, json_object_get(cfg, "annotations"));
	json_array_foreach(list, i, h) {
		struct strbuf err = {0};
		if (run_one(h, kind, i, state, &err) < 0)
			sb_addf(warn, "%s%s", warn->len ? "\n" : "", err.buf);
		sb_release(&err);
	}
	free(state);
}
