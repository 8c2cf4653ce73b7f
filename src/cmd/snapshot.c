/* snapshot.c: `lupine snapshot` boots a bundle, waits until its application is ready and saves the VM.
 * Options and validation only; bundle/take.c and vm/snapshot.c do the work. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "apps/recipe.h"
#include "bundle/snapshot.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: lupine snapshot BUNDLE [-o SNAP] [--app NAME | --ready CMD [--expect TEXT]]\n"
	"                       [--port GUEST] [-m MiB] [--timeout SEC] [--log FILE] [-- ARGS]\n"
	"\n"
	"Boots the bundle with its RAM in a file, waits until the application is\n"
	"ready, stops its processes, and saves the VM (QEMU's device state; the RAM\n"
	"file holds the pages the guest touched) and its disk as it was at that\n"
	"instant into SNAP (default BUNDLE.snap). 'lupine run --from SNAP' restores it\n"
	"as a new VM: fresh entropy, the clock set to now, a disk of its own. A\n"
	"snapshot records the bundle's lupine.json, kernel and root filesystem and\n"
	"the QEMU version, and is refused once any of them changed.\n"
	"\n"
	"  -o SNAP          the snapshot directory (replaced whole if it is one)\n"
	"  --app NAME       ready when recipe NAME's client check passes (the default\n"
	"                   for a bundle built from a recipe: 'lupine build app:NAME')\n"
	"  --ready CMD      ready when the shell command CMD exits 0 (or prints\n"
	"                   --expect TEXT); {port} in it is the host port forwarded to\n"
	"                   --port GUEST, e.g. --ready 'redis-cli -p {port} PING'\n"
	"                   --expect PONG --port 6379\n"
	"  --port GUEST     the guest TCP port the check talks to\n"
	"  -m MiB           guest memory (default: the bundle's)\n"
	"  --timeout SEC    how long the application has to be ready (default 300)\n"
	"  --log FILE       the console and the application's output while it boots\n"
	"  -- ARGS          replace the application's arguments\n";

struct snap_opts {
	struct snapshot_req rq;
	struct readiness r;
	struct recipe recipe;
	struct strlist args;
	const char *app, *guest_port;
	char *port, *out;
	int have_recipe;
};

/* The recipe the bundle was built from: its one manifest is "apps/NAME". */
static const char *bundle_app(const char *bundle)
{
	static char name[128];
	struct bundle b;
	struct strbuf err = {0};
	const char *ret = NULL;

	bundle_init(&b);
	if (bundle_load(bundle, &b, &err) == 0 && b.manifests.n == 1 && !strncmp(b.manifests.v[0], "apps/", 5) &&
	    strlen(b.manifests.v[0] + 5) < sizeof(name)) {
		strcpy(name, b.manifests.v[0] + 5);
		ret = name;
	}
	bundle_release(&b);
	sb_release(&err);
	return ret;
}

/* --app NAME (or the bundle's own recipe): its check, expectation, port and time. */
static void from_recipe(struct snap_opts *o, const char *name, int asked)
{
	struct strbuf err = {0};

	if (recipe_load(name, &o->recipe, &err) < 0) {
		if (asked)
			die("%s", err.buf);
		sb_release(&err);
		return;
	}
	o->have_recipe = 1;
	if (!o->recipe.check)
		die("recipe '%s' has no client check (a one-shot application): nothing to snapshot it at", name);
	o->r.probe = o->recipe.check;
	o->r.expect = o->recipe.expect;
	if (!o->guest_port && o->recipe.ports.n)
		o->guest_port = o->recipe.ports.v[0];
	if (!o->rq.limit && o->recipe.check_timeout > 0)
		o->rq.limit = o->recipe.check_timeout;
}

static void parse(struct snap_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, 0, 'o'}, {"app", required_argument, 0, 'a'},
		{"ready", required_argument, 0, 'r'},  {"expect", required_argument, 0, 'x'},
		{"port", required_argument, 0, 'P'},   {"memory", required_argument, 0, 'm'},
		{"timeout", required_argument, 0, 'T'}, {"log", required_argument, 0, 'l'},
		{"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
	int c, nopts = opt_split(argc, argv, &o->args);

	while ((c = getopt_long(nopts, argv, "o:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = xstrdup(optarg); break;
		case 'a': o->app = optarg; break;
		case 'r': o->r.probe = optarg; break;
		case 'x': o->r.expect = optarg; break;
		case 'P': o->guest_port = optarg; break;
		case 'm': o->rq.mem_mib = opt_memory(optarg); break;
		case 'T': o->rq.limit = opt_seconds("--timeout", optarg); break;
		case 'l': o->r.log = optarg; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); exit(2);
		}
	}
	if (optind + 1 != nopts)
		die(optind >= nopts ? "no bundle given; see 'lupine snapshot --help'"
				    : "unexpected argument; the application's arguments go after --");
	o->rq.bundle = argv[optind];
}

/* The check: --ready, else --app's recipe, else the bundle's own recipe's. */
static void resolve(struct snap_opts *o)
{
	const char *own;

	if (o->app && o->r.probe)
		die("--app and --ready both say when the application is ready: give one");
	if (o->app)
		from_recipe(o, o->app, 1);
	else if (!o->r.probe && (own = bundle_app(o->rq.bundle)))
		from_recipe(o, own, 0);
	if (!o->r.probe)
		die("say when the application is ready: --app NAME (a recipe's client check) or --ready CMD --port GUEST");
	if (strstr(o->r.probe, "{port}") && !o->guest_port)
		die("--ready uses {port}: give the guest port it talks to with --port GUEST");
	if (o->guest_port) {
		int hp = vm_port_unused();
		if (hp < 0)
			die("cannot find a free TCP port on 127.0.0.1 for the check");
		o->port = xasprintf("%d:%s", hp, o->guest_port);
		o->r.port = o->port;
		o->r.host_port = hp;
	}
	if (!o->out) {
		size_t n = strlen(o->rq.bundle);
		while (n > 1 && o->rq.bundle[n - 1] == '/')
			n--;
		o->out = xasprintf("%.*s.snap", (int)n, o->rq.bundle);
	}
	if (!o->rq.limit)
		o->rq.limit = 300;
}

int cmd_snapshot(int argc, char **argv)
{
	struct snap_opts o = {0};
	struct strbuf err = {0};
	struct snapshot s;
	unsigned long long alloc, size;

	parse(&o, argc, argv);
	resolve(&o);
	o.r.args = o.args.n ? &o.args : NULL;
	o.r.stop_timeout = 2;
	o.rq.out = o.out;
	o.rq.ready = &o.r;
	if (bundle_snapshot(&o.rq, &s, &err) < 0)
		die("%s", err.buf);
	snapshot_size(&s, &alloc, &size);
	printf("snapshot %s: ready after %.2f s; %.1f MiB on disk (%.1f MiB of files: RAM %d MiB%s)\n", o.out,
	       s.ready_s, alloc / 1048576.0, size / 1048576.0, s.mem_mib, s.disk ? ", disk" : "");
	printf("restore it  lupine run --from %s%s%s\n", o.out, o.guest_port ? " -p HOSTPORT:" : "",
	       o.guest_port ? o.guest_port : "");
	snapshot_release(&s);
	readiness_release(&o.r);
	if (o.have_recipe)
		recipe_release(&o.recipe);
	strlist_release(&o.args);
	free(o.port);
	free(o.out);
	return 0;
}
