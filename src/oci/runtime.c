/* runtime.c: lupine-runc's verbs on a recorded container: start, kill,
 * delete, state, ps, features (create is in create.c). */
#include "oci/runtime.h"
#include "oci/cgroup.h"
#include "oci/hooks.h"
#include "oci/state.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int oci_signal_parse(const char *arg)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = {{"TERM", SIGTERM}, {"KILL", SIGKILL}, {"INT", SIGINT},   {"HUP", SIGHUP},
		     {"QUIT", SIGQUIT}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"WINCH", SIGWINCH}};
	char *end;
	long n = strtol(arg, &end, 10);

	if (*arg && !*end && n > 0 && n < 65)
		return (int)n;
	if (str_starts(arg, "SIG"))
		arg += 3;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(arg, names[i].name))
			return names[i].sig;
	return -1;
}

int oci_start(const char *root, const char *id, struct strbuf *warn, struct strbuf *err)
{
	struct oci_state s;
	char *fifo = NULL, *started = NULL;
	enum oci_status st;
	json_t *cfg = NULL;
	int fd = -1, r = -1;

	if (oci_state_load(root, id, &s, err) < 0)
		return -1;
	if ((st = oci_state_status(&s)) != OCI_CREATED) {
		sb_addf(err, "cannot start container %s: it is %s, not created", id, oci_status_name(st));
		goto out;
	}
	/* a failed startContainer hook stops the container, as the runtime spec says */
	if (oci_hooks_run((cfg = oci_state_config(&s)), "startContainer", &s, OCI_CREATED, err) < 0) {
		proc_signal(s.pid, s.pid_start, SIGKILL);
		goto out;
	}
	fifo = oci_state_file(&s, "start.fifo");
	started = oci_state_file(&s, "started");
	/* the monitor holds the FIFO open from before create returned: with no
	 * reader, open fails at once (ENXIO) instead of waiting, and it is gone */
	if ((fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		sb_addf(err, "container %s is not running: its monitor is gone (%s)", id, strerror(errno));
		goto out;
	}
	if (file_write_atomic(started, "", 0, 0600) < 0) {
		sb_addf(err, "cannot write '%s': %s", started, strerror(errno));
		goto out;
	}
	if (write(fd, "1", 1) != 1) {
		sb_addf(err, "container %s is not running: its monitor is gone (%s)", id, strerror(errno));
		unlink(started);
		goto out;
	}
	oci_hooks_run_all(cfg, "poststart", &s, OCI_RUNNING, warn);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	json_decref(cfg);
	free(started);
	free(fifo);
	oci_state_release(&s);
	return r;
}

int oci_kill(const char *root, const char *id, int sig, struct strbuf *err)
{
	struct oci_state s;
	enum oci_status st;
	int r = 0;

	if (oci_state_load(root, id, &s, err) < 0)
		return -1;
	st = oci_state_status(&s);
	/* "container not running": the words containerd's shim takes for "already
	 * dead"; one being created has no process to signal yet */
	if ((st != OCI_CREATED && st != OCI_RUNNING) || proc_signal(s.pid, s.pid_start, sig) < 0) {
		sb_adds(err, "container not running");
		r = -1;
	}
	oci_state_release(&s);
	return r;
}

/* Kills the monitor (or, while there is none, the create making it) and
 * waits up to 5 s for the container to be stopped: lupine run ends the VM first. */
static void stop(const struct oci_state *s)
{
	if (s->pid > 0)
		proc_signal(s->pid, s->pid_start, SIGKILL);
	else
		proc_signal(s->creator, s->creator_start, SIGKILL);
	for (int t = 0; t < 500 && oci_state_status(s) != OCI_STOPPED; t++)
		usleep(10000);
}

/* A create killed just as it recorded its monitor: the record read again, so that monitor goes too. */
static void stop_late_monitor(const char *root, const char *id)
{
	struct strbuf ignored = {0};
	struct oci_state s;

	if (oci_state_load(root, id, &s, &ignored) == 0) {
		if (oci_state_status(&s) != OCI_STOPPED)
			stop(&s);
		oci_state_release(&s);
	}
	sb_release(&ignored);
}

int oci_delete(const char *root, const char *id, int force, struct strbuf *warn, struct strbuf *err)
{
	struct oci_state s;
	enum oci_status st;
	json_t *cfg = NULL;
	int r = -1;

	if (oci_state_load(root, id, &s, err) < 0)
		return -1;
	st = oci_state_status(&s);
	if (st == OCI_RUNNING && !force) {
		sb_addf(err, "cannot delete container %s that is not stopped: stop it, or use --force", s.id);
		goto out;
	}
	/* a created container is deleted as runc does: killed; one being created, with its create */
	if (st != OCI_STOPPED)
		stop(&s);
	if (st == OCI_CREATING)
		stop_late_monitor(root, id);
	if (s.cgroup && oci_cgroup_remove(s.cgroup, err) < 0)
		goto out; /* the record stays, so that delete can be tried again */
	cfg = oci_state_config(&s);
	if (rm_rf(s.dir) < 0) {
		sb_addf(err, "cannot remove '%s': %s", s.dir, strerror(errno));
		goto out;
	}
	/* the VM has ended and the record is gone: poststop, whose failures only warn */
	oci_hooks_run_all(cfg, "poststop", &s, OCI_STOPPED, warn);
	r = 0;
out:
	json_decref(cfg);
	oci_state_release(&s);
	return r;
}

int oci_state_print(const char *root, const char *id, char **out, struct strbuf *err)
{
	struct oci_state s;

	if (oci_state_load(root, id, &s, err) < 0)
		return -1;
	json_t *cfg = oci_state_config(&s);

	*out = oci_state_json(&s, oci_state_status(&s), json_object_get(cfg, "annotations"));
	json_decref(cfg);
	oci_state_release(&s);
	return 0;
}

int oci_ps(const char *root, const char *id, char **out, struct strbuf *err)
{
	struct oci_state s;
	enum oci_status st;

	if (oci_state_load(root, id, &s, err) < 0)
		return -1;
	st = oci_state_status(&s);
	*out = st == OCI_CREATED || st == OCI_RUNNING ? xasprintf("[%d]", (int)s.pid) : xstrdup("[]");
	oci_state_release(&s);
	return 0;
}

const char *oci_features(void)
{
	return "{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"1.0.2\",\"hooks\":[\"prestart\",\"createRuntime\","
	       "\"createContainer\",\"startContainer\",\"poststart\",\"poststop\"],\"mountOptions\":[],"
	       "\"linux\":{\"cgroup\":{\"v1\":true,\"v2\":true,\"systemd\":false}},"
	       "\"annotations\":{\"org.lupine.runtime\":\"microVM\"}}";
}

void oci_log(const char *path, int json, const char *level, const char *msg)
{
	char ts[32];
	time_t now = time(NULL);
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (json) {
		fprintf(f, "{\"level\":\"%s\",\"msg\":\"", level);
		for (const char *p = msg; *p; p++) {
			if (*p == '"' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
		fprintf(f, "\",\"time\":\"%s\"}\n", ts);
	} else {
		fprintf(f, "%s %s: %s\n", ts, level, msg);
	}
	fclose(f);
}
