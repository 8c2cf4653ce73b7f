/* make.c: the build pipeline: SOURCE -> staged root + run config -> kernel -> rootfs -> bundle.
 * Staging happens first, so a bad image or a missing library is reported before a kernel build. */
#include "bundle/make.h"
#include "lib/guard.h"
#include "rootfs/rootfs.h"
#include "source/source.h"
#include "stage/stage.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KML_PREFIX "/trusted"

/* Removed on an error or an interrupt, so no half-made bundle remains. */
static char *staging, *stage_root;

void bundle_build_abort(void)
{
	if (staging)
		rm_rf(staging);
	if (stage_root)
		rm_rf(stage_root);
}

void build_res_release(struct build_res *res)
{
	bundle_release(&res->b);
	kbuild_result_release(&res->k);
}

/* The run config: the user's --cmd, else the source's entrypoint followed
 * by the arguments after -- (or the source's cmd); PATH, the source's env,
 * then -e; --workdir, else the source's, else "/". */
static int run_from(const struct build_req *req, const struct source_info *si, struct run_config *rc,
		    struct strbuf *err)
{
	const struct strlist *args = req->args->n ? req->args : &si->cmd;

	for (size_t i = 0; i < req->cmd->n; i++)
		strlist_add(&rc->arg, req->cmd->v[i]);
	for (size_t i = 0; !req->cmd->n && i < si->entrypoint.n; i++)
		strlist_add(&rc->arg, si->entrypoint.v[i]);
	for (size_t i = 0; !req->cmd->n && i < args->n; i++)
		strlist_add(&rc->arg, args->v[i]);
	if (!rc->arg.n) {
		sb_adds(err, "no command to run: give it with --cmd 'PROGRAM ARGS' or after --");
		return -1;
	}
	run_config_setenv(rc, "PATH=" LUPINE_DEFAULT_PATH);
	for (size_t i = 0; i < si->env.n; i++)
		run_config_setenv(rc, si->env.v[i]);
	for (size_t i = 0; i < req->env->n; i++)
		run_config_setenv(rc, req->env->v[i]);
	run_config_set(&rc->cwd, req->workdir ? req->workdir : si->workdir ? si->workdir : "/");
	return 0;
}

/* Where argv0 is in the tree: itself when absolute, else found on the PATH
 * of env as the init will search it. NULL when it is not there; caller frees. */
static char *find_command(const struct stage *root, const struct strlist *env, const char *argv0)
{
	const char *path = LUPINE_DEFAULT_PATH;
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

/* A KML kernel runs in ring 0 what is exec'd from under /trusted/ (the
 * opened file's path decides): copy the program there and start it from
 * there. Its libraries and loader stay where they are. */
static int stage_trusted(const struct stage *root, struct run_config *rc, const char *where, struct strbuf *err)
{
	char *guest;

	if (str_starts(where, KML_PREFIX "/"))
		return 0;
	if (!(guest = stage_copy_under(root, where, KML_PREFIX, err)))
		return -1;
	note("kml: %s runs in ring 0 as %s", where, guest);
	free(rc->arg.v[0]);
	rc->arg.v[0] = guest;
	return 0;
}

/* The source, --add, /etc, the command's presence and KML's copy. */
/* The image's or recipe's User as ids and supplementary groups in the run config. */
static int set_user(const struct stage *root, const char *user, struct run_config *rc, struct strbuf *err)
{
	struct source_user u = {0};

	if (source_resolve_user(root, user, &u, err) < 0) {
		strlist_release(&u.groups);
		return -1;
	}
	rc->uid = u.uid;
	rc->gid = u.gid;
	strlist_release(&rc->groups);
	rc->groups = u.groups;
	return 0;
}

static int stage_all(const struct build_req *req, const struct stage *root, struct bundle *b, struct strbuf *err)
{
	const struct source_ops *ops;
	struct source_info si = {0};
	char *ref = NULL, *where = NULL;
	const char *user;
	int ret = -1;

	if (source_resolve(req->source, &ops, &ref, err) < 0)
		goto out;
	if (ops == &source_dir && !req->cmd->n && !req->args->n) {
		sb_adds(err, "a directory source needs a command: give it with --cmd 'PROGRAM ARGS' or after --");
		goto out;
	}
	if (ops->prefix && strcmp(ops->name, "dir"))
		note("unpacking image %s ...", req->source);
	if (ops->stage(ref, root, &si, err) < 0 || run_from(req, &si, &b->run, err) < 0)
		goto out;
	if (si.layers.skipped)
		note("skipped %ld device nodes, FIFOs or sockets (devtmpfs provides /dev)", si.layers.skipped);
	for (size_t i = 0; i < si.exposed.n; i++)
		strlist_add(&b->exposed, si.exposed.v[i]);
	for (size_t i = 0; req->exposed && i < req->exposed->n; i++)
		strlist_add(&b->exposed, req->exposed->v[i]);
	for (size_t i = 0; i < req->add_host->n; i++)
		if (stage_copy_host(root, req->add_host->v[i], req->add_guest->v[i], err) < 0)
			goto out;
	for (size_t i = 0; req->file_paths && i < req->file_paths->n; i++)
		if (stage_write(root, req->file_paths->v[i], req->file_texts->v[i], strlen(req->file_texts->v[i]), 0644,
				err) < 0)
			goto out;
	user = req->user ? req->user : si.user;
	if (user && set_user(root, user, &b->run, err) < 0)
		goto out;
	if (stage_etc(root, err) < 0)
		goto out;
	if (!(where = find_command(root, &b->run.env, b->run.arg.v[0]))) {
		sb_addf(err, "the command '%s' is not in the root filesystem; add it with --add or fix --cmd",
			b->run.arg.v[0]);
		goto out;
	}
	ret = req->spec->kml ? stage_trusted(root, &b->run, where, err) : 0;
out:
	free(where);
	free(ref);
	source_info_release(&si);
	return ret;
}

/* The kernel for this bundle, from the cache or built now. */
static int kernel_for(const struct build_req *req, struct build_res *res, struct strbuf *err)
{
	struct kspec spec = *req->spec;
	char *net;

	if (!spec.napps && !spec.nfiles && !spec.baseline)
		spec.general = 1;
	struct kspec_build kb = {.source = req->ksource, .jobs = req->jobs, .names = &res->b.manifests};

	if (kspec_kernel(&spec, &kb, &res->k, &res->b.kernel_label, err) < 0)
		return -1;
	res->b.config_hash = xstrdup(res->k.hash);
	net = kbuild_option(&res->k, "VIRTIO_NET");
	res->b.net = !strcmp(net, "y");
	free(net);
	res->b.kml = req->spec->kml;
	return 0;
}

/* The staged tree as the format asked for (auto: by size), and the kernel, into staging. */
static int pack(const struct build_req *req, struct build_res *res, struct strbuf *err)
{
	unsigned long long bytes = rootfs_tree_size(stage_root, NULL);
	const struct rootfs_ops *fmt = rootfs_choose(req->rootfs, bytes);
	char *path, *kernel;
	struct stat st;
	int ret;

	res->b.rootfs = xstrdup(fmt->file);
	res->b.rootfs_format = xstrdup(fmt->name);
	res->b.kernel = xstrdup("kernel");
	path = xasprintf("%s/%s", staging, fmt->file);
	kernel = xasprintf("%s/%s", staging, res->b.kernel);
	note("packing the root filesystem (%llu MiB) as %s ...", bytes >> 20, fmt->name);
	ret = fmt->pack(stage_root, path, err);
	if (ret == 0 && file_copy(req->bzimage ? res->k.bzimage : res->k.vmlinux, kernel, 0644) < 0) {
		sb_addf(err, "cannot copy the kernel to '%s': %s", kernel, strerror(errno));
		ret = -1;
	}
	res->rootfs_bytes = ret == 0 && stat(path, &st) == 0 ? (unsigned long long)st.st_size : 0;
	free(kernel);
	free(path);
	return ret;
}

/* What killed builds of out left (OUT.tmp-PID, OUT.root-PID of a PID that is
 * gone), when even the guardian could not clean up (a reboot, say). */
static void sweep_stale(const char *out)
{
	char *dir = xstrdup(out), *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : out;
	size_t blen = strlen(base);
	DIR *d;
	struct dirent *de;

	if (slash)
		*slash = 0;
	if (!(d = opendir(slash ? (*dir ? dir : "/") : ".")))
		goto out;
	while ((de = readdir(d))) {
		const char *rest = de->d_name + blen, *dash;
		char *end;
		if (strncmp(de->d_name, base, blen) || (strncmp(rest, ".tmp-", 5) && strncmp(rest, ".root-", 6)))
			continue;
		dash = strchr(rest, '-');
		long pid = strtol(dash + 1, &end, 10);
		if (*end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* not ours, or its build still runs */
		char *p = slash ? xasprintf("%s/%s", dir, de->d_name) : xstrdup(de->d_name);
		rm_rf(p);
		free(p);
	}
	closedir(d);
out:
	free(dir);
}

int bundle_build(const struct build_req *req, struct build_res *res, struct strbuf *err)
{
	struct stage root = {.fd = -1};
	int ret = -1;

	memset(res, 0, sizeof(*res));
	bundle_init(&res->b);
	res->b.memory_mib = req->mem_mib;
	res->b.cmdline = xstrdup("");
	if (!bundle_replaceable(req->out)) {
		sb_addf(err, "'%s' exists and is not a lupine bundle; choose another -o or remove it", req->out);
		return -1;
	}
	sweep_stale(req->out);
	staging = xasprintf("%s.tmp-%d", req->out, (int)getpid());
	stage_root = xasprintf("%s.root-%d", req->out, (int)getpid());
	guard_add(staging);
	guard_add(stage_root);
	if (mkdir_p(staging, 0755) < 0 || mkdir_p(stage_root, 0755) < 0) {
		sb_addf(err, "cannot create '%s': %s", staging, strerror(errno));
		goto out;
	}
	if (stage_open(&root, stage_root, err) < 0 || stage_all(req, &root, &res->b, err) < 0 ||
	    kernel_for(req, res, err) < 0 || pack(req, res, err) < 0 ||
	    bundle_write_json(staging, &res->b, err) < 0 || bundle_commit(staging, req->out, err) < 0)
		goto out;
	free(staging);
	staging = NULL;
	ret = 0;
out:
	if (root.path)
		stage_close(&root);
	bundle_build_abort();
	free(staging);
	free(stage_root);
	staging = stage_root = NULL;
	return ret;
}

void build_res_describe(const struct build_req *r, const struct build_res *res, struct strbuf *out)
{
	const struct bundle *b = &res->b;
	const char *kfile = r->bzimage ? res->k.bzimage : res->k.vmlinux;
	char a[32], c[32];
	struct stat st;
	unsigned long long kbytes = stat(kfile, &st) == 0 ? (unsigned long long)st.st_size : 0;

	sb_addf(out, "bundle   %s\n", r->out);
	sb_addf(out, "kernel   %s bytes %s (%s, config %.12s, %s)\n", fmt_thousands(kbytes, a, sizeof(a)),
		r->bzimage ? "bzImage" : "vmlinux", b->kernel_label, b->config_hash, res->k.cached ? "cached" : "built");
	sb_addf(out, "rootfs   %s bytes %s\n", fmt_thousands(res->rootfs_bytes, c, sizeof(c)), b->rootfs_format);
	sb_adds(out, "command ");
	for (size_t i = 0; i < b->run.arg.n; i++)
		sb_addf(out, " %s", b->run.arg.v[i]);
	sb_adds(out, "\n");
	if (b->kml)
		sb_addf(out, "kml      %s runs in ring 0\n", b->run.arg.v[0]);
	if (b->run.uid > 0 || b->run.gid > 0)
		sb_addf(out, "user     %ld:%ld\n", b->run.uid, b->run.gid);
	for (size_t i = 0; i < b->exposed.n; i++)
		sb_addf(out, "port     %s exposed: forward it with -p HOSTPORT:%d\n", b->exposed.v[i],
			atoi(b->exposed.v[i]));
	sb_addf(out, "run it   lupine run %s%s\n", r->out, b->net ? " -p HOSTPORT:GUESTPORT" : "");
}
