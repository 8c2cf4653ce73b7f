/* build.c: a recipe as a build request; an app's bundle on one of the kernels it is compared on. */
#include "apps/build.h"
#include "lib/guard.h"

#include <errno.h>

#include <stdlib.h>
#include <string.h>

int recipe_build_fill(struct recipe_build *rb, const char *name, struct build_req *req, struct kspec *spec,
		      int mem_given, struct strbuf *err)
{
	struct recipe *r = &rb->recipe;

	memset(rb, 0, sizeof(*rb));
	if (recipe_load(name, r, err) < 0)
		return -1;
	req->source = r->source;
	if (r->build && !(rb->program = recipe_program(r, err)))
		return -1;
	if (rb->program)
		req->source = rb->program;
	if ((!req->cmd || !req->cmd->n) && (!req->args || !req->args->n)) {
		for (size_t i = 0; i < r->cmd.n; i++)
			strlist_add(&rb->cmd, r->cmd.v[i]);
		req->cmd = &rb->cmd;
	}
	for (size_t i = 0; i < r->env.n; i++)
		strlist_add(&rb->env, r->env.v[i]);
	for (size_t i = 0; req->env && i < req->env->n; i++)
		strlist_add(&rb->env, req->env->v[i]);
	req->env = &rb->env;
	if (!spec->napps && !spec->nfiles && !spec->general && !spec->baseline)
		kspec_add_app(spec, r->name);
	if (!mem_given && r->memory_mib)
		req->mem_mib = r->memory_mib;
	req->workdir = req->workdir ? req->workdir : r->workdir;
	req->user = r->user;
	req->file_paths = &r->file_paths;
	req->file_texts = &r->file_texts;
	for (size_t i = 0; i < r->ports.n; i++) {
		char *p = xasprintf("%s/tcp", r->ports.v[i]);
		strlist_add(&rb->exposed, p);
		free(p);
	}
	req->exposed = &rb->exposed;
	return 0;
}

void recipe_build_release(struct recipe_build *rb)
{
	recipe_release(&rb->recipe);
	free(rb->program);
	strlist_release(&rb->env);
	strlist_release(&rb->cmd);
	strlist_release(&rb->exposed);
	memset(rb, 0, sizeof(*rb));
}

void recipe_manifest_fill(const struct recipe *r, struct manifest_req *m)
{
	if (!m->probe) {
		m->probe = r->check;
		m->expect = r->expect;
	}
	if (!m->port && r->ports.n)
		m->port = r->ports.v[0];
	if (!m->mem)
		m->mem = r->memory_mib;
	if (!m->timeout && r->check_timeout > 0)
		m->timeout = r->check_timeout;
}

const char *apps_kernel_name(enum apps_kernel k)
{
	static const char *const names[] = {"own", "general", "kml", "microvm", "derived"};
	return names[k];
}

/* build --auto: base + the manifest derived from a recording run of the recipe's check. */
static int build_auto(struct build_req *req, const struct recipe *rec, struct strbuf *err)
{
	char *source = xasprintf("app:%s", rec->name);
	struct manifest_req m = {.source = source, .build = req};
	struct build_res res;
	char *dir = tmp_dir("auto");
	int ret;

	if (!dir) {
		sb_addf(err, "cannot create a temporary directory: %s", strerror(errno));
		free(source);
		return -1;
	}
	m.dir = dir;
	recipe_manifest_fill(rec, &m);
	ret = manifest_build(&m, req->out, &res, err);
	if (ret == 0)
		build_res_release(&res);
	rm_rf(dir);
	free(dir);
	free(source);
	return ret;
}

int apps_build(const char *name, const char *out, enum apps_kernel k, const char *log, struct strbuf *err)
{
	struct build_req req = {.out = out, .rootfs = "auto", .mem_mib = 128};
	struct strlist none = {0};
	struct recipe_build rb;
	struct build_res res;
	struct kspec spec = {.general = k == APPS_GENERAL, .kml = k == APPS_KML,
			     .baseline = k == APPS_MICROVM ? "microvm" : NULL};
	int ret = -1;

	req.add_host = req.add_guest = req.env = req.cmd = req.args = &none;
	req.spec = &spec;
	if (recipe_build_fill(&rb, name, &req, &spec, 0, err) < 0)
		ret = -1;
	else if (k == APPS_AUTO)
		ret = build_auto(&req, &rb.recipe, err);
	else if ((ret = bundle_build(&req, &res, err)) == 0)
		build_res_release(&res);
	if (ret < 0 && log) {
		char *line = xasprintf("lupine: %s\n", err->buf);
		file_write_atomic(log, line, strlen(line), 0644);
		free(line);
	}
	recipe_build_release(&rb);
	kspec_release(&spec);
	return ret;
}

int apps_snapshot(const struct recipe *r, const char *bundle, const char *out, struct snapshot *info,
		  struct strbuf *err)
{
	struct readiness rd = {.probe = r->check, .expect = r->expect, .stop_timeout = 2};
	struct snapshot_req rq = {.bundle = bundle, .out = out, .ready = &rd};
	char *port = NULL;
	int ret;

	if (!r->check) {
		sb_addf(err, "recipe '%s' has no client check (a one-shot application): nothing to snapshot it at",
			r->name);
		return -1;
	}
	if (r->ports.n) {
		if ((rd.host_port = vm_port_unused()) < 0) {
			sb_adds(err, "cannot find a free TCP port on 127.0.0.1 for the check");
			return -1;
		}
		rd.port = port = xasprintf("%d:%s", rd.host_port, r->ports.v[0]);
	}
	rq.limit = r->check_timeout > 0 ? r->check_timeout : 300;
	ret = bundle_snapshot(&rq, info, err);
	readiness_release(&rd);
	free(port);
	return ret;
}
