/* bench_app.c: `lupine bench app` (bench/app.h): options and validation only. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "bench/app.h"

#include <getopt.h>
#include <stdio.h>

struct app_opts {
	struct readiness r;
	int n, mem, min_memory;
	struct strlist args; /* after -- */
};

/* Prints a library call's text as it comes, bundle by bundle. */
static void say(struct strbuf *out)
{
	fputs(out->buf ? out->buf : "", stdout);
	fflush(stdout);
	sb_release(out);
}

int cmd_bench_app(int argc, char **argv)
{
	static const struct option opts[] = {
		{"publish", required_argument, 0, 'p'}, {"ready", required_argument, 0, 'r'},
		{"expect", required_argument, 0, 'x'},  {"min-memory", no_argument, 0, 'M'},
		{0, 0, 0, 0}};
	struct app_opts o = {.n = 5, .mem = 256};
	struct strbuf err = {0}, out = {0};
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
	for (int i = optind; i < nopts; i++) {
		bench_app_times(&o.r, argv[i], o.n, o.mem, &out);
		say(&out);
	}
	for (int i = optind; o.min_memory && i < nopts; i++) {
		bench_app_min_memory(&o.r, argv[i], o.mem, &out);
		say(&out);
	}
	readiness_release(&o.r);
	strlist_release(&o.args);
	return 0;
}
