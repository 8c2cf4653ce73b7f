/* snapshot.c: warm start on QEMU: the freeze handshake, saving the device state, restoring it. */
#include "vm/snapshot.h"
#include "vm/channel.h"
#include "vm/qmp.h"
#include "guest/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define SAVE_LIMIT 120.0 /* seconds a save or a load may take */

void vm_warm_watch(struct channel *c, const struct vm_config *cfg)
{
	volatile sig_atomic_t *f = cfg->warm.freeze;

	if (!f || *f != 1)
		return;
	if (!c->freeze_sent && c->res->t_app >= 0) {
		channel_command(c, LUPINE_IN_FREEZE);
		c->freeze_sent = 1;
	}
	/* frozen, and every byte written before it has reached lupine */
	if (c->frozen_seen && c->app_bytes[0] >= c->frozen[0] && c->app_bytes[1] >= c->frozen[1])
		*f = 2;
}

/* Hands QEMU the file fd under name (getfd), for an "fd:" migration URI. */
static int pass_fd(struct qmp *q, int fd, const char *name, struct strbuf *err)
{
	json_t *r = qmp_call(q, "getfd", json_pack("{s:s}", "fdname", name), fd, err);

	json_decref(r);
	return r ? 0 : -1;
}

static int ignore_shared(struct qmp *q, struct strbuf *err)
{
	json_t *caps = json_pack("{s:[{s:s,s:b}]}", "capabilities", "capability", "x-ignore-shared", "state", 1);

	return qmp_run(q, "migrate-set-capabilities", caps, err);
}

/* Polls query-migrate until the save completed. 0, or -1 with err. */
static int await_save(struct qmp *q, struct strbuf *err)
{
	double until = now_sec() + SAVE_LIMIT;
	int ret = 1;

	while (ret > 0) {
		json_t *r = qmp_call(q, "query-migrate", NULL, -1, err);
		const char *st = json_string_value(json_object_get(r, "status"));
		if (!r) {
			ret = -1;
		} else if (st && !strcmp(st, "completed")) {
			ret = 0;
		} else if ((st && (!strcmp(st, "failed") || !strcmp(st, "cancelled"))) || now_sec() > until) {
			const char *why = json_string_value(json_object_get(r, "error-desc"));
			sb_addf(err, "QEMU could not save the VM: %s", why ? why : st ? st : "it took too long");
			ret = -1;
		} else {
			usleep(2000);
		}
		json_decref(r);
	}
	return ret;
}

int vm_snapshot_save(struct vm *vm, const char *state, char **qemu, struct strbuf *err)
{
	struct qmp q;
	int fd = -1, ret = -1;

	if (!vm_qmp(vm)) {
		sb_adds(err, "this VM was not started to be saved (its RAM is not a file)");
		return -1;
	}
	if (qmp_open(&q, vm_qmp(vm), vm_pid(vm), 10, err) < 0)
		return -1;
	if ((fd = open(state, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		sb_addf(err, "cannot create '%s': %s", state, strerror(errno));
		goto out;
	}
	if (ignore_shared(&q, err) < 0 || pass_fd(&q, fd, "lupine-state", err) < 0 ||
	    qmp_run(&q, "migrate", json_pack("{s:s}", "uri", "fd:lupine-state"), err) < 0 || await_save(&q, err) < 0)
		goto out;
	*qemu = xstrdup(q.version);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	qmp_close(&q);
	return ret;
}

int vm_quit(struct vm *vm, struct strbuf *err)
{
	struct qmp q;
	int ret;

	if (!vm_qmp(vm) || qmp_open(&q, vm_qmp(vm), vm_pid(vm), 10, err) < 0)
		return -1;
	ret = qmp_run(&q, "quit", NULL, err);
	qmp_close(&q);
	return ret;
}

/* Waits while QEMU loads the state, then has it run. 0, or -1 with err. */
static int await_load(struct qmp *q, struct strbuf *err)
{
	double until = now_sec() + SAVE_LIMIT;

	for (;;) {
		json_t *r = qmp_call(q, "query-status", NULL, -1, err);
		const char *st = json_string_value(json_object_get(r, "status"));
		int done = st && strcmp(st, "inmigrate") != 0, paused = st && !strcmp(st, "paused");
		int running = st && !strcmp(st, "running");
		json_decref(r);
		if (!r)
			return -1;
		if (paused)
			return qmp_run(q, "cont", NULL, err);
		if (running)
			return 0;
		if (done || now_sec() > until) {
			sb_addf(err, "QEMU did not restore the VM (%s)", done ? "it did not run after loading" : "too slow");
			return -1;
		}
		usleep(1000);
	}
}

/* The ports, forwarded now that the guest runs (HMP's hostfwd_add: QMP has none). */
static int forward_ports(struct qmp *q, const struct vm_config *cfg, struct strbuf *err)
{
	for (size_t i = 0; !cfg->tap && cfg->tap_fd <= 2 && i < cfg->nports; i++) {
		const struct vm_port *p = &cfg->ports[i];
		char *line = xasprintf("hostfwd_add n0 tcp:%s:%d-:%d", p->host_ip ? p->host_ip : "127.0.0.1",
				       p->host_port, p->guest_port);
		json_t *r = qmp_call(q, "human-monitor-command", json_pack("{s:s}", "command-line", line), -1, err);
		const char *said = json_string_value(r);
		/* HMP answers "" when it worked, else why not */
		if (r && said && *said)
			sb_addf(err, "QEMU could not forward port %d: %s", p->host_port, str_trim((char *)said));
		int ok = r && said && !*said;
		json_decref(r);
		free(line);
		if (!ok)
			return -1;
	}
	return 0;
}

/* "thaw GEN SEC NSEC HEX" for the restored guest: fresh entropy and the time now. */
static int thaw(struct channel *c, unsigned generation, struct strbuf *err)
{
	unsigned char seed[32];
	char hex[2 * sizeof(seed) + 1], cmd[160];
	struct timespec now;

	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
		sb_addf(err, "cannot read the host's entropy for a restored VM: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(seed); i++)
		snprintf(hex + 2 * i, 3, "%02x", seed[i]);
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(cmd, sizeof(cmd), LUPINE_IN_THAW " %u %lld %ld %s", generation, (long long)now.tv_sec, now.tv_nsec,
		 hex);
	channel_command(c, cmd);
	return 0;
}

int vm_warm_restore(const char *qmp, pid_t pid, const struct vm_config *cfg, struct channel *c, struct strbuf *err)
{
	struct qmp q;
	int fd = -1, ret = -1;

	if (!qmp) {
		sb_adds(err, "this VMM cannot restore a snapshot (QEMU can)");
		return -1;
	}
	if (qmp_open(&q, qmp, pid, 30, err) < 0)
		return -1;
	if (cfg->warm.qemu && strcmp(cfg->warm.qemu, q.version)) {
		sb_addf(err, "the snapshot was saved by QEMU %s and this is QEMU %s; take it again with 'lupine snapshot'",
			cfg->warm.qemu, q.version);
		goto out;
	}
	if ((fd = open(cfg->warm.incoming, O_RDONLY | O_CLOEXEC)) < 0) {
		sb_addf(err, "cannot open '%s': %s", cfg->warm.incoming, strerror(errno));
		goto out;
	}
	if (ignore_shared(&q, err) < 0 || pass_fd(&q, fd, "lupine-state", err) < 0 ||
	    qmp_run(&q, "migrate-incoming", json_pack("{s:s}", "uri", "fd:lupine-state"), err) < 0 ||
	    await_load(&q, err) < 0)
		goto out;
	/* the init runs from here on: commands may go to it at once */
	c->res->t_init = c->res->t_app = now_sec() - c->t0;
	if (cfg->warm.ip && cfg->mac) {
		char *net = xasprintf(LUPINE_IN_NET " %s %s %s", cfg->mac, cfg->warm.ip, cfg->warm.gw ? cfg->warm.gw : "-");
		channel_command(c, net);
		free(net);
	}
	if (thaw(c, cfg->warm.generation, err) == 0 && (!cfg->net || forward_ports(&q, cfg, err) == 0))
		ret = 0;
out:
	if (fd >= 0)
		close(fd);
	qmp_close(&q);
	return ret;
}
