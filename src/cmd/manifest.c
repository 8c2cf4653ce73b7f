/* manifest.c: `lupine manifest` derives an application's kernel options from
 * what it does (manifest/record.h): options and validation only. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "apps/build.h"
#include "lib/guard.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: lupine manifest SOURCE [--workload CMD] [--port GUEST] [-o FRAGMENT] [--prune]\n"
	"                       [-m MiB] [--timeout SEC] [--source PATH] [-- ARGS...]\n"
	"\n"
	"Derives the kernel options an application needs from what it does. Builds\n"
	"SOURCE (as for lupine build; app:NAME takes its recipe) on lupine-general,\n"
	"boots it with the kernel recording the first use of every system call, socket\n"
	"family and filesystem (and every feature it reached for and did not find),\n"
	"runs the workload against it, stops it, and writes a config fragment: one\n"
	"option per line, each after a comment naming what needs it. Options Lupine's\n"
	"base kernel has already are left out; those the derived ones depend on are\n"
	"added. Build with it: lupine build SOURCE --config FRAGMENT, or build --auto.\n"
	"\n"
	"  --workload CMD   host shell command run until it exits 0 while the app runs;\n"
	"                   {port} is the host port forwarded to the app's port (default:\n"
	"                   an app:NAME recipe's client check; without either, the\n"
	"                   application runs until it exits by itself)\n"
	"  --port GUEST     the application's TCP port for {port} (default: the recipe's)\n"
	"  -o, --output F   write the fragment to F (default: standard output)\n"
	"  --prune          then, for each option the application asked for (not those\n"
	"                   others depend on, nor the NIC), build a kernel without it\n"
	"                   and keep it only if the workload fails there (one kernel\n"
	"                   build, minutes, per option; without a workload, a trial\n"
	"                   passes when the application exits 0)\n"
	"  -m MiB           guest memory (default: the recipe's, else 256)\n"
	"  --timeout SEC    how long the workload may take to pass (default: the\n"
	"                   recipe's, else 300)\n"
	"  --source PATH    kernel source, as for lupine kernel\n";

struct manifest_opts {
	const char *source, *workload, *port, *output, *ksource;
	struct strlist args;
	int prune, mem;
	double timeout;
};

static void parse(struct manifest_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{"workload", required_argument, 0, 'w'}, {"port", required_argument, 0, 'P'},
		{"output", required_argument, 0, 'o'},   {"prune", no_argument, 0, 'p'},
		{"memory", required_argument, 0, 'm'},   {"timeout", required_argument, 0, 't'},
		{"source", required_argument, 0, 's'},   {"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	int c, nopts = opt_split(argc, argv, &o->args);

	while ((c = getopt_long(nopts, argv, "o:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w': o->workload = optarg; break;
		case 'P': o->port = optarg; break;
		case 'o': o->output = optarg; break;
		case 'p': o->prune = 1; break;
		case 'm': o->mem = opt_memory(optarg); break;
		case 't': o->timeout = opt_seconds("--timeout", optarg); break;
		case 's': o->ksource = optarg; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); exit(2);
		}
	}
	if (optind >= nopts)
		die("no source given; see 'lupine manifest --help'");
	if (optind + 1 < nopts)
		die("unexpected argument '%s'; the application's arguments go after --", argv[optind + 1]);
	o->source = argv[optind];
}

/* SOURCE -- ARGS as lupine build makes it; an app:NAME recipe's source,
 * command and files, and its check, port, memory and timeout where the
 * command line left them out. */
static void request(const struct manifest_opts *o, struct build_req *b, struct manifest_req *m,
		    struct recipe_build *rb, struct kspec *spec)
{
	static const struct strlist none;
	struct strbuf err = {0};

	*b = (struct build_req){.source = o->source, .ksource = o->ksource, .rootfs = "auto", .mem_mib = 128,
				.add_host = &none, .add_guest = &none, .env = &none, .cmd = &none, .args = &o->args,
				.spec = spec};
	*m = (struct manifest_req){.source = o->source, .build = b, .probe = o->workload, .port = o->port,
				   .mem = o->mem, .timeout = o->timeout};
	if (str_starts(o->source, "app:")) {
		if (recipe_build_fill(rb, o->source + 4, b, spec, 0, &err) < 0)
			die("%s", err.buf);
		recipe_manifest_fill(&rb->recipe, m);
	}
	if (o->workload && !m->port)
		die("--workload needs the application's port: give --port GUEST");
}

int cmd_manifest(int argc, char **argv)
{
	struct manifest_opts o = {0};
	struct recipe_build rb = {0};
	struct manifest_req mr;
	struct build_req br;
	struct kspec spec = {0};
	struct manifest m;
	struct strbuf err = {0};
	char *dir, *text;
	size_t deps = 0;

	parse(&o, argc, argv);
	request(&o, &br, &mr, &rb, &spec);
	guard_start();
	if (!(dir = tmp_dir("manifest")))
		die("cannot create a temporary directory: %s", strerror(errno));
	mr.dir = dir;
	if (manifest_record(&mr, &m, &err) < 0) {
		rm_rf(dir);
		die("%s", err.buf);
	}
	if (o.prune)
		manifest_prune(&mr, &m);
	text = manifest_render(&mr, &m);
	if (!o.output)
		fputs(text, stdout);
	else if (file_write_atomic(o.output, text, strlen(text), 0644) < 0)
		die("cannot write '%s': %s", o.output, strerror(errno));
	for (size_t i = 0; i < m.d.n; i++)
		deps += m.d.v[i].dependency;
	note("manifest: %zu options (%zu of them dependencies) from %zu features%s%s", m.d.n, deps, m.nfeatures,
	     o.output ? "; written to " : "", o.output ? o.output : "");
	rm_rf(dir);
	free(dir);
	free(text);
	manifest_release(&m);
	recipe_build_release(&rb);
	kspec_release(&spec);
	strlist_release(&o.args);
	return 0;
}
