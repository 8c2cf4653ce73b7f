/* recipe.h: an application recipe (configs/apps/NAME.recipe, JSON): where the
 * application comes from, how it runs, and how a real client checks it. */
#ifndef LUPINE_RECIPE_H
#define LUPINE_RECIPE_H

#include "lib/util.h"

struct recipe {
	char *name;        /* "nginx": also the kernel manifest it is built with */
	char *source;      /* a SOURCE, e.g. "deb:nginx-light" */
	struct strlist cmd, env;
	char *user, *workdir; /* NULL: the source's */
	struct strlist ports; /* guest TCP ports the application serves, e.g. "80" */
	struct strlist file_paths, file_texts; /* small files written into the root */
	int memory_mib;    /* 0: lupine's default */
	char *check;       /* host command ({port}: the host port for ports[0]) */
	char *expect;      /* text its output holds when the application works */
	double check_timeout; /* seconds from lupine run to a passing check */
	char *note;        /* why it is built the way it is, or why it cannot be */
};

/* Loads recipe NAME (embedded, or $LUPINE_CONFIGS_DIR/apps/NAME.recipe).
 * 0, or -1 with a one-line err (no such recipe, bad JSON, a bad field). */
int recipe_load(const char *name, struct recipe *r, struct strbuf *err);
void recipe_release(struct recipe *r);
/* The names of every recipe, sorted; caller frees with strlist_release. */
void recipe_names(struct strlist *names);

#endif
