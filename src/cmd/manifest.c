/* manifest.c: `lupine manifest` derives an application's kernel options from
 * what it does: built on lupine-general, booted with the kernel recording
 * (lupine run --record-features) while a workload runs against it, its
 * notes resolved to options (manifest/kderive.h). --prune then drops, one
 * kernel build each, the options the workload does without (which ones it
 * tries, and what goes with them: manifest/prune.h). */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "bundle/ready.h"
#include "apps/recipe.h"
#include "lib/guard.h"
#include "lib/progress.h"
#include "manifest/prune.h"
#include "vm/vmm.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* seconds the application gets to end after the workload passed: the init
 * reads the kernel's notes as it ends */
#define STOP_TIMEOUT 30

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
	struct recipe recipe;
	int has_recipe, prune, mem;
	double timeout;
	char *dir; /* private temporary directory */
};

/* lupine build SOURCE [--general | --config FRAG] -o OUT [-- ARGS]; 0 or -1 (log has why). */
static int build_bundle(const struct manifest_opts *o, const char *frag, const char *out, const char *log)
{
	char *argv[64];
	int k = 0;

	argv[k++] = "/proc/self/exe";
	argv[k++] = "build";
	argv[k++] = (char *)o->source;
	argv[k++] = "-q";
	argv[k++] = "-o";
	argv[k++] = (char *)out;
	argv[k++] = frag ? "--config" : "--general";
	if (frag)
		argv[k++] = (char *)frag;
	if (o->ksource) {
		argv[k++] = "--source";
		argv[k++] = (char *)o->ksource;
	}
	if (o->args.n)
		argv[k++] = "--";
	for (size_t i = 0; i < o->args.n && k < 62; i++)
		argv[k++] = o->args.v[i];
	argv[k] = NULL;
	return progress_run_logged(argv, log, NULL) == 0 ? 0 : -1;
}

/* One run of bundle with the workload; 1 if the workload passed. notes:
 * record, and the kernel's notes go there. Without a workload the recording
 * run passes however the application exits, a trial (notes NULL) only when
 * it exits 0; clean (if not NULL) says whether the application came through
 * it unharmed. */
static int workload_passes(const struct manifest_opts *o, const char *bundle, struct readiness *notes,
			   const char *log, int *clean)
{
	int hp = o->port ? vm_port_unused() : 0;
	char *port = o->port ? xasprintf("%d:%s", hp, o->port) : NULL;
	const char *probe = o->workload ? o->workload : o->has_recipe ? o->recipe.check : NULL;
	const char *expect = o->workload ? NULL : o->has_recipe ? o->recipe.expect : NULL;
	struct readiness rd = {.port = port, .host_port = hp, .probe = probe, .expect = expect, .log = log,
			       .record = notes != NULL, .stop_timeout = STOP_TIMEOUT};
	double t = ready_time(&rd, bundle, o->mem, o->timeout);

	free(port);
	int unharmed = t >= 0 && (probe || expect || rd.status == 0);
	if (clean)
		*clean = unharmed;
	if (notes) {
		notes->used = rd.used;
		notes->missing = rd.missing;
	} else {
		readiness_release(&rd);
	}
	return unharmed || (t >= 0 && notes);
}

/* Records a run on lupine-general and derives; 0, or -1 with err. */
static int derive(const struct manifest_opts *o, struct kderivation *d, size_t *nfeatures, struct strbuf *err)
{
	char *bundle = xasprintf("%s/general.lupine", o->dir), *blog = xasprintf("%s/build.log", o->dir);
	char *rlog = xasprintf("%s/run.log", o->dir);
	struct readiness notes = {0};
	struct knotes k = {0};
	int ret = -1;

	note("manifest: building %s on lupine-general, the recording kernel ...", o->source);
	if (build_bundle(o, NULL, bundle, blog) < 0) {
		char *why = file_tail(blog, 600);
		sb_addf(err, "cannot build %s: %s", o->source, why);
		free(why);
		goto out;
	}
	note("manifest: running it with the kernel recording, %s ...",
	     o->workload || o->has_recipe ? "until the workload passes" : "until it exits");
	int clean = 0;
	if (!workload_passes(o, bundle, &notes, rlog, &clean)) {
		char *why = file_tail(rlog, 600);
		sb_addf(err, "the workload did not pass on lupine-general within %.0f s, so nothing can be derived from it; "
			     "the run ended with: %s", o->timeout, why);
		free(why);
		goto out;
	}
	if (!notes.used.n) {
		char *why = file_tail(rlog, 600);
		/* the init reads the kernel's notes as the application ends: a VM
		 * killed after the stop timeout has none to give */
		sb_addf(err, "the recording run reported no features: the application did not end by itself within "
			     "%.0f s of the stop, so the init never read the kernel's notes; the run ended with: %s",
			(double)STOP_TIMEOUT, why);
		free(why);
		goto out;
	}
	if (knotes_resolve(o->ksource, &notes.missing, &notes.used, &k, err) < 0 ||
	    kderive(o->ksource, &k, o->port != NULL, clean, d, err) < 0)
		goto out;
	*nfeatures = k.n;
	ret = 0;
out:
	knotes_release(&k);
	readiness_release(&notes);
	free(bundle);
	free(blog);
	free(rlog);
	return ret;
}

/* Loupe-style: without each prunable option in turn, does the workload still pass? */
static void prune(const struct manifest_opts *o, struct kderivation *d, struct strlist *dropped)
{
	struct strlist cand = {0};

	kderive_prunable(d, &cand);
	for (size_t i = 0; i < cand.n; i++) {
		char *text = kderive_render(d, "", cand.v[i]), *frag = xasprintf("%s/prune.config", o->dir);
		char *bundle = xasprintf("%s/prune-%zu.lupine", o->dir, i), *log = xasprintf("%s/prune.log", o->dir);
		note("manifest: prune %zu/%zu: building without %s ...", i + 1, cand.n, cand.v[i]);
		int passes = file_write_atomic(frag, text, strlen(text), 0644) == 0 &&
			     build_bundle(o, frag, bundle, log) == 0 && workload_passes(o, bundle, NULL, log, NULL);
		note("manifest: prune %zu/%zu: without %s the workload %s", i + 1, cand.n, cand.v[i],
		     passes ? "passes: dropped" : "fails: kept");
		if (passes) {
			strlist_add(dropped, cand.v[i]);
			kderive_drop(d, cand.v[i]);
		}
		rm_rf(bundle);
		free(log);
		free(bundle);
		free(frag);
		free(text);
	}
	kderive_drop_orphans(d, dropped);
	strlist_release(&cand);
}

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

/* A recipe's port, memory and check fill what the command line left out. */
static void apply_recipe(struct manifest_opts *o)
{
	struct strbuf err = {0};

	if (!str_starts(o->source, "app:"))
		return;
	if (recipe_load(o->source + 4, &o->recipe, &err) < 0)
		die("%s", err.buf);
	o->has_recipe = 1;
	if (!o->port && o->recipe.ports.n)
		o->port = o->recipe.ports.v[0];
	if (!o->mem)
		o->mem = o->recipe.memory_mib;
	if (!o->timeout && o->recipe.check_timeout > 0)
		o->timeout = o->recipe.check_timeout;
}

static char *header(const struct manifest_opts *o, const struct strlist *dropped, size_t nfeatures)
{
	struct strbuf h = {0};
	const char *work = o->workload ? o->workload : o->has_recipe && o->recipe.check ? o->recipe.check : NULL;

	sb_addf(&h, "# Derived by lupine manifest from %s: the options for the %zu kernel features it used\n",
		o->source, nfeatures);
	sb_addf(&h, "# on lupine-general (%s%s), beyond Lupine's base kernel.\n",
		work ? "workload: " : "it ran until it exited", work ? work : "");
	for (size_t i = 0; i < dropped->n; i++)
		sb_addf(&h, "# pruned: %s (the workload passes without it)\n", dropped->v[i]);
	return sb_detach(&h);
}

int cmd_manifest(int argc, char **argv)
{
	struct manifest_opts o = {0};
	struct kderivation d = {0};
	struct strlist dropped = {0};
	struct strbuf err = {0};
	size_t nfeatures = 0, deps = 0;

	parse(&o, argc, argv);
	apply_recipe(&o);
	if (o.workload && !o.port)
		die("--workload needs the application's port: give --port GUEST");
	if (!o.mem)
		o.mem = 256;
	if (!o.timeout)
		o.timeout = 300;
	guard_start();
	if (!(o.dir = tmp_dir("manifest")))
		die("cannot create a temporary directory: %s", strerror(errno));
	if (derive(&o, &d, &nfeatures, &err) < 0) {
		rm_rf(o.dir);
		die("%s", err.buf);
	}
	if (o.prune)
		prune(&o, &d, &dropped);
	char *head = header(&o, &dropped, nfeatures), *text = kderive_render(&d, head, NULL);
	if (!o.output)
		fputs(text, stdout);
	else if (file_write_atomic(o.output, text, strlen(text), 0644) < 0)
		die("cannot write '%s': %s", o.output, strerror(errno));
	for (size_t i = 0; i < d.n; i++)
		deps += d.v[i].dependency;
	note("manifest: %zu options (%zu of them dependencies) from %zu features%s%s", d.n, deps, nfeatures,
	     o.output ? "; written to " : "", o.output ? o.output : "");
	rm_rf(o.dir);
	free(o.dir);
	free(head);
	free(text);
	kderivation_release(&d);
	strlist_release(&dropped);
	strlist_release(&o.args);
	if (o.has_recipe)
		recipe_release(&o.recipe);
	return 0;
}
