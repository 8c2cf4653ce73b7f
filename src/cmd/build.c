/* build.c: `lupine build` turns an application into a bundle: specialised kernel + rootfs + run config. */
#include "cmd/cmds.h"
#include "cmd/build.h"
#include "bundle/bundle.h"
#include "rootfs/cpio.h"
#include "rootfs/ext4.h"
#include "source/image.h"
#include "kernel/kbuild.h"
#include "kernel/kspec.h"
#include "stage/stage.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"usage: lupine build SOURCE [--app NAME | --config FRAGMENT]... [--tiny] [--kml]\n"
	"                    [--add HOST[:GUEST]]... [--cmd 'PROGRAM ARGS'] [-e KEY=VAL]...\n"
	"                    [--workdir DIR] [-m MiB] [--rootfs initramfs|ext4|auto]\n"
	"                    [-o BUNDLE] [--source PATH] [-q] [-- ARGS...]\n"
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
	"\n"
	"  --app NAME         kernel: add the manifest configs/apps/NAME.config\n"
	"  --config FILE      kernel: add a fragment of your own\n"
	"                     (default when neither is given: lupine-general, every manifest)\n"
	"  --tiny             kernel: size-optimised overlay\n"
	"  --kml              Kernel Mode Linux: the program is copied under /trusted/ and\n"
	"                     runs in ring 0 (system calls without a mode switch); only\n"
	"                     for the one trusted application: the VM is the boundary\n"
	"  --add HOST[:GUEST] copy a host file or directory into the rootfs (default: same path)\n"
	"  --cmd 'PROG ARGS'  the command, split at spaces (or give it after --)\n"
	"  -e KEY=VAL         environment for the application (repeatable)\n"
	"  --workdir DIR      working directory (default /)\n"
	"  -m MiB             default memory for 'lupine run' (default 128)\n"
	"  --rootfs FORMAT    initramfs, ext4 (a virtio-blk disk) or auto (default: ext4\n"
	"                     above 10 MiB of content, where it boots faster in less memory)\n"
	"  -o BUNDLE          output directory (default: NAME.lupine); an existing bundle\n"
	"                     there is replaced, anything else is an error\n"
	"  --source PATH      kernel source tree or tarball (see 'lupine kernel --help')\n"
	"  -q                 no progress output\n"
	"\n"
	"Arguments after -- are the application's arguments (for an ELF source; for an\n"
	"image they replace its Cmd) or its whole command (for a directory source).\n";

/* Cleaned up on an error or an interrupt, so no half-made bundle remains. */
static char *staging, *stage_root;

static void cleanup(void)
{
	if (staging)
		rm_rf(staging);
	if (stage_root)
		rm_rf(stage_root);
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The kernel for this bundle, from the cache or built now. */
static void get_kernel(struct build_opts *o, struct kbuild_result *res, struct bundle *b)
{
	struct strbuf err = {0};

	if (!o->spec.napps && !o->spec.nfiles)
		o->spec.general = 1;
	if (kspec_kernel(&o->spec, o->ksource, o->jobs, 0, res, &b->kernel_label, &b->manifests, &err) < 0)
		die("%s", err.buf);
	b->config_hash = xstrdup(res->hash);
	char *config = file_read(res->config, NULL);
	b->net = config && strstr(config, "\nCONFIG_VIRTIO_NET=y\n") != NULL;
	free(config);
}

static void split_cmd(struct strlist *cmd, const char *s)
{
	char *copy = xstrdup(s), *save = NULL;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		strlist_add(cmd, w);
	free(copy);
}

static void parse(struct build_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{"app", required_argument, 0, 'a'},     {"config", required_argument, 0, 'c'},
		{"tiny", no_argument, 0, 't'},          {"add", required_argument, 0, 'A'},
		{"cmd", required_argument, 0, 'C'},     {"env", required_argument, 0, 'e'},
		{"workdir", required_argument, 0, 'w'}, {"memory", required_argument, 0, 'm'},
		{"output", required_argument, 0, 'o'},  {"source", required_argument, 0, 's'},
		{"jobs", required_argument, 0, 'j'},    {"quiet", no_argument, 0, 'q'},
		{"rootfs", required_argument, 0, 'r'},  {"help", no_argument, 0, 'h'},
		{"kml", no_argument, 0, 'K'},
		{0, 0, 0, 0}};
	int c, nopts = argc;

	/* split at "--": options and the source before it, the command after */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			nopts = i;
			break;
		}
	o->mem = 128;
	o->rootfs = "auto";
	while ((c = getopt_long(nopts, argv, "e:m:o:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': kspec_add_app(&o->spec, optarg); break;
		case 'c': kspec_add_file(&o->spec, optarg); break;
		case 't': o->spec.tiny = 1; break;
		case 'K': o->spec.kml = 1; break;
		case 'A': strlist_add(&o->adds, optarg); break;
		case 'C':
			split_cmd(&o->cmd, optarg);
			o->cmd_full = 1;
			break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				die("-e '%s': expected KEY=VALUE", optarg);
			strlist_add(&o->env, optarg);
			break;
		case 'w': o->workdir = optarg; break;
		case 'm':
			o->mem = atoi(optarg);
			if (o->mem < 16)
				die("-m '%s': memory must be a number of MiB, at least 16", optarg);
			break;
		case 'o': o->out = optarg; break;
		case 's': o->ksource = optarg; break;
		case 'j': o->jobs = atoi(optarg); break;
		case 'q': lupine_quiet = 1; break;
		case 'r':
			if (strcmp(optarg, "initramfs") && strcmp(optarg, "ext4") && strcmp(optarg, "auto"))
				die("--rootfs '%s': expected initramfs, ext4 or auto", optarg);
			o->rootfs = optarg;
			break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); exit(2);
		}
	}
	if (optind < nopts)
		o->source = argv[optind++];
	if (optind < nopts)
		die("unexpected argument '%s'; the application's arguments go after --", argv[optind]);
	if (!o->source)
		die("no source given; see 'lupine build --help'");
	if (nopts + 1 < argc && o->cmd_full)
		die("give the command either with --cmd or after --, not both");
	for (int i = nopts + 1; i < argc; i++)
		strlist_add(&o->cmd, argv[i]);
}

static char *default_out(const char *source)
{
	char *s = xstrdup(source), *base;
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = 0;
	base = strrchr(s, '/');
	char *out = xasprintf("%s.lupine", base ? base + 1 : s);
	free(s);
	return out;
}

/* Above this much staged content, auto picks an ext4 disk over an initramfs.
 * Measured under TCG (lupine run to ready, median of 5): a 24 KB tree boots
 * 60 ms faster as an initramfs; at 10 MB both are even; Debian's redis
 * (21 MB) answers 0.62 s vs 0.73 s and needs 30 vs 42 MiB as ext4, and a
 * 270 MB tree 0.86 s vs 3.70 s and 30 vs 371 MiB: an initramfs is unpacked
 * into RAM and held there whole. */
#define EXT4_THRESHOLD_BYTES (10ULL << 20)

static void report(const char *out, const struct bundle *b, const struct kbuild_result *k, const char *rootfs)
{
	struct stat st;
	char a[32], c[32];

	stat(rootfs, &st);
	printf("bundle   %s\n", out);
	printf("kernel   %s bytes (%s, config %.12s, %s)\n", fmt_thousands(k->bzimage_bytes, a, sizeof(a)),
	       b->kernel_label, b->config_hash, k->cached ? "cached" : "built");
	printf("rootfs   %s bytes %s\n", fmt_thousands((unsigned long long)st.st_size, c, sizeof(c)),
	       b->rootfs_format);
	printf("command ");
	for (size_t i = 0; i < b->argv.n; i++)
		printf(" %s", b->argv.v[i]);
	printf("\n");
	if (b->kml)
		printf("kml      %s runs in ring 0\n", b->argv.v[0]);
	if (b->uid || b->gid)
		printf("user     %d:%d\n", b->uid, b->gid);
	for (size_t i = 0; i < b->exposed.n; i++)
		printf("port     %s exposed: forward it with -p HOSTPORT:%d\n", b->exposed.v[i], atoi(b->exposed.v[i]));
	printf("run it   lupine run %s%s\n", out, b->net ? " -p HOSTPORT:GUESTPORT" : "");
}

/* Packs the staged tree as the format asked for (auto: by size). */
static void pack_rootfs(const struct build_opts *o, struct bundle *b)
{
	struct strbuf err = {0};
	unsigned long long bytes = tree_size(stage_root, NULL);
	int ext4 = !strcmp(o->rootfs, "ext4") || (!strcmp(o->rootfs, "auto") && bytes > EXT4_THRESHOLD_BYTES);

	b->rootfs = xstrdup(ext4 ? "rootfs.ext4" : "rootfs.cpio.gz");
	b->rootfs_format = xstrdup(ext4 ? "ext4" : "initramfs");
	char *path = xasprintf("%s/%s", staging, b->rootfs);
	note("packing the root filesystem (%llu MiB) as %s ...", bytes >> 20, b->rootfs_format);
	if ((ext4 ? ext4_write_dir(stage_root, path, &err) : cpio_write_dir(stage_root, path, &err)) < 0)
		die("%s", err.buf);
	free(path);
}

int cmd_build(int argc, char **argv)
{
	struct build_opts o = {0};
	struct bundle b = {0};
	struct kbuild_result k;
	struct strbuf err = {0};
	char *out, *program = NULL, *rootfs, *kernel;
	int dir_src = 0, image_src;

	parse(&o, argc, argv);
	image_src = image_is_source(o.source);
	if (!image_src)
		program = build_resolve_source(o.source, &dir_src);
	if (dir_src && !o.cmd.n)
		die("a directory source needs a command: give it with --cmd 'PROGRAM ARGS' or after --");
	out = o.out ? xstrdup(o.out) : default_out(image_src ? strchr(o.source, ':') + 1 : o.source);
	{
		/* refuse an output we would not replace before building anything */
		char *json = xasprintf("%s/%s", out, BUNDLE_JSON);
		if (path_exists(out) && !path_exists(json))
			die("'%s' exists and is not a lupine bundle; choose another -o or remove it", out);
		free(json);
	}
	b.memory_mib = o.mem;
	b.kernel = xstrdup("kernel");
	b.cmdline = xstrdup("");

	/* stage first: a bad image or a missing library is reported before a kernel build */
	staging = xasprintf("%s.tmp-%d", out, (int)getpid());
	stage_root = xasprintf("%s.root-%d", out, (int)getpid());
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (mkdir_p(staging, 0755) < 0 || mkdir_p(stage_root, 0755) < 0)
		die("cannot create '%s': %s", staging, strerror(errno));
	if (image_src) {
		build_stage_image(stage_root, &o, &b);
	} else {
		/* --cmd is a whole command; after --, an ELF source takes arguments */
		if (!dir_src && !o.cmd_full)
			strlist_add(&b.argv, program);
		for (size_t i = 0; i < o.cmd.n; i++)
			strlist_add(&b.argv, o.cmd.v[i]);
		env_set(&b.env, DEFAULT_PATH);
		if (dir_src) {
			if (stage_copy(stage_root, program, "/", &err) < 0)
				die("%s", err.buf);
		} else {
			build_stage_elf(stage_root, program);
		}
	}
	for (size_t i = 0; i < o.env.n; i++)
		env_set(&b.env, o.env.v[i]);
	if (!b.workdir)
		b.workdir = xstrdup(o.workdir ? o.workdir : "/");
	build_stage_adds(stage_root, &o.adds);
	if (stage_etc(stage_root, &err) < 0)
		die("%s", err.buf);
	char *where = build_find_command(stage_root, &b.env, b.argv.v[0]);
	if (!where)
		die("the command '%s' is not in the root filesystem; add it with --add or fix --cmd", b.argv.v[0]);
	if (o.spec.kml)
		build_stage_trusted(stage_root, &b, where);
	free(where);
	b.kml = o.spec.kml;
	get_kernel(&o, &k, &b);
	pack_rootfs(&o, &b);
	rootfs = xasprintf("%s/%s", out, b.rootfs);
	kernel = xasprintf("%s/%s", staging, b.kernel);
	if (file_copy(k.bzimage, kernel, 0644) < 0)
		die("cannot copy the kernel to '%s': %s", kernel, strerror(errno));
	if (bundle_write_json(staging, &b, &err) < 0 || bundle_commit(staging, out, &err) < 0)
		die("%s", err.buf);
	free(staging);
	staging = NULL;
	report(out, &b, &k, rootfs);
	cleanup();
	bundle_release(&b);
	free(rootfs);
	free(kernel);
	free(program);
	free(out);
	kbuild_result_release(&k);
	return 0;
}
