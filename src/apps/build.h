/* build.h: a recipe as a build: what `lupine build app:NAME` takes from the
 * recipe, and the bundles `apps test` and the report build for an app on
 * each kernel it is compared on. */
#ifndef LUPINE_APPS_BUILD_H
#define LUPINE_APPS_BUILD_H

#include "apps/recipe.h"
#include "bundle/make.h"
#include "bundle/snapshot.h"
#include "manifest/record.h"

/* What a recipe adds to a build request; release after the build. */
struct recipe_build {
	struct recipe recipe;
	char *program; /* a "build:FILE" recipe's program, built on the host */
	struct strlist env, cmd, exposed;
};

/* Loads recipe name and fills what req leaves open: its source (the built
 * program for "build:"), command (unless req has a command or arguments),
 * environment (the recipe's, then req's over it), memory (unless
 * mem_given), working directory, user, files and exposed ports; and spec
 * gets the app's own manifest when it names no kernel. 0, or -1 with err. */
int recipe_build_fill(struct recipe_build *rb, const char *name, struct build_req *req, struct kspec *spec,
		      int mem_given, struct strbuf *err);
void recipe_build_release(struct recipe_build *rb);
/* A recipe's part of a manifest derivation: its client check as the
 * workload (m->probe NULL) with its expected text, and its first port,
 * memory and check timeout where m leaves them open. */
void recipe_manifest_fill(const struct recipe *r, struct manifest_req *m);

/* The kernels an app is built on: its own manifest, lupine-general, its own
 * + KML, the microvm baseline, or base + a manifest derived from its client
 * check (build --auto). */
enum apps_kernel { APPS_OWN, APPS_GENERAL, APPS_KML, APPS_MICROVM, APPS_AUTO };
/* "own", "general", "kml", "microvm", "derived". */
const char *apps_kernel_name(enum apps_kernel k);

/* lupine build app:NAME -o out on kernel k, in this process (its progress
 * as lupine_quiet says); a failure's reason goes to log too (may be NULL).
 * 0, or -1 with a one-line err. */
int apps_build(const char *name, const char *out, enum apps_kernel k, const char *log, struct strbuf *err);

/* `lupine snapshot bundle -o out` with recipe r's client check (its first
 * port forwarded to a free host port; its check timeout, else 300 s),
 * in this process: what `lupine build app:NAME --snapshot` does after the
 * build. 0 with *info (release it), or -1 with a one-line err (r has no
 * check: a one-shot application has no ready state to save). */
int apps_snapshot(const struct recipe *r, const char *bundle, const char *out, struct snapshot *info,
		  struct strbuf *err);

#endif
