/* build.c: `lupine build` turns an application into a bundle: specialised kernel + rootfs + run config.
 * Options and validation only; bundle/make.c does the work. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "apps/build.h"
#include "lib/guard.h"
#include "rootfs/rootfs.h"
#include "source/source.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

static const char usage[] =
	"usage: lupine build SOURCE [--app NAME | --config FRAGMENT]... [--auto] [--tiny] [--kml]\n"
	"                    [--general | --baseline microvm|debian]\n"
	"                    [--add HOST[:GUEST]]... [--cmd 'PROGRAM ARGS'] [-e KEY=VAL]...\n"
	"                    [--workdir DIR] [-m MiB] [--rootfs initramfs|ext4|auto]\n"
	"                    [--bzimage] [-o BUNDLE] [--source PATH] [-q] [-- ARGS...]\n"
	"\n"
	"Turns an application into a Lupine bundle: a kernel specialised for it, its\n"
	"root filesystem (an initramfs or an ext4 disk), and a run configuration\n"
	"(lupine.json).\n"
	"\n"
	"SOURCE is one of:\n"
	"  PATH or NAME       a host ELF executable (NAME is looked up in PATH), packed\n"
	"                     with its dynamic loader and shared-library closure\n"
	"  dir:PATH or a dir  a root filesystem directory (give the command with --cmd\n"
	"                     or after --)\n"
	"  oci:DIR[:TAG]      an OCI image layout (skopeo, umoci, buildah, buildx)\n"
	"  docker-archive:FILE[:TAG]  what 'docker save' or 'podman save' writes\n"
	"                     (the image's Entrypoint, Cmd, Env, WorkingDir and User\n"
	"                     become the run config)\n"
	"  docker://[HOST[:PORT]/]NAME[:TAG]  an image in a registry, pulled with skopeo\n"
	"                     into the cache (again only when the tag moved); registries\n"
	"                     on exactly 127.0.0.1, localhost or [::1] get plain HTTP\n"
	"  deb:PKG[,PKG...]   Debian packages and their dependencies (mmdebstrap,\n"
	"                     cached); give the command with --cmd or after --\n"
	"  app:NAME           the recipe for NAME (configs/apps/NAME.recipe; 'lupine apps\n"
	"                     list'): its source, command, files and ports, on NAME's kernel\n"
	"\n"
	"  --app NAME         kernel: add the manifest configs/apps/NAME.config\n"
	"  --config FILE      kernel: add a fragment of your own\n"
	"  --general          kernel: lupine-general, every manifest (the default when\n"
	"                     neither --app nor --config is given, except for app:NAME)\n"
	"  --auto             kernel: derive the manifest from what the application does\n"
	"                     ('lupine manifest SOURCE -- ARGS': a recording run on\n"
	"                     lupine-general, with an app:NAME recipe's client check as\n"
	"                     the workload) and build base + that; the bundle keeps it as\n"
	"                     manifest.config\n"
	"  --baseline NAME    kernel: a comparison kernel instead of a Lupine one: microvm\n"
	"                     (Firecracker's 6.1 guest config) or debian (Debian's amd64\n"
	"                     config); see 'lupine kernel --help'\n"
	"  --tiny             kernel: size-optimised overlay\n"
	"  --kml              Kernel Mode Linux: the program is copied under /trusted/ and\n"
	"                     runs in ring 0 (system calls without a mode switch); only\n"
	"                     for the one trusted application: the VM is the boundary\n"
	"  --bzimage          the bundle boots the kernel's compressed bzImage instead of\n"
	"                     its vmlinux, which QEMU starts at its PVH entry with nothing\n"
	"                     to decompress (faster; larger on disk)\n"
	"  --add HOST[:GUEST] copy a host file or directory into the rootfs (default: same path)\n"
	"  --cmd 'PROG ARGS'  the command, split at spaces (or give it after --)\n"
	"  -e KEY=VAL         environment for the application (repeatable)\n"
	"  --workdir DIR      working directory (default /)\n"
	"  -m MiB             default memory for 'lupine run' (default 128)\n"
	"  --rootfs FORMAT    initramfs, ext4 (a virtio-blk disk) or auto (default: ext4\n"
	"                     above 10 MiB of content, where it boots faster in less memory)\n"
	"  -o BUNDLE          output directory (default: NAME.lupine); an existing bundle\n"
	"                     there is replaced, anything else is an error\n"
	"  --snapshot[=SNAP]  app:NAME only: then boot the bundle, wait for the recipe's\n"
	"                     client check and save the ready VM into SNAP (default\n"
	"                     BUNDLE.snap), as 'lupine snapshot BUNDLE' does; start it\n"
	"                     with 'lupine run --from SNAP'\n"
	"  --source PATH      kernel source tree or tarball (see 'lupine kernel --help')\n"
	"  -q                 no progress output\n"
	"\n"
	"Arguments after -- are the application's arguments (for an ELF source; for an\n"
	"image they replace its Cmd) or its whole command (for a directory source).\n";

struct build_opts {
	struct build_req req;
	struct kspec spec;
	struct strlist add_host, add_guest, env, cmd, args;
	struct recipe_build recipe; /* SOURCE app:NAME */
	int mem_given, autom, snap;
	char *out, *snap_out;
};

static void on_signal(int sig)
{
	bundle_build_abort();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* --add HOST[:GUEST]: the guest path defaults to the host's, and is absolute. */
static void add_opt(struct build_opts *o, const char *arg)
{
	const char *colon = strchr(arg, ':');
	char *host = colon ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg);
	const char *guest = colon ? colon + 1 : host;

	if (guest[0] != '/')
		die("--add '%s': the guest path must be absolute", arg);
	if (!path_exists(host))
		die("--add '%s': '%s' does not exist", arg, host);
	strlist_add(&o->add_host, host);
	strlist_add(&o->add_guest, guest);
	free(host);
}

/* What the options say together. */
static void check_opts(struct build_opts *o)
{
	struct build_req *r = &o->req;

	if (!r->source)
		die("no source given; see 'lupine build --help'");
	if (o->args.n && o->cmd.n)
		die("give the command either with --cmd or after --, not both");
	if (r->workdir && r->workdir[0] != '/')
		die("--workdir '%s': the directory must be absolute", r->workdir);
	if (o->autom && (o->spec.napps || o->spec.nfiles || o->spec.general || o->spec.baseline))
		die("--auto derives the kernel options: give it without --app, --config, --general or --baseline");
	if (o->snap && !str_starts(r->source, "app:"))
		die("--snapshot waits for a recipe's client check: build app:NAME, or snapshot this bundle "
		    "with 'lupine snapshot BUNDLE --ready CMD --port GUEST'");
	if (o->autom && (o->cmd.n || o->env.n || o->add_host.n || r->workdir))
		die("--auto derives from SOURCE and the arguments after -- alone; for --cmd, -e, --add or "
		    "--workdir run 'lupine manifest' yourself and build with --config");
}

static void parse(struct build_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		OPT_KSPEC_LONGOPTS,
		{"add", required_argument, 0, 'A'},     {"cmd", required_argument, 0, 'C'},
		{"env", required_argument, 0, 'e'},     {"workdir", required_argument, 0, 'w'},
		{"memory", required_argument, 0, 'm'},  {"output", required_argument, 0, 'o'},
		{"source", required_argument, 0, 's'},  {"jobs", required_argument, 0, 'j'},
		{"quiet", no_argument, 0, 'q'},         {"rootfs", required_argument, 0, 'r'},
		{"auto", no_argument, 0, 'a'},          {"help", no_argument, 0, 'h'},
		{"snapshot", optional_argument, 0, 'S'}, {"bzimage", no_argument, 0, 'B'},
		{0, 0, 0, 0}};
	struct build_req *r = &o->req;
	int c, nopts = opt_split(argc, argv, &o->args);

	r->mem_mib = 128;
	r->rootfs = "auto";
	while ((c = getopt_long(nopts, argv, "e:m:o:j:qh", opts, NULL)) != -1) {
		if (opt_kspec(c, optarg, &o->spec))
			continue;
		switch (c) {
		case 'A': add_opt(o, optarg); break;
		case 'C': opt_cmd(optarg, &o->cmd); break;
		case 'e': opt_env(optarg, &o->env); break;
		case 'w': r->workdir = optarg; break;
		case 'm':
			r->mem_mib = opt_memory(optarg);
			o->mem_given = 1;
			break;
		case 'o': r->out = optarg; break;
		case 's': r->ksource = optarg; break;
		case 'j': r->jobs = (int)opt_long("-j", optarg, 1, 1024); break;
		case 'q': lupine_quiet = 1; break;
		case 'a': o->autom = 1; break;
		case 'S':
			if (optarg && !*optarg)
				die("--snapshot=: give the snapshot's path, or --snapshot alone for BUNDLE.snap");
			o->snap = 1;
			free(o->snap_out);
			o->snap_out = optarg ? xstrdup(optarg) : NULL;
			break;
		case 'B': r->bzimage = 1; break;
		case 'r':
			if (!rootfs_choose(optarg, 0))
				die("--rootfs '%s': expected %s", optarg, rootfs_names());
			r->rootfs = optarg;
			break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); exit(2);
		}
	}
	if (optind < nopts)
		r->source = argv[optind++];
	if (optind < nopts)
		die("unexpected argument '%s'; the application's arguments go after --", argv[optind]);
	check_opts(o);
}


/* --auto: the manifest derived from a recording run of SOURCE (for app:NAME
 * with its client check as the workload), then the bundle on base + it. */
static int build_auto(struct build_opts *o, const char *source, struct build_res *res, struct strbuf *err)
{
	struct manifest_req m = {.source = source, .build = &o->req};
	char *dir = tmp_dir("auto");
	int ret;

	if (!dir)
		die("cannot create a temporary directory: %s", strerror(errno));
	m.dir = dir;
	if (str_starts(source, "app:"))
		recipe_manifest_fill(&o->recipe.recipe, &m);
	ret = manifest_build(&m, o->out, res, err);
	rm_rf(dir);
	free(dir);
	return ret;
}

/* --snapshot: the bundle just built, saved once its recipe's check passes. */
static void snapshot_after(struct build_opts *o)
{
	struct strbuf err = {0};
	struct snapshot s;
	unsigned long long alloc, size;

	if (!o->snap_out)
		o->snap_out = xasprintf("%s.snap", o->out);
	note("snapshot: booting %s until its check passes ...", o->out);
	if (apps_snapshot(&o->recipe.recipe, o->out, o->snap_out, &s, &err) < 0)
		die("--snapshot: %s (the bundle %s is built; nothing was saved)", err.buf, o->out);
	snapshot_size(&s, &alloc, &size);
	printf("snapshot %s: ready after %.2f s; %.1f MiB on disk\n", o->snap_out, s.ready_s, alloc / 1048576.0);
	printf("restore  lupine run --from %s%s%s\n", o->snap_out, o->recipe.recipe.ports.n ? " -p HOSTPORT:" : "",
	       o->recipe.recipe.ports.n ? o->recipe.recipe.ports.v[0] : "");
	snapshot_release(&s);
}

int cmd_build(int argc, char **argv)
{
	struct build_opts o = {0};
	struct build_res res;
	struct strbuf err = {0}, summary = {0};
	const char *source;

	parse(&o, argc, argv);
	guard_start(); /* and for kill -9: staging goes with us */
	source = o.req.source;
	o.out = o.req.out ? xstrdup(o.req.out)
	      : str_starts(o.req.source, "app:") ? xasprintf("%s.lupine", o.req.source + 4)
						  : source_default_name(o.req.source);
	/* "DIR/" would stage inside DIR (making it) and then find it no bundle */
	for (size_t n = strlen(o.out); n > 1 && o.out[n - 1] == '/'; n--)
		o.out[n - 1] = 0;
	o.req.out = o.out;
	o.req.spec = &o.spec;
	o.req.add_host = &o.add_host;
	o.req.add_guest = &o.add_guest;
	o.req.env = &o.env;
	o.req.cmd = &o.cmd;
	o.req.args = &o.args;
	/* app:NAME: the recipe's source, command, environment, user, files and
	 * ports, on NAME's own manifest kernel; the command line still wins */
	if (str_starts(o.req.source, "app:") &&
	    recipe_build_fill(&o.recipe, o.req.source + 4, &o.req, &o.spec, o.mem_given, &err) < 0)
		die("%s", err.buf);
	if (o.snap && !o.recipe.recipe.check)
		die("--snapshot: recipe '%s' has no client check (a one-shot application): nothing to snapshot it at",
		    o.recipe.recipe.name);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (o.autom && build_auto(&o, source, &res, &err) < 0)
		die("--auto: %s; nothing was built", err.buf);
	if (!o.autom && bundle_build(&o.req, &res, &err) < 0)
		die("%s", err.buf);
	build_res_describe(&o.req, &res, &summary);
	fputs(summary.buf, stdout);
	if (o.autom)
		printf("manifest %s/manifest.config (derived by --auto)\n", o.out);
	if (o.snap)
		snapshot_after(&o);
	build_res_release(&res);
	sb_release(&summary);
	kspec_release(&o.spec);
	strlist_release(&o.add_host);
	strlist_release(&o.add_guest);
	strlist_release(&o.env);
	strlist_release(&o.cmd);
	strlist_release(&o.args);
	recipe_build_release(&o.recipe);
	free(o.out);
	free(o.snap_out);
	return 0;
}
