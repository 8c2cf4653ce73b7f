/* kernel.c: `lupine kernel` builds (or fetches from the cache) a specialised kernel. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "kernel/configs.h"
#include "kernel/kbaseline.h"
#include "kernel/kbuild.h"
#include "kernel/kspec.h"
#include "lib/cache.h"
#include "manifest/kfeature.h"
#include "vm/hello.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: lupine kernel [--app NAME]... [--config FRAGMENT]... [--general] [--tiny] [--kml]\n"
	"       lupine kernel --baseline microvm|debian [--config FRAGMENT]...\n"
	"                     [--source PATH] [-o PATH] [-j N] [--force] [--boot] [-q]\n"
	"                     [--print-config]\n"
	"       lupine kernel --list\n"
	"       lupine kernel --explain OPTION\n"
	"       lupine kernel --explain-syscall NAME [--source PATH]\n"
	"\n"
	"Merges configs/base.config with the chosen fragments using the kernel's own\n"
	"kconfig (allnoconfig + KCONFIG_ALLCONFIG, then olddefconfig), checks that every\n"
	"option asked for holds, and builds a bzImage out of tree. Kernels are cached by\n"
	"a hash of (source, final .config); a cached kernel returns at once.\n"
	"\n"
	"  --app NAME        add the application manifest configs/apps/NAME.config\n"
	"  --config FILE     add a fragment of your own (CONFIG_X=y, # CONFIG_X is not set)\n"
	"  --general         add every application manifest (lupine-general)\n"
	"  --tiny            add the size-optimised overlay configs/tiny.config\n"
	"  --baseline NAME   build a comparison kernel from a complete config instead:\n"
	"                    microvm is Firecracker's 6.1 guest config (configs/baselines/\n"
	"                    microvm.config), debian is Debian's amd64 distro config\n"
	"                    (" KBASELINE_DEBIAN_CONFIG ",\n"
	"                    or $LUPINE_DEBIAN_CONFIG); each with the few options Lupine's\n"
	"                    init and devices need on top (configs/baselines/NAME-lupine.config),\n"
	"                    resolved by olddefconfig alone, from the tree without Lupine's patches\n"
	"  --kml             Kernel Mode Linux: apply kernel/kml.patch and add\n"
	"                    configs/kml.config; programs under /trusted/ run in ring 0\n"
	"  --source PATH     kernel tree or tarball (default: $LUPINE_LINUX_SRC, else\n"
	"                    " KSOURCE_DEFAULT ")\n"
	"  -o, --output PATH copy the bzImage to PATH\n"
	"  -j, --jobs N      parallel make jobs (default: number of CPUs)\n"
	"  --force           rebuild even if the kernel is cached\n"
	"  --boot            then boot it in QEMU with a built-in hello init (smoke test)\n"
	"  --print-config    print the resolved .config instead of building (seconds)\n"
	"  -q, --quiet       no progress output\n"
	"  --list            list the known application manifests\n"
	"  --explain OPTION  show which fragments ask for OPTION and why\n"
	"  --explain-syscall NAME, --explain-feature NAME\n"
	"                    show the option that builds system call NAME, socket\n"
	"                    family NAME (AF_INET6) or filesystem type NAME (tmpfs),\n"
	"                    and what a program sees without it; read from the kernel\n"
	"                    source once, then kept in the cache beside it\n"
	"\n"
	"Cache: $LUPINE_CACHE, else $XDG_CACHE_HOME/lupine, else $HOME/.cache/lupine,\n"
	"else " CACHE_ROOT_SYSTEM " for root (others must set one of them). It and\n"
	"everything in it must be yours and writable by no one else, or it is refused.\n";

/* A library call's text, printed. */
static int print_text(struct strbuf *text)
{
	fputs(text->buf ? text->buf : "", stdout);
	sb_release(text);
	return 0;
}

static int explain_feature(const char *name, const char *source)
{
	struct strbuf err = {0}, out = {0};

	if (kfeature_explain_in(source, name, &out, &err) < 0)
		die("%s", err.buf);
	return print_text(&out);
}


/* Proves the kernel reaches init; prints what the console showed otherwise. */
/* --boot: proves the kernel reaches init; what the console showed otherwise. */
static int boot_hello(const char *kernel)
{
	struct strbuf out = {0}, err = {0};
	int ok = hello_check(kernel, &out, &err) == 0;

	fputs(out.buf ? out.buf : "", ok ? stdout : stderr);
	if (!ok)
		die("%s", err.buf);
	sb_release(&out);
	return 0;
}

static int print_config(struct kspec *spec, const char *source)
{
	struct strbuf err = {0};
	char *label, *config = kspec_config(spec, source, &label, &err);

	if (!config)
		die("%s", str_trim(err.buf));
	fputs(config, stdout);
	free(config);
	free(label);
	kspec_release(spec);
	return 0;
}

int cmd_kernel(int argc, char **argv)
{
	static const struct option opts[] = {
		OPT_KSPEC_LONGOPTS,
		{"source", required_argument, 0, 's'}, {"output", required_argument, 0, 'o'},
		{"jobs", required_argument, 0, 'j'},   {"force", no_argument, 0, 'f'},
		{"quiet", no_argument, 0, 'q'},        {"list", no_argument, 0, 'l'},
		{"explain", required_argument, 0, 'e'}, {"help", no_argument, 0, 'h'},
		{"boot", no_argument, 0, 'b'},         {"print-config", no_argument, 0, 'P'},
		{"explain-syscall", required_argument, 0, 'S'}, {"explain-feature", required_argument, 0, 'S'},
		{0, 0, 0, 0}};
	struct kspec spec = {0};
	struct kbuild_result res;
	struct strbuf err = {0}, text = {0};
	const char *source = NULL, *out = NULL, *feature = NULL;
	char *label;
	int c, boot = 0, ret = 0, jobs = 0, force = 0, print = 0;

	while ((c = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
		if (opt_kspec(c, optarg, &spec))
			continue;
		switch (c) {
		case 's': source = optarg; break;
		case 'o': out = optarg; break;
		case 'j': jobs = (int)opt_long("-j", optarg, 1, 1024); break;
		case 'f': force = 1; break;
		case 'b': boot = 1; break;
		case 'P': print = 1; break;
		case 'q': lupine_quiet = 1; break;
		case 'l': configs_list(&text); return print_text(&text);
		case 'e': configs_explain(optarg, &text); return print_text(&text);
		case 'S': feature = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind < argc)
		die("unexpected argument '%s'; see 'lupine kernel --help'", argv[optind]);
	if (feature)
		return explain_feature(feature, source);
	if (print)
		return print_config(&spec, source);
	struct kspec_build kb = {.source = source, .jobs = jobs, .force = force};
	if (kspec_kernel(&spec, &kb, &res, &label, &err) < 0)
		die("%s", str_trim(err.buf));
	if (out && file_copy(res.bzimage, out, 0644) < 0)
		die("cannot write '%s': %s", out, strerror(errno));
	kbuild_result_describe(&res, label, out, &text);
	print_text(&text);
	if (boot)
		ret = boot_hello(res.bzimage);
	kbuild_result_release(&res);
	kspec_release(&spec);
	free(label);
	sb_release(&err);
	return ret;
}
