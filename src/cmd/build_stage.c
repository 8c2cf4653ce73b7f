/* build_stage.c: `lupine build`'s sources (host ELF, directory, container image) become a staged
 * root tree and a run config. */
#include "cmd/build.h"
#include "source/elfdeps.h"
#include "source/image.h"
#include "stage/stage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* SOURCE as a host path: a directory, or an executable (NAME searched in PATH). */
char *build_resolve_source(const char *src, int *is_dir_src)
{
	*is_dir_src = 0;
	if (str_starts(src, "dir:")) {
		*is_dir_src = 1;
		src += 4;
		if (!is_dir(src))
			die("cannot use source '%s': not a directory", src);
		return realpath(src, NULL);
	}
	if (!strchr(src, '/') && !path_exists(src)) {
		const char *path = getenv("PATH");
		char *copy = xstrdup(path ? path : "/usr/bin:/bin"), *save = NULL;
		for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			char *cand = xasprintf("%s/%s", d, src);
			if (access(cand, X_OK) == 0 && !is_dir(cand)) {
				free(copy);
				return cand;
			}
			free(cand);
		}
		free(copy);
	}
	if (!path_exists(src))
		die("cannot find source '%s': no such file, directory or command in PATH", src);
	if (is_dir(src)) {
		*is_dir_src = 1;
		return realpath(src, NULL);
	}
	if (elf_is_elf(src) != 1)
		die("source '%s' is not an ELF executable or a root filesystem directory", src);
	/* keep the path as named (not realpath): a symlink like redis-server is
	 * how the program knows what it is */
	if (src[0] == '/')
		return xstrdup(src);
	char *cwd = getcwd(NULL, 0), *abs = xasprintf("%s/%s", cwd ? cwd : ".", src);
	free(cwd);
	return abs;
}

void build_stage_elf(const char *root, const char *program)
{
	struct elfdeps deps;
	struct strbuf err = {0};

	if (elfdeps_resolve(program, "", &deps, &err) < 0)
		die("%s", err.buf);
	for (size_t i = 0; i < deps.n; i++)
		if (stage_host_path(root, deps.paths[i], &err) < 0)
			die("%s", err.buf);
	note("packed %s with %zu librar%s", program, deps.n - 1 - !deps.is_static,
	     deps.n - 1 - !deps.is_static == 1 ? "y" : "ies");
	elfdeps_release(&deps);
}

void build_stage_adds(const char *root, const struct strlist *adds)
{
	struct strbuf err = {0};

	for (size_t i = 0; i < adds->n; i++) {
		char *host = xstrdup(adds->v[i]), *colon = strchr(host, ':');
		const char *guest = host;
		if (colon) {
			*colon = 0;
			guest = colon + 1;
		}
		if (guest[0] != '/')
			die("--add '%s': the guest path must be absolute", adds->v[i]);
		if (stage_copy(root, host, guest, &err) < 0)
			die("%s", err.buf);
		free(host);
	}
}

/* Where argv0 is in root: itself when absolute, else found on the PATH of
 * env as the init will search it. NULL when it is not there; caller frees. */
char *build_find_command(const char *root, const struct strlist *env, const char *argv0)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char *found = NULL;

	if (argv0[0] == '/')
		return stage_exists(root, argv0) ? xstrdup(argv0) : NULL;
	for (size_t i = 0; i < env->n; i++)
		if (str_starts(env->v[i], "PATH="))
			path = env->v[i] + 5;
	char *copy = xstrdup(path), *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, argv0);
		if (stage_exists(root, p))
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

#define KML_PREFIX "/trusted"

/* A KML kernel runs in ring 0 what is exec'd from under /trusted/ (the
 * opened file's path decides): copy the program there and start it from
 * there. Its libraries and loader stay where they are. */
void build_stage_trusted(const char *root, struct bundle *b, const char *where)
{
	struct strbuf err = {0};
	char *guest;

	if (str_starts(where, KML_PREFIX "/"))
		return;
	if (!(guest = stage_copy_under(root, where, KML_PREFIX, &err)))
		die("%s", err.buf);
	note("kml: %s runs in ring 0 as %s", where, guest);
	free(b->argv.v[0]);
	b->argv.v[0] = guest;
}

/* The run config from an image's config, with the command line's overrides. */
static void config_from_image(const char *root, struct build_opts *o, struct image_config *ic, struct bundle *b)
{
	struct strbuf err = {0};

	if (o->cmd_full) {
		for (size_t i = 0; i < o->cmd.n; i++)
			strlist_add(&b->argv, o->cmd.v[i]);
	} else {
		const struct strlist *args = o->cmd.n ? &o->cmd : &ic->cmd;
		for (size_t i = 0; i < ic->entrypoint.n; i++)
			strlist_add(&b->argv, ic->entrypoint.v[i]);
		for (size_t i = 0; i < args->n; i++)
			strlist_add(&b->argv, args->v[i]);
	}
	if (!b->argv.n)
		die("the image has no Entrypoint or Cmd; give the command with --cmd 'PROGRAM ARGS'");
	env_set(&b->env, DEFAULT_PATH);
	for (size_t i = 0; i < ic->env.n; i++)
		env_set(&b->env, ic->env.v[i]);
	if (!o->workdir && ic->workdir)
		b->workdir = xstrdup(ic->workdir);
	if (ic->user && image_resolve_user(root, ic->user, &b->uid, &b->gid, &err) < 0)
		die("%s", err.buf);
	for (size_t i = 0; i < ic->exposed.n; i++)
		strlist_add(&b->exposed, ic->exposed.v[i]);
}

void build_stage_image(const char *root, struct build_opts *o, struct bundle *b)
{
	struct image_config ic;
	struct layer_stats st = {0};
	struct strbuf err = {0};

	note("unpacking image %s ...", o->source);
	if (image_unpack(o->source, root, &ic, &st, &err) < 0)
		die("%s", err.buf);
	if (st.skipped)
		note("skipped %ld device node%s, FIFO%s or socket%s (devtmpfs provides /dev)", st.skipped,
		     st.skipped > 1 ? "s" : "", st.skipped > 1 ? "s" : "", st.skipped > 1 ? "s" : "");
	config_from_image(root, o, &ic, b);
	image_config_release(&ic);
}

