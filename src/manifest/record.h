/* record.h: `lupine manifest` as a library: an application built on
 * lupine-general (the recording kernel), run with the kernel noting every
 * feature it uses while a workload passes against it, its notes derived
 * into options (kderive.h); then, with prune, a kernel and a workload run
 * per option to drop what it does without (prune.h). Everything runs in
 * this process: builds through bundle/make.h, runs through bundle/ready.h. */
#ifndef LUPINE_MANIFEST_RECORD_H
#define LUPINE_MANIFEST_RECORD_H

#include "bundle/make.h"
#include "manifest/kderive.h"

struct manifest_req {
	const char *source;          /* SOURCE as given, for messages and the header */
	const struct build_req *build; /* how to build the application; its spec
				      * and output are replaced per build */
	const char *probe, *expect;  /* the workload, as struct readiness takes them:
				      * NULL probe and expect: it runs until it exits */
	const char *port;            /* the application's guest port for {port} (NULL: none) */
	int mem;                     /* MiB (0: 256) */
	double timeout;              /* seconds for the workload to pass (0: 300) */
	const char *dir;             /* a private directory for the bundles and logs */
};

/* What a derivation found. */
struct manifest {
	struct kderivation d;
	size_t nfeatures;      /* kernel features the recording run used */
	struct strlist pruned; /* options the prune trials dropped */
};

/* Records a run on lupine-general and derives m from its notes. 0, or -1
 * with a one-line err (the build failed, the workload did not pass, the run
 * reported nothing). */
int manifest_record(const struct manifest_req *r, struct manifest *m, struct strbuf *err);
/* Loupe-style: for each option a trial may leave out, a kernel without it
 * and a workload run; dropped when the workload still passes (progress on stderr). */
void manifest_prune(const struct manifest_req *r, struct manifest *m);
/* The fragment: a header saying where it came from, then the options (caller frees). */
char *manifest_render(const struct manifest_req *r, const struct manifest *m);
void manifest_release(struct manifest *m);

/* build --auto: records and derives as above (no pruning), then builds
 * r->build (its spec replaced by base + the derived fragment) into out, the
 * fragment kept there as manifest.config. 0 with res, or -1 with err. */
int manifest_build(const struct manifest_req *r, const char *out, struct build_res *res, struct strbuf *err);

#endif
