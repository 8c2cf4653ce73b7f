/* bench_app.c: `lupine bench app` times bundles from `lupine run` to a ready application, and finds their smallest memory. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "lib/stats.h"
#include "lib/util.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct app_opts {
	const char *port, *ready, *expect;
	int host_port; /* of port */
	int n, mem, min_memory;
	struct strlist args; /* after -- */
};

/* Runs the ready command once; 1 when its output holds the expected text. */
static int ready_once(const struct app_opts *o, const char *hostport)
{
	struct strbuf cmd = {0};
	for (const char *p = o->ready; *p; p++) {
		if (str_starts(p, "{port}")) {
			sb_adds(&cmd, hostport);
			p += 5;
		} else {
			sb_add(&cmd, p, 1);
		}
	}
	sb_adds(&cmd, " 2>&1");
	FILE *f = popen(cmd.buf, "r");
	char buf[4096];
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		pclose(f);
	buf[n] = 0;
	sb_release(&cmd);
	return strstr(buf, o->expect) != NULL;
}

/* One `lupine run`: seconds until ready, or -1 if it never got ready in limit seconds. */
static double run_once(const struct app_opts *o, const char *bundle, int mem, double limit)
{
	char *self = xasprintf("/proc/self/exe"), mems[16], hp[16];
	char *argv[64];
	int k = 0;
	double t0 = now_sec(), t = -1;

	snprintf(mems, sizeof(mems), "%d", mem);
	snprintf(hp, sizeof(hp), "%d", o->host_port);
	argv[k++] = "lupine";
	argv[k++] = "run";
	argv[k++] = (char *)bundle;
	argv[k++] = "-p";
	argv[k++] = (char *)o->port;
	argv[k++] = "-m";
	argv[k++] = mems;
	argv[k++] = "--timeout";
	argv[k++] = "600";
	/* it is stopped with SIGTERM once measured: do not wait long for it */
	argv[k++] = "--stop-timeout";
	argv[k++] = "2";
	if (o->args.n)
		argv[k++] = "--";
	for (size_t i = 0; i < o->args.n && k < 62; i++)
		argv[k++] = o->args.v[i];
	argv[k] = NULL;
	fflush(stdout); /* or the child would print our buffer again */
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execv(self, argv);
		_exit(127);
	}
	while (now_sec() - t0 < limit) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			pid = -1; /* it ended before getting ready */
			break;
		}
		if (ready_once(o, hp)) {
			t = now_sec() - t0;
			break;
		}
		usleep(20000);
	}
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	free(self);
	return t;
}

static void time_bundle(const struct app_opts *o, const char *bundle)
{
	double *v = xcalloc((size_t)o->n, sizeof(double));
	size_t ok = 0;

	for (int i = 0; i < o->n; i++) {
		double t = run_once(o, bundle, o->mem, 300);
		if (t >= 0)
			v[ok++] = t;
		fprintf(stderr, "\r%s: run %d/%d", bundle, i + 1, o->n);
	}
	fprintf(stderr, "\n");
	struct stats s = stats_of(v, ok);
	printf("%-32s ready after %.2fs median [%.2f-%.2f], %zu/%d runs ready (-m %d)\n", bundle, s.median, s.min,
	       s.max, ok, o->n, o->mem);
	free(v);
}

/* Smallest MiB in [lo, hi] at which the bundle gets ready, by bisection. */
static void min_memory(const struct app_opts *o, const char *bundle)
{
	int lo = 8, hi = o->mem;

	if (run_once(o, bundle, hi, 120) < 0) {
		printf("%-32s not ready even with -m %d\n", bundle, hi);
		return;
	}
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		int ok = run_once(o, bundle, mid, 120) >= 0;
		fprintf(stderr, "%s: -m %d %s\n", bundle, mid, ok ? "ready" : "not ready");
		if (ok)
			hi = mid;
		else
			lo = mid;
	}
	printf("%-32s smallest memory: %d MiB\n", bundle, hi);
}

int cmd_bench_app(int argc, char **argv)
{
	static const struct option opts[] = {
		{"publish", required_argument, 0, 'p'}, {"ready", required_argument, 0, 'r'},
		{"expect", required_argument, 0, 'x'},  {"min-memory", no_argument, 0, 'M'},
		{0, 0, 0, 0}};
	struct app_opts o = {.n = 5, .mem = 256};
	struct strbuf err = {0};
	struct vm_port port;
	int c, nopts = opt_split(argc, argv, &o.args);

	while ((c = getopt_long(nopts, argv, "n:p:m:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': o.n = (int)opt_long("-n", optarg, 1, 10000); break;
		case 'p':
			if (vm_port_parse(optarg, &port, &err) < 0)
				die("%s", err.buf);
			o.port = optarg;
			o.host_port = port.host_port;
			vm_port_release(&port);
			break;
		case 'm': o.mem = opt_memory(optarg); break;
		case 'r': o.ready = optarg; break;
		case 'x': o.expect = optarg; break;
		case 'M': o.min_memory = 1; break;
		default: return 2;
		}
	}
	if (!o.port || !o.ready || !o.expect || optind >= nopts || o.n < 1)
		die("bench app needs -p HOST:GUEST, --ready CMD, --expect TEXT and a bundle; see 'lupine bench --help'");
	for (int i = optind; i < nopts; i++)
		time_bundle(&o, argv[i]);
	if (o.min_memory)
		for (int i = optind; i < nopts; i++)
			min_memory(&o, argv[i]);
	return 0;
}
