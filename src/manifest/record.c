/* record.c: derive an application's manifest from a recording run; prune it; build with it. */
#include "manifest/record.h"
#include "bundle/ready.h"
#include "manifest/prune.h"
#include "vm/vmm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* seconds the application gets to end after the workload passed: the init
 * reads the kernel's notes as it ends */
#define STOP_TIMEOUT 30

static int mem_of(const struct manifest_req *r)
{
	return r->mem ? r->mem : 256;
}

static double timeout_of(const struct manifest_req *r)
{
	return r->timeout > 0 ? r->timeout : 300;
}

/* r->build into out on lupine-general (frag NULL) or base + frag, quietly. */
static int build(const struct manifest_req *r, const char *frag, const char *out, struct strbuf *err)
{
	struct build_req req = *r->build;
	struct kspec spec = {.general = !frag};
	struct build_res res;
	int quiet = lupine_quiet, ret;

	if (frag)
		kspec_add_file(&spec, frag);
	req.spec = &spec;
	req.out = out;
	lupine_quiet = 1;
	ret = bundle_build(&req, &res, err);
	lupine_quiet = quiet;
	if (ret == 0)
		build_res_release(&res);
	kspec_release(&spec);
	return ret;
}

/* One run of bundle with the workload; 1 if the workload passed. notes:
 * record, and the kernel's notes go there. Without a workload the recording
 * run passes however the application exits, a trial (notes NULL) only when
 * it exits 0; clean (if not NULL) says whether the application came through
 * it unharmed. */
static int workload_passes(const struct manifest_req *r, const char *bundle, struct readiness *notes,
			   const char *log, int *clean)
{
	int hp = r->port ? vm_port_unused() : 0;
	char *port = r->port ? xasprintf("%d:%s", hp, r->port) : NULL;
	struct readiness rd = {.port = port, .host_port = hp, .probe = r->probe, .expect = r->expect, .log = log,
			       .record = notes != NULL, .stop_timeout = STOP_TIMEOUT};
	double t = ready_time(&rd, bundle, mem_of(r), timeout_of(r));
	int unharmed = t >= 0 && (r->probe || r->expect || rd.status == 0);

	free(port);
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

/* The recording run on the general bundle: its notes, or -1 with err. */
static int record(const struct manifest_req *r, const char *bundle, struct readiness *notes, int *clean,
		  struct strbuf *err)
{
	char *log = xasprintf("%s/run.log", r->dir), *why = NULL;
	int ret = -1;

	note("manifest: running it with the kernel recording, %s ...",
	     r->probe || r->expect ? "until the workload passes" : "until it exits");
	if (!workload_passes(r, bundle, notes, log, clean)) {
		why = file_tail(log, 600);
		sb_addf(err, "the workload did not pass on lupine-general within %.0f s, so nothing can be derived "
			     "from it; the run ended with: %s", timeout_of(r), why);
	} else if (!notes->used.n) {
		why = file_tail(log, 600);
		/* the init reads the kernel's notes as the application ends: a VM
		 * killed after the stop timeout has none to give */
		sb_addf(err, "the recording run reported no features: the application did not end by itself within "
			     "%.0f s of the stop, so the init never read the kernel's notes; the run ended with: %s",
			(double)STOP_TIMEOUT, why);
	} else {
		ret = 0;
	}
	free(why);
	free(log);
	return ret;
}

int manifest_record(const struct manifest_req *r, struct manifest *m, struct strbuf *err)
{
	char *bundle = xasprintf("%s/general.lupine", r->dir);
	struct readiness notes = {0};
	struct knotes k = {0};
	struct strbuf why = {0};
	int ret = -1, clean = 0;

	memset(m, 0, sizeof(*m));
	note("manifest: building %s on lupine-general, the recording kernel ...", r->source);
	if (build(r, NULL, bundle, &why) < 0) {
		sb_addf(err, "cannot build %s: %s", r->source, why.buf);
		goto out;
	}
	if (record(r, bundle, &notes, &clean, err) < 0 ||
	    knotes_resolve(r->build->ksource, &notes.missing, &notes.used, &k, err) < 0 ||
	    kderive(r->build->ksource, &k, r->port != NULL, clean, &m->d, err) < 0)
		goto out;
	m->nfeatures = k.n;
	ret = 0;
out:
	rm_rf(bundle);
	knotes_release(&k);
	readiness_release(&notes);
	sb_release(&why);
	free(bundle);
	return ret;
}

/* One trial: a kernel without option, the workload on it; 1 when it passes. */
static int trial(const struct manifest_req *r, struct manifest *m, const char *option, size_t i)
{
	char *text = kderive_render(&m->d, "", option), *frag = xasprintf("%s/prune.config", r->dir);
	char *bundle = xasprintf("%s/prune-%zu.lupine", r->dir, i), *log = xasprintf("%s/prune.log", r->dir);
	struct strbuf err = {0};
	int passes = file_write_atomic(frag, text, strlen(text), 0644) == 0 && build(r, frag, bundle, &err) == 0 &&
		     workload_passes(r, bundle, NULL, log, NULL);

	rm_rf(bundle);
	sb_release(&err);
	free(log);
	free(bundle);
	free(frag);
	free(text);
	return passes;
}

void manifest_prune(const struct manifest_req *r, struct manifest *m)
{
	struct strlist cand = {0};

	kderive_prunable(&m->d, &cand);
	for (size_t i = 0; i < cand.n; i++) {
		note("manifest: prune %zu/%zu: building without %s ...", i + 1, cand.n, cand.v[i]);
		int passes = trial(r, m, cand.v[i], i);
		note("manifest: prune %zu/%zu: without %s the workload %s", i + 1, cand.n, cand.v[i],
		     passes ? "passes: dropped" : "fails: kept");
		if (passes) {
			strlist_add(&m->pruned, cand.v[i]);
			kderive_drop(&m->d, cand.v[i]);
		}
	}
	kderive_drop_orphans(&m->d, &m->pruned);
	strlist_release(&cand);
}

char *manifest_render(const struct manifest_req *r, const struct manifest *m)
{
	struct strbuf h = {0};
	const char *work = r->probe;
	char *text;

	sb_addf(&h, "# Derived by lupine manifest from %s: the options for the %zu kernel features it used\n",
		r->source, m->nfeatures);
	sb_addf(&h, "# on lupine-general (%s%s), beyond Lupine's base kernel.\n",
		work ? "workload: " : "it ran until it exited", work ? work : "");
	for (size_t i = 0; i < m->pruned.n; i++)
		sb_addf(&h, "# pruned: %s (the workload passes without it)\n", m->pruned.v[i]);
	text = kderive_render(&m->d, h.buf, NULL);
	sb_release(&h);
	return text;
}

void manifest_release(struct manifest *m)
{
	kderivation_release(&m->d);
	strlist_release(&m->pruned);
}

int manifest_build(const struct manifest_req *r, const char *out, struct build_res *res, struct strbuf *err)
{
	struct manifest m;
	struct build_req req = *r->build;
	struct kspec spec = {0};
	char *frag = xasprintf("%s/manifest.config", r->dir), *keep = xasprintf("%s/manifest.config", out);
	char *text = NULL;
	int ret = -1;

	if (manifest_record(r, &m, err) < 0)
		goto out;
	text = manifest_render(r, &m);
	if (file_write_atomic(frag, text, strlen(text), 0644) < 0) {
		sb_addf(err, "cannot write '%s': %s", frag, strerror(errno));
		goto out;
	}
	kspec_add_file(&spec, frag);
	req.spec = &spec;
	req.out = out;
	if (bundle_build(&req, res, err) < 0)
		goto out;
	if (file_copy(frag, keep, 0644) < 0) {
		sb_addf(err, "cannot write '%s': %s", keep, strerror(errno));
		build_res_release(res);
		goto out;
	}
	ret = 0;
out:
	manifest_release(&m);
	kspec_release(&spec);
	free(text);
	free(keep);
	free(frag);
	return ret;
}
