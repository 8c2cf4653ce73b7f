/* readiness.c: time a bundle from `lupine run` to a passing client check; smallest memory. */
#include "cmd/readiness.h"
#include "bundle/bundle.h"
#include "lib/bzimage.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs the ready command once; 1 when its output holds the expected text. */
static int ready_once(const struct readiness *o, const char *hostport)
{
	struct strbuf cmd = {0};
	/* a subshell, so a probe of several commands has all its output read */
	sb_adds(&cmd, "(");
	for (const char *p = o->probe; *p; p++) {
		if (str_starts(p, "{port}")) {
			sb_adds(&cmd, hostport);
			p += 5;
		} else {
			sb_add(&cmd, p, 1);
		}
	}
	sb_adds(&cmd, "\n) 2>&1");
	FILE *f = popen(cmd.buf, "r");
	char buf[4096];
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	int st = f ? pclose(f) : -1;
	buf[n] = 0;
	sb_release(&cmd);
	return o->expect ? strstr(buf, o->expect) != NULL : st == 0;
}

/* A one-shot application's check: its output (in the run's log) holds the text. */
static int output_holds(const struct readiness *o)
{
	char *text = o->log ? file_read(o->log, NULL) : NULL;
	int ok = text && (!o->expect || strstr(text, o->expect));

	free(text);
	return ok;
}

pid_t ready_start(struct readiness *o, const char *bundle, int mem)
{
	char *self = xasprintf("/proc/self/exe"), mems[16], stop[16];
	char *argv[64];
	int k = 0;

	snprintf(mems, sizeof(mems), "%d", mem);
	argv[k++] = "lupine";
	argv[k++] = "run";
	argv[k++] = (char *)bundle;
	if (o->port) {
		argv[k++] = "-p";
		argv[k++] = (char *)o->port;
	}
	argv[k++] = "-m";
	argv[k++] = mems;
	argv[k++] = "--timeout";
	argv[k++] = "600";
	/* it is stopped with SIGTERM once measured: do not wait long for it */
	snprintf(stop, sizeof(stop), "%g", o->stop_timeout > 0 ? o->stop_timeout : 2);
	argv[k++] = "--stop-timeout";
	argv[k++] = stop;
	if (o->features) {
		argv[k++] = "--record-features";
		argv[k++] = (char *)o->features;
	}
	if (o->args && o->args->n)
		argv[k++] = "--";
	for (size_t i = 0; o->args && i < o->args->n && k < 62; i++)
		argv[k++] = o->args->v[i];
	argv[k] = NULL;
	o->status = -1;
	fflush(stdout); /* or the child would print our buffer again */
	pid_t pid = fork();
	if (pid == 0) {
		int out = open(o->log ? o->log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(out, 1);
		dup2(out, 2);
		proc_close_inherited();
		execv(self, argv);
		_exit(127);
	}
	free(self);
	return pid;
}

double ready_wait(struct readiness *o, pid_t *pid, double t0, double limit)
{
	char hp[16];
	double t = -1;

	snprintf(hp, sizeof(hp), "%d", o->host_port);
	while (now_sec() - t0 < limit) {
		int st;
		if (waitpid(*pid, &st, WNOHANG) == *pid) {
			*pid = -1; /* it ended: ready only if it is a one-shot app that did its job */
			o->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			if (!o->probe && WIFEXITED(st) && (WEXITSTATUS(st) == 0 || !o->expect) && output_holds(o))
				t = now_sec() - t0;
			break;
		}
		if (o->probe && ready_once(o, hp)) {
			t = now_sec() - t0;
			break;
		}
		usleep(20000);
	}
	return t;
}

void ready_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* One `lupine run`: seconds until ready, or -1 if it never got ready in limit seconds. */
double ready_time(struct readiness *o, const char *bundle, int mem, double limit)
{
	double t0 = now_sec();
	pid_t pid = ready_start(o, bundle, mem);
	double t = ready_wait(o, &pid, t0, limit);

	ready_stop(pid);
	return t;
}

int boot_floor(const char *bundle)
{
	struct bundle b;
	struct strbuf err = {0};
	int mib = 0;

	bundle_init(&b);
	if (bundle_load(bundle, &b, &err) == 0) {
		char *k = xasprintf("%s/%s", bundle, b.kernel);
		mib = bzimage_floor_mib(k);
		free(k);
	}
	bundle_release(&b);
	sb_release(&err);
	return mib;
}

int smallest_memory(struct readiness *o, const char *bundle, int hi, double limit)
{
	/* nothing below the kernel's floor can boot: start the search there */
	int floor = boot_floor(bundle), lo = floor > 9 ? floor - 1 : 8;

	if (ready_time(o, bundle, hi, limit) < 0)
		return -1;
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		int ok = ready_time(o, bundle, mid, limit) >= 0;
		fprintf(stderr, "%s: -m %d %s\n", bundle, mid, ok ? "ready" : "not ready");
		if (ok)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}
