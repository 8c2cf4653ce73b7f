/* program.c: a recipe's program built from source on the host (Go's HTTP server,
 * the static hello-world), cached by what went into it. */
#include "apps/recipe.h"
#include "lib/cache.h"
#include "lib/hash.h"
#include "lib/progress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The key: the build command, the output name and every source file. */
static char *program_key(const struct recipe *r)
{
	struct hash h;
	char hex[65];

	hash_init(&h);
	hash_add_str(&h, r->build);
	hash_add_str(&h, r->source);
	for (size_t i = 0; i < r->build_paths.n; i++) {
		hash_add_str(&h, r->build_paths.v[i]);
		hash_add_str(&h, r->build_texts.v[i]);
	}
	hash_final_hex(&h, hex);
	return xstrdup(hex);
}

/* Writes the sources into dir and runs the build command there, logged. */
static int build_in(const struct recipe *r, const char *dir, const char *log, struct strbuf *err)
{
	/* dir as the shell's $1, not inside the command text: a cache path may hold a quote */
	char *label = xasprintf("build %s", r->name), *cmd = xasprintf("cd -- \"$1\" && %s", r->build);
	char *argv[] = {"/bin/sh", "-c", cmd, "sh", (char *)dir, NULL};
	int st = -1;

	for (size_t i = 0; i < r->build_paths.n; i++) {
		char *p = xasprintf("%s/%s", dir, r->build_paths.v[i]);
		const char *t = r->build_texts.v[i];
		int bad = file_write_atomic(p, t, strlen(t), 0644) < 0;
		free(p);
		if (bad) {
			sb_addf(err, "cannot write %s's source '%s': %s", r->name, r->build_paths.v[i], strerror(errno));
			goto out;
		}
	}
	if ((st = progress_run_logged(argv, log, label)) != 0) {
		char *tail = file_tail(log, 400);
		sb_addf(err, "building %s's program failed (status %d): %s", r->name, st, tail);
		free(tail);
	}
out:
	free(cmd);
	free(label);
	return st == 0 ? 0 : -1;
}

char *recipe_program(const struct recipe *r, struct strbuf *err)
{
	char *key = program_key(r), *root = cache_dir("programs"), *name = xasprintf("program-%s", key);
	char *dir = xasprintf("%s/%s", root, key), *tmp = xasprintf("%s.tmp-%d", dir, (int)getpid());
	char *log = xasprintf("%s.log", dir), *out = xasprintf("%s/%s", dir, r->source + strlen("build:"));
	int lock = cache_lock(name, "a recipe's program");

	if (!path_exists(out)) {
		rm_rf(tmp);
		if (mkdir_p(tmp, 0755) < 0) {
			sb_addf(err, "cannot create '%s': %s", tmp, strerror(errno));
		} else if (build_in(r, tmp, log, err) == 0) {
			char *built = xasprintf("%s/%s", tmp, r->source + strlen("build:"));
			if (!path_exists(built))
				sb_addf(err, "%s's build command did not make '%s'", r->name, r->source + strlen("build:"));
			else if (rm_rf(dir), rename(tmp, dir) < 0)
				sb_addf(err, "cannot keep '%s': %s", dir, strerror(errno));
			free(built);
		}
		rm_rf(tmp);
	}
	if (lock >= 0)
		cache_unlock(lock);
	if (err->len) {
		free(out);
		out = NULL;
	}
	free(log);
	free(tmp);
	free(dir);
	free(name);
	free(root);
	free(key);
	return out;
}
