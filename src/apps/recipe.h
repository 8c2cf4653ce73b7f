/* recipe.h: an application recipe (configs/apps/NAME.recipe, JSON): where the
 * application comes from, how it runs, and how a real client checks it. */
#ifndef LUPINE_RECIPE_H
#define LUPINE_RECIPE_H

#include "lib/util.h"

struct recipe {
	char *name;        /* "nginx": also the kernel manifest it is built with */
	char *source;      /* a SOURCE, e.g. "deb:nginx-light", or "build:FILE": the
			    * FILE that the build command makes on the host */
	char *build;       /* host shell command run where build_paths are written */
	struct strlist build_paths, build_texts; /* the program's sources, by relative name */
	struct strlist cmd, env; /* cmd may be empty for a built program: it runs alone */
	char *user, *workdir; /* NULL: the source's */
	struct strlist ports; /* guest TCP ports the application serves, e.g. "80" */
	struct strlist file_paths, file_texts; /* small files written into the root */
	int memory_mib;    /* 0: lupine's default */
	char *check;       /* host command ({port}: the host port for ports[0]);
			    * NULL: a one-shot application, checked by its own output */
	char *expect;      /* text the check's (or the app's) output holds when it works */
	double check_timeout; /* seconds from lupine run to a passing check */
	char *note;        /* why it is built the way it is, or why it cannot be */
};

/* Loads recipe NAME (embedded, or $LUPINE_CONFIGS_DIR/apps/NAME.recipe).
 * 0, or -1 with a one-line err (no such recipe, bad JSON, a bad field). */
int recipe_load(const char *name, struct recipe *r, struct strbuf *err);
/* The same from the recipe's text (JSON), named name in r and in messages. */
int recipe_parse(const char *name, const char *text, struct recipe *r, struct strbuf *err);
void recipe_release(struct recipe *r);
/* For a "build:FILE" source: builds the program (cached by its sources and
 * command; progress on stderr) and returns FILE's host path, or NULL with err. */
char *recipe_program(const struct recipe *r, struct strbuf *err);
/* The names of every recipe, sorted; caller frees with strlist_release. */
void recipe_names(struct strlist *names);

#endif
