/* ready.c: run a bundle until a client check passes, timed; its smallest memory. */
#include "bundle/ready.h"
#include "bundle/run.h"
#include "lib/bzimage.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* a measured run is stopped once measured: it must not run away */
#define RUN_LIMIT 600

struct ready_run {
	struct readiness *r;
	struct run_req rq;
	struct bundle_vm bv;
	struct strlist none;
	struct vm_port port;
	int log_fd;
	pid_t vmm;
	pthread_t server;
	int serving;
	volatile sig_atomic_t stop; /* the server thread's VM watches it (vm_config.stop) */
	volatile sig_atomic_t freeze; /* ... and this (vm_config.warm.freeze) */
	atomic_int ended;
	int status;
	struct strlist used, missing;
	double t_init, t_app;
};

void readiness_release(struct readiness *r)
{
	strlist_release(&r->used);
	strlist_release(&r->missing);
}

static void log_line(struct ready_run *run, const char *text)
{
	if (run->log_fd >= 0 && text && write_all(run->log_fd, text, strlen(text)) < 0)
		close(run->log_fd), run->log_fd = -1;
}

/* The server thread: serves the VM to its end, then says how it ended. */
static void *serve(void *arg)
{
	struct ready_run *run = arg;
	struct strbuf err = {0}, msg = {0};
	struct vm_result res;

	if (bundle_vm_wait(&run->bv, &res, &err) < 0) {
		sb_addf(&msg, "lupine: %s\n", err.buf);
		run->status = RUN_EXIT_LAUNCH;
	} else {
		run->status = run_exit_status(&res, RUN_LIMIT, run->stop ? SIGTERM : 0, &msg);
		run->used = res.used;
		run->missing = res.missing;
		run->t_init = res.t_init;
		run->t_app = res.t_app;
		memset(&res.used, 0, sizeof(res.used));
		memset(&res.missing, 0, sizeof(res.missing));
		vm_result_release(&res);
	}
	log_line(run, msg.buf);
	sb_release(&msg);
	sb_release(&err);
	atomic_store(&run->ended, 1);
	return NULL;
}

/* The run as `lupine run BUNDLE -p PORT -m MEM --timeout 600 --stop-timeout S -- ARGS` makes it. */
static void request(struct ready_run *run, const char *bundle, int mem)
{
	const struct readiness *r = run->r;

	run->rq = (struct run_req){.bundle = bundle};
	run->rq.lo = (struct launch_opts){.env = &run->none, .args = r->args ? r->args : &run->none,
					  .mem_mib = mem, .record = r->record};
	run->rq.cfg = (struct vm_config){.accel = VM_ACCEL_AUTO, .init_timeout = RUN_INIT_TIMEOUT, .timeout = RUN_LIMIT,
					 .stop_timeout = r->stop_timeout > 0 ? r->stop_timeout : 2,
					 .stop = &run->stop, .echo = run->log_fd >= 0, .echo_fd = run->log_fd};
	run->rq.from = r->from;
	if (r->mem_file)
		run->rq.cfg.warm = (struct vm_warm){.mem_path = r->mem_file, .mem_shared = 1, .freeze = &run->freeze};
}

static int start(struct ready_run *run, struct strbuf *err)
{
	if (run->r->port) {
		if (vm_port_parse(run->r->port, &run->port, err) < 0)
			return -1;
		run->rq.cfg.ports = &run->port;
		run->rq.cfg.nports = 1;
	}
	if (bundle_vm_start(&run->rq, &run->bv, err) < 0)
		return -1;
	run->r->t_vm = now_sec();
	run->vmm = vm_pid(run->bv.vm);
	if (pthread_create(&run->server, NULL, serve, run) != 0) {
		/* cannot serve it here: serve it to its end at once (a stop before init kills it) */
		run->stop = 1;
		serve(run);
		return 0;
	}
	run->serving = 1;
	return 0;
}

struct ready_run *ready_start(struct readiness *r, const char *bundle, int mem)
{
	struct ready_run *run = xcalloc(1, sizeof(*run));
	struct strbuf err = {0};

	run->r = r;
	run->vmm = -1;
	run->t_init = run->t_app = -1;
	r->t_vm = 0;
	run->log_fd = r->log ? open(r->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	r->status = -1;
	request(run, bundle, mem);
	if (start(run, &err) < 0) {
		char *line = xasprintf("lupine: %s\n", err.buf);
		log_line(run, line);
		free(line);
		run->status = RUN_EXIT_LAUNCH;
		atomic_store(&run->ended, 1);
	}
	sb_release(&err);
	return run;
}

/* Runs the probe once; 1 when it passed (its output holds the expected text, or it exited 0). */
static int probe_once(const struct readiness *r)
{
	struct strbuf cmd = {0}, out = {0};
	char hp[16];
	int st;

	snprintf(hp, sizeof(hp), "%d", r->host_port);
	/* a subshell, so a probe of several commands has all its output read */
	sb_adds(&cmd, "(");
	for (const char *p = r->probe; *p; p++) {
		if (str_starts(p, "{port}")) {
			sb_adds(&cmd, hp);
			p += 5;
		} else {
			sb_add(&cmd, p, 1);
		}
	}
	sb_adds(&cmd, "\n) 2>&1");
	char *argv[] = {"sh", "-c", cmd.buf, NULL};
	st = proc_capture(argv, 4095, &out);
	int ok = r->expect ? out.buf && strstr(out.buf, r->expect) != NULL : st == 0;
	sb_release(&cmd);
	sb_release(&out);
	return ok;
}

/* A one-shot application's check: its output (in the run's log) holds the text. */
static int output_holds(const struct readiness *r)
{
	char *text = r->log ? file_read(r->log, NULL) : NULL;
	int ok = text && (!r->expect || strstr(text, r->expect));

	free(text);
	return ok;
}

double ready_wait(struct readiness *r, struct ready_run *run, double t0, double limit)
{
	while (now_sec() - t0 < limit) {
		if (atomic_load(&run->ended)) {
			/* it ended: ready only if it is a one-shot app that did its job */
			r->status = run->status;
			if (!r->probe && (run->status == 0 || !r->expect) && output_holds(r))
				return now_sec() - t0;
			return -1;
		}
		if (r->probe && probe_once(r))
			return now_sec() - t0;
		usleep(20000);
	}
	return -1;
}

void ready_stop(struct ready_run *run)
{
	if (!run)
		return;
	run->stop = 1;
	if (run->serving)
		pthread_join(run->server, NULL);
	readiness_release(run->r);
	run->r->used = run->used;
	run->r->missing = run->missing;
	run->r->t_init = run->t_init;
	run->r->t_app = run->t_app;
	vm_port_release(&run->port);
	if (run->log_fd >= 0)
		close(run->log_fd);
	free(run);
}

pid_t ready_vmm_pid(const struct ready_run *run)
{
	return atomic_load(&run->ended) ? -1 : run->vmm;
}

int ready_freeze(struct ready_run *run, double limit)
{
	double until = now_sec() + limit;

	run->freeze = 1;
	while (run->freeze != 2 && !atomic_load(&run->ended) && now_sec() < until)
		usleep(2000);
	return run->freeze == 2 && !atomic_load(&run->ended) ? 0 : -1;
}

struct vm *ready_vm(struct ready_run *run)
{
	return atomic_load(&run->ended) ? NULL : run->bv.vm;
}

const char *ready_disk(const struct ready_run *run)
{
	return run->bv.l.boot.disk;
}

double ready_server_cpu(const struct ready_run *run)
{
	clockid_t id;
	struct timespec ts;

	if (!run->serving || atomic_load(&run->ended) || pthread_getcpuclockid(run->server, &id) != 0 ||
	    clock_gettime(id, &ts) < 0)
		return -1;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double ready_time(struct readiness *r, const char *bundle, int mem, double limit)
{
	double t0 = now_sec();
	struct ready_run *run = ready_start(r, bundle, mem);
	double t = ready_wait(r, run, t0, limit);

	ready_stop(run);
	return t;
}

int boot_floor(const char *bundle)
{
	struct bundle b;
	struct strbuf err = {0};
	int mib = 0, fd;

	bundle_init(&b);
	if (bundle_load(bundle, &b, &err) == 0 && (fd = bundle_file_open(bundle, b.kernel, &err)) >= 0) {
		char *k = fd_path(fd);
		mib = bzimage_floor_mib(k);
		free(k);
		close(fd);
	}
	bundle_release(&b);
	sb_release(&err);
	return mib;
}

int ready_bisect(int lo, int hi, int (*ok)(int m, void *ctx), void *ctx, void (*step)(int m, int ok, void *ctx))
{
	while (hi - lo > 1) {
		int mid = lo + (hi - lo) / 2, yes = ok(mid, ctx);
		if (step)
			step(mid, yes, ctx);
		if (yes)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

struct memory_trial {
	struct readiness *r;
	const char *bundle;
	double limit;
};

static int ready_with(int mib, void *ctx)
{
	struct memory_trial *t = ctx;
	return ready_time(t->r, t->bundle, mib, t->limit) >= 0;
}

static void say_step(int mib, int ok, void *ctx)
{
	fprintf(stderr, "%s: -m %d %s\n", ((struct memory_trial *)ctx)->bundle, mib, ok ? "ready" : "not ready");
}

int smallest_memory(struct readiness *r, const char *bundle, int hi, double limit)
{
	struct memory_trial t = {r, bundle, limit};
	/* nothing below the kernel's floor can boot: start the search there */
	int floor = boot_floor(bundle), lo = floor > 9 ? floor - 1 : 8;

	if (ready_time(r, bundle, hi, limit) < 0)
		return -1;
	return ready_bisect(lo, hi, ready_with, &t, say_step);
}
