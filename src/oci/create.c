/* create.c: `lupine-runc create`: config.json becomes a Lupine bundle (the
 * root filesystem an ext4 disk, the process its command) in ROOT/ID/vm, and a
 * monitor (monitor.c) waits for start. A failed create leaves nothing behind:
 * nobody calls delete after it. */
#include "bundle/make.h"
#include "oci/console.h"
#include "oci/confine.h"
#include "oci/hooks.h"
#include "oci/kernel.h"
#include "oci/monitor.h"
#include "oci/pod.h"
#include "oci/runtime.h"
#include "oci/warm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What the build request has no field for, into the built bundle's run
 * config: the hostname, the groups exactly as additionalGids lists them (not
 * the image's /etc/group), the process spec the guest's init applies. */
static int set_run(const char *vm, const struct oci_spec *s, struct strbuf *err)
{
	struct bundle b;
	int r;

	if (bundle_load(vm, &b, err) < 0)
		return -1;
	run_config_set(&b.run.hostname, s->hostname);
	strlist_release(&b.run.groups);
	for (size_t i = 0; i < s->groups.n; i++)
		strlist_add(&b.run.groups, s->groups.v[i]);
	oci_confine_copy(&s->confine, &b.run);
	r = bundle_write_json(vm, &b, err);
	bundle_release(&b);
	return r;
}

/* The Lupine bundle at out from the container's root and process. */
static int make_vm(const struct oci_spec *s, const char *out, struct strbuf *err)
{
	char *source = xasprintf("dir:%s", s->root), *user = xasprintf("%u:%u", s->uid, s->gid);
	struct strlist none = {0};
	struct kspec ks = {0};
	struct build_req req = {.source = source, .out = out, .spec = &ks, .rootfs = "ext4", .env = &s->env,
				.cmd = &s->args, .args = &none, .add_host = &none, .add_guest = &none,
				.workdir = s->cwd, .user = user,
				.mem_mib = s->memory_mib ? s->memory_mib : OCI_DEFAULT_MEMORY_MIB};
	struct build_res res;
	int r;

	oci_kernel_spec(s, &ks);
	oci_kernel_ahead(&ks);
	if ((r = bundle_build(&req, &res, err)) == 0) {
		build_res_release(&res);
		r = set_run(out, s, err);
	}
	kspec_release(&ks);
	free(source);
	free(user);
	return r;
}

/* The record as it starts: no monitor yet (state "creating"), this create
 * its creator, so that a create killed at any point leaves a record that
 * says it is gone. 0 or -1 with err. */
static int first_record(struct oci_state *st, struct strbuf *err)
{
	struct proc_stat self;
	char created[32];
	time_t now = time(NULL);

	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	st->created = xstrdup(created);
	if (proc_stat_read(getpid(), &self) < 0) {
		sb_addf(err, "cannot read this process's /proc/%d/stat: %s", (int)getpid(), strerror(errno));
		return -1;
	}
	st->creator = getpid();
	st->creator_start = self.start_time;
	return oci_state_save(st, err);
}

/* ROOT/ID, made here with its first record in it: it appears whole (made
 * under a name no container ID can have, then renamed), so no create leaves a
 * directory without a record, which nothing could delete. One that exists
 * already is another container's. 0 or -1 with err; *made when ROOT/ID is ours. */
static int make_dir(const char *root, const char *id, struct oci_state *st, int *made, struct strbuf *err)
{
	char *tmp = xasprintf("%s/creating:XXXXXX", root); /* ':' is in no container ID */

	if (mkdir_p(root, 0700) < 0 || !mkdtemp(tmp)) {
		sb_addf(err, "cannot create a directory in '%s': %s", root, strerror(errno));
		free(tmp);
		return -1;
	}
	st->dir = tmp;
	if (first_record(st, err) < 0)
		goto fail;
	st->dir = xasprintf("%s/%s", root, id);
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, st->dir, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			sb_addf(err, "container %s already exists", id);
		else
			sb_addf(err, "cannot create '%s': %s", st->dir, strerror(errno));
		goto fail;
	}
	*made = 1;
	free(tmp);
	return 0;
fail:
	rm_rf(tmp);
	if (st->dir != tmp)
		free(tmp);
	return -1;
}

/* The start FIFO, config.json's copy (the hooks and annotations later
 * verbs read, whatever becomes of the bundle) and the VM bundle. */
static int make_record(const struct oci_spec *spec, struct oci_state *st, struct strbuf *err)
{
	char *fifo = oci_state_file(st, "start.fifo"), *vm = oci_state_file(st, "vm");
	char *cfg = xasprintf("%s/config.json", st->bundle), *copy = oci_state_file(st, "config.json");
	size_t n;
	char *text = file_read(cfg, &n);
	int r = -1;

	if (!text || file_write_atomic(copy, text, n, 0600) < 0) {
		sb_addf(err, "cannot copy '%s' into '%s': %s", cfg, copy, strerror(errno));
		goto out;
	}
	if (mkfifo(fifo, 0600) < 0) {
		sb_addf(err, "cannot create '%s': %s", fifo, strerror(errno));
		goto out;
	}
	/* a pod's sandbox runs no VM (sandbox.h); a snapshot's VM is made (oci/warm.h) */
	r = spec->sandbox ? 0 : spec->snapshot ? oci_warm_check(spec, err) : make_vm(spec, vm, err);
out:
	free(text);
	free(copy);
	free(cfg);
	free(vm);
	free(fifo);
	return r;
}

/* process.terminal and --console-socket go together, as runc has them. */
static int check_console(const struct oci_create_req *req, const struct oci_spec *spec, struct strbuf *err)
{
	if (spec->terminal && !req->console_socket)
		sb_adds(err, "config.json: process.terminal is true, but no --console-socket was given to send "
			     "the terminal to");
	else if (!spec->terminal && req->console_socket)
		sb_adds(err, "--console-socket: config.json's process.terminal is not true, so there is no "
			     "terminal to send");
	else
		return 0;
	return -1;
}

/* The monitor forked and ready, with its start time, in its cgroup, the
 * create-time hooks run, then recorded: until then the container is
 * "creating" (no start can reach it), and a create killed midway leaves a
 * stopped record whose monitor ends by itself (it was never committed).
 * With a terminal, its master is sent first and its slave is the monitor's. */
static int start_monitor(const struct oci_create_req *req, const struct oci_spec *spec, struct oci_state *st,
			 int *link, struct strbuf *err)
{
	static const char *const kinds[] = {"prestart", "createRuntime", "createContainer"};
	struct proc_stat ps;
	json_t *cfg;
	int tty = -1, r = 0;

	if (spec->terminal && oci_console_send(req->console_socket, &tty, err) < 0)
		return -1;
	st->pid = oci_monitor_start(spec, st, tty, link, err);
	if (tty >= 0)
		close(tty);
	if (st->pid < 0) {
		st->pid = 0;
		return -1;
	}
	/* our child, not reaped: its stat is there even if it has just died */
	if (proc_stat_read(st->pid, &ps) < 0) {
		sb_addf(err, "cannot read the monitor's /proc/%d/stat: %s", (int)st->pid, strerror(errno));
		return -1;
	}
	st->pid_start = ps.start_time;
	if (st->cgroup && oci_cgroup_apply(&spec->cgroup, st->cgroup, st->pid, err) < 0)
		return -1;
	cfg = oci_state_config(st);
	for (size_t i = 0; i < ARRAY_SIZE(kinds) && r == 0; i++)
		r = oci_hooks_run(cfg, kinds[i], st, OCI_CREATING, err);
	json_decref(cfg);
	return r < 0 ? -1 : oci_state_save(st, err);
}

/* After a failure past ROOT/ID's making: no monitor, no cgroup, no record. */
static void discard(const struct oci_state *st)
{
	struct strbuf ignored = {0};

	if (st->pid > 0) {
		kill(st->pid, SIGKILL); /* our child, not reaped: the pid is still its own */
		waitpid(st->pid, NULL, 0);
	}
	if (st->cgroup)
		oci_cgroup_remove(st->cgroup, &ignored);
	sb_release(&ignored);
	rm_rf(st->dir);
}

int oci_create(const struct oci_create_req *req, struct strbuf *err)
{
	struct oci_spec spec = {0};
	struct oci_state st = {0};
	int made = 0, link = -1, pod_lock = -1, r = -1;

	if (!oci_id_valid(req->id)) {
		sb_addf(err, "invalid container id '%s': letters, digits, '_', '+', '-' and '.' only, "
			     "and not '.' or '..'", req->id);
		return -1;
	}
	if (!(st.bundle = realpath(req->bundle, NULL))) {
		sb_addf(err, "bundle '%s': %s", req->bundle, strerror(errno));
		return -1;
	}
	st.id = xstrdup(req->id);
	if (oci_spec_load(st.bundle, &spec, err) < 0 || check_console(req, &spec, err) < 0)
		goto out;
	/* held until this record is whole: two creates in one pod do not both pass */
	if (spec.pod && (pod_lock = oci_pod_claim(req->root, spec.pod, req->id, err)) == -2)
		goto out;
	st.cgroup = oci_cgroup_path(&spec.cgroup, req->id); /* recorded first: a delete removes it whatever happens */
	if (make_dir(req->root, req->id, &st, &made, err) < 0)
		goto out;
	if (make_record(&spec, &st, err) < 0 || start_monitor(req, &spec, &st, &link, err) < 0)
		goto out;
	if (oci_pid_file_write(req->pid_file, st.pid, err) < 0)
		goto out;
	if ((r = oci_monitor_commit(link, err)) < 0 && req->pid_file)
		unlink(req->pid_file);
	link = -1;
out:
	if (link >= 0)
		close(link);
	if (pod_lock >= 0)
		close(pod_lock);
	if (r < 0 && made)
		discard(&st);
	oci_spec_release(&spec);
	oci_state_release(&st);
	return r;
}
