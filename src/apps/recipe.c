/* recipe.c: application recipes (configs/apps/NAME.recipe): load and check one. */
#include "apps/recipe.h"
#include "lib/embedded.h"
#include "lib/json.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static char *text_of(const char *name)
{
	const char *dir = getenv("LUPINE_CONFIGS_DIR");
	char *file = xasprintf("%s.recipe", name), *text = NULL;
	const struct embedded_file *e;

	if (dir && *dir) {
		char *p = xasprintf("%s/apps/%s", dir, file);
		text = file_read(p, NULL);
		free(p);
	} else if ((e = embedded_find(embedded_recipes, file))) {
		text = xstrdup((const char *)e->data);
	}
	free(file);
	return text;
}

/* {"PATH": "TEXT", ...}: absolute guest paths, or plain file names (a build's sources). */
static int files_of(json_t *o, int absolute, struct strlist *paths, struct strlist *texts)
{
	const char *k;
	json_t *v;

	if (!o)
		return 0;
	if (!json_is_object(o))
		return -1;
	json_object_foreach(o, k, v) {
		int ok = absolute ? k[0] == '/' : k[0] && k[0] != '.' && !strchr(k, '/');
		if (!ok || !json_is_string(v))
			return -1;
		strlist_add(paths, k);
		strlist_add(texts, json_string_value(v));
	}
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

/* Values the JSON's shape does not rule out: a build command that is one,
 * memory as lupine run -m takes it, a check that has time to pass. */
static int values_of(const char *build, json_int_t memory, double timeout, json_error_t *je)
{
	if (build && !*build)
		snprintf(je->text, sizeof(je->text), "build.run is empty: give the command that makes the program");
	else if (memory && (memory < 16 || memory > 1 << 20))
		snprintf(je->text, sizeof(je->text), "memory %lld: give 16 to 1048576 (MiB), or leave it out",
			 (long long)memory);
	else if (!(timeout > 0))
		snprintf(je->text, sizeof(je->text), "check.timeout %g: give more than 0 seconds", timeout);
	else
		return 0;
	return -1;
}

static int unpack(json_t *j, struct recipe *r, json_error_t *je)
{
	const char *source, *user = NULL, *workdir = NULL, *check = NULL, *expect, *note = NULL, *build = NULL;
	json_t *cmd = NULL, *env = NULL, *ports = NULL, *files = NULL, *bfiles = NULL;
	json_int_t memory = 0;
	double timeout = 120;

	if (json_unpack_ex(j, je, JSON_STRICT,
			   "{s:s, s?{s:s, s:o}, s?o, s?o, s?s, s?s, s?o, s?I, s?o, s:{s?s, s:s, s?F}, s?s}", "source",
			   &source, "build", "run", &build, "files", &bfiles, "cmd", &cmd, "env", &env, "user", &user,
			   "workdir", &workdir, "ports", &ports, "memory", &memory, "files", &files, "check",
			   "run", &check, "expect", &expect, "timeout", &timeout, "note", &note) < 0)
		return -1;
	if (json_to_strlist(cmd, &r->cmd) < 0 || (!r->cmd.n && !build) || json_to_strlist(env, &r->env) < 0 ||
	    json_to_strlist(ports, &r->ports) < 0 || files_of(files, 1, &r->file_paths, &r->file_texts) < 0 ||
	    files_of(bfiles, 0, &r->build_paths, &r->build_texts) < 0) {
		snprintf(je->text, sizeof(je->text), "cmd, env, ports, files or build.files has the wrong shape");
		return -1;
	}
	if (!build != !str_starts(source, "build:") || (build && !source[6])) {
		snprintf(je->text, sizeof(je->text), "a \"build:FILE\" source and a \"build\" object go together");
		return -1;
	}
	if (values_of(build, memory, timeout, je) < 0)
		return -1;
	r->memory_mib = (int)memory;
	r->source = xstrdup(source);
	r->user = dup_or_null(user);
	r->workdir = dup_or_null(workdir);
	r->build = dup_or_null(build);
	r->check = dup_or_null(check);
	r->expect = xstrdup(expect);
	r->check_timeout = timeout;
	r->note = dup_or_null(note);
	return 0;
}

int recipe_parse(const char *name, const char *text, struct recipe *r, struct strbuf *err)
{
	json_error_t je;
	json_t *j;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	r->name = xstrdup(name);
	if (!(j = json_loads(text, 0, &je))) {
		sb_addf(err, "recipe '%s' is not valid JSON: %s (line %d)", name, je.text, je.line);
	} else {
		if (unpack(j, r, &je) < 0)
			sb_addf(err, "recipe '%s': %s", name, je.text);
		else
			ret = 0;
		json_decref(j);
	}
	if (ret < 0)
		recipe_release(r);
	return ret;
}

int recipe_load(const char *name, struct recipe *r, struct strbuf *err)
{
	char *text = text_of(name);
	int ret;

	if (!text) {
		memset(r, 0, sizeof(*r));
		sb_addf(err, "no recipe for '%s'; 'lupine apps list' shows the recipes", name);
		return -1;
	}
	ret = recipe_parse(name, text, r, err);
	free(text);
	return ret;
}

void recipe_release(struct recipe *r)
{
	free(r->name);
	free(r->source);
	free(r->user);
	free(r->workdir);
	free(r->build);
	free(r->check);
	free(r->expect);
	free(r->note);
	strlist_release(&r->cmd);
	strlist_release(&r->env);
	strlist_release(&r->ports);
	strlist_release(&r->file_paths);
	strlist_release(&r->file_texts);
	strlist_release(&r->build_paths);
	strlist_release(&r->build_texts);
	memset(r, 0, sizeof(*r));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void recipe_names(struct strlist *names)
{
	for (const struct embedded_file *e = embedded_recipes; e->name; e++)
		if (str_ends(e->name, ".recipe")) {
			char *n = xstrndup(e->name, strlen(e->name) - 7);
			strlist_add(names, n);
			free(n);
		}
	if (names->n)
		qsort(names->v, names->n, sizeof(*names->v), by_name);
}
