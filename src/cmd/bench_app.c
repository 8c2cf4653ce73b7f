/* bench_app.c: `lupine bench app` times bundles from `lupine run` to a ready application, and finds their smallest memory. */
#include "bench/stats.h"
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "bundle/ready.h"
#include "bench/stats.h"
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
	struct readiness r;
	int n, mem, min_memory;
	struct strlist args; /* after -- */
};

static void time_bundle(struct app_opts *o, const char *bundle)
{
	double *v = xcalloc((size_t)o->n, sizeof(double));
	size_t ok = 0;

	for (int i = 0; i < o->n; i++) {
		double t = ready_time(&o->r, bundle, o->mem, 300);
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

static void min_memory(struct app_opts *o, const char *bundle)
{
	int m = smallest_memory(&o->r, bundle, o->mem, 120);

	if (m < 0)
		printf("%-32s not ready even with -m %d\n", bundle, o->mem);
	else
		printf("%-32s smallest memory: %d MiB\n", bundle, m);
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
			o.r.port = optarg;
			o.r.host_port = port.host_port;
			vm_port_release(&port);
			break;
		case 'm': o.mem = opt_memory(optarg); break;
		case 'r': o.r.probe = optarg; break;
		case 'x': o.r.expect = optarg; break;
		case 'M': o.min_memory = 1; break;
		default: return 2;
		}
	}
	o.r.args = &o.args;
	if (!o.r.port || !o.r.probe || !o.r.expect || optind >= nopts || o.n < 1)
		die("bench app needs -p HOST:GUEST, --ready CMD, --expect TEXT and a bundle; see 'lupine bench --help'");
	for (int i = optind; i < nopts; i++)
		time_bundle(&o, argv[i]);
	if (o.min_memory)
		for (int i = optind; i < nopts; i++)
			min_memory(&o, argv[i]);
	return 0;
}
