/* kbuild.c: resolve a kernel config from fragments, verify it, build it out of tree, cached by content hash.
 *
 * Cache layout under cache_root():
 *   keys/INPUT      -> hash of the final config reached from these inputs (skips kconfig on a hit)
 *   kernels/HASH/   -> bzImage vmlinux config build.log info.json (with the bzImage's SHA-256),
 *                      renamed into place when complete; checked on every hit (kcache.c)
 *   build/HASH/     -> object tree while building (removed after success)
 *   locks/kernel-HASH.lock serialises builds of one config across processes. */
#include "kernel/kbuild.h"
#include "lib/elf.h"
#include "lib/cache.h"
#include "kernel/kcache.h"
#include "kernel/kindex.h"
#include "lib/progress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs make in the kernel tree for an out-of-tree object dir, logging to log_fd. */
static int run_make(const struct kbuild_req *req, const char *objdir, const char *target,
		    const char *extra, int log_fd)
{
	char *o = xasprintf("O=%s", objdir);
	char *argv[] = {"make", "-C", req->src->tree, o, "ARCH=x86_64", (char *)target,
			(char *)extra, NULL};
	int r = run_cmd(argv, log_fd);
	free(o);
	return r;
}

static void log_tail(const char *log, int lines, struct strbuf *out)
{
	size_t len;
	char *text = file_read(log, &len);
	const char *p;
	int n = 0;

	if (!text)
		return;
	for (p = text + len; p > text; p--)
		if (p[-1] == '\n' && p != text + len && ++n > lines)
			break;
	sb_addf(out, "\n--- last lines of %s ---\n%s", log, p);
	free(text);
}

/* Checks every requested option against the resolved config. */
static int verify(const struct kbuild_req *req, const struct kconfig_frag *want,
		  const char *config_text, struct strbuf *err)
{
	struct kconfig_frag final = {0};
	struct kindex *idx = NULL;
	struct strbuf perr = {0};
	int bad = 0;

	kconfig_frag_parse(&final, ".config", config_text, 0, &perr);
	sb_release(&perr);
	kconfig_frag_sort(&final);
	for (size_t i = 0; i < want->n; i++) {
		const struct kconfig_entry *e = &want->e[i];
		const char *got = kconfig_lookup(&final, e->name);
		/* a complete config from elsewhere is a starting point: olddefconfig
		 * may move its options to this tree's release */
		if (req->complete && !strcmp(e->origin, req->frags[0].name))
			continue;
		if (kconfig_value_holds(e->value, got))
			continue;
		if (!idx) {
			struct strbuf ierr = {0};
			idx = kindex_load(req->src->tree, "x86", &ierr);
			sb_release(&ierr);
		}
		sb_addf(err, "%sCONFIG_%s=%s (%s:%d) did not hold (Kconfig gave %s): ", bad ? "\n" : "",
			e->name, e->value, e->origin, e->line, strcmp(got, "n") ? got : "not set");
		if (idx)
			kindex_explain(idx, e->name, e->value, got, &final, err);
		bad++;
	}
	if (bad)
		sb_addf(err, "\n%d option%s did not hold in the resolved config; fix the fragment%s named above",
			bad, bad > 1 ? "s" : "", bad > 1 ? "s" : "");
	kindex_free(idx);
	kconfig_frag_release(&final);
	return bad ? -1 : 0;
}

char *kbuild_resolve(const struct kbuild_req *req, struct strbuf *err)
{
	static int counter;
	struct kconfig_frag merged = {0};
	char *builddir = cache_dir("build");
	char *tmp = xasprintf("%s/.resolve-%d-%d", builddir, (int)getpid(), counter++);
	char *frag_path = xasprintf("%s/lupine.fragment", tmp), *allcfg = NULL;
	char *log = xasprintf("%s/resolve.log", tmp), *cfg_path = xasprintf("%s/.config", tmp);
	char *text = NULL, *config = NULL;
	int log_fd = -1;

	if (kconfig_merge(&merged, req->frags, req->nfrags, err) < 0)
		goto out;
	rm_rf(tmp);
	if (mkdir_p(tmp, 0755) < 0) {
		sb_addf(err, "cannot create '%s': %s", tmp, strerror(errno));
		goto out;
	}
	text = kconfig_render(&merged);
	if (file_write_atomic(frag_path, text, strlen(text), 0644) < 0 ||
	    (log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		sb_addf(err, "cannot write in '%s': %s", tmp, strerror(errno));
		goto out;
	}
	allcfg = xasprintf("KCONFIG_ALLCONFIG=%s", frag_path);
	if (req->complete && file_write_atomic(cfg_path, text, strlen(text), 0644) < 0) {
		sb_addf(err, "cannot write '%s': %s", cfg_path, strerror(errno));
		goto out;
	}
	if ((!req->complete && run_make(req, tmp, "allnoconfig", allcfg, log_fd) != 0) ||
	    run_make(req, tmp, "olddefconfig", NULL, log_fd) != 0) {
		sb_addf(err, "the kernel's kconfig failed on the merged fragments (%s)", req->label);
		log_tail(log, 15, err);
		goto out;
	}
	if (!(config = file_read(cfg_path, NULL))) {
		sb_addf(err, "kconfig wrote no .config in '%s'", tmp);
		goto out;
	}
	if (verify(req, &merged, config, err) < 0) {
		free(config);
		config = NULL;
	}
out:
	if (log_fd >= 0)
		close(log_fd);
	rm_rf(tmp);
	kconfig_frag_release(&merged);
	free(text);
	free(allcfg);
	free(cfg_path);
	free(log);
	free(frag_path);
	free(tmp);
	free(builddir);
	return config;
}

/* Berkeley-style sizes, as size(1) prints them: text is allocated read-only
 * sections, data allocated writable ones with contents, bss writable without. */
static int elf_sizes(const char *path, struct kbuild_result *res)
{
	struct elf_file ef;
	Elf64_Shdr sh;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;

	if (fd < 0)
		return -1;
	if (elf_open(&ef, fd) != 1)
		goto out;
	for (unsigned i = 0; i < ef.eh.e_shnum; i++) {
		if (elf_shdr(&ef, i, &sh) < 0)
			goto out;
		if (!(sh.sh_flags & SHF_ALLOC))
			continue;
		if (sh.sh_type == SHT_NOBITS)
			res->bss += sh.sh_size;
		else if (sh.sh_flags & SHF_WRITE)
			res->data += sh.sh_size;
		else
			res->text += sh.sh_size;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

static unsigned long count_y(const char *config)
{
	struct kconfig_frag final = {0};
	struct strbuf perr = {0};
	unsigned long n;

	kconfig_frag_parse(&final, ".config", config, 0, &perr);
	n = kconfig_count_y(&final);
	kconfig_frag_release(&final);
	sb_release(&perr);
	return n;
}

/* "CC=ccache gcc" when ccache is installed, else NULL. Kernels for different
 * apps differ in a few options, so most objects compile to the same thing:
 * ccache (its store in the lupine cache) hands those back instead of compiling
 * them again; a second kernel builds in a fraction of the first's time. */
static char *ccache_cc(void)
{
	char *ccache = path_lookup("ccache"), *dir;

	if (!ccache)
		return NULL;
	dir = cache_dir("ccache");
	setenv("CCACHE_DIR", dir, 0); /* a user's own CCACHE_DIR wins */
	/* each kernel builds in its own object dir; the compile dir must not
	 * make every object a miss (kernels here have no debug info to point at it) */
	setenv("CCACHE_NOHASHDIR", "1", 0);
	setenv("CCACHE_MAXSIZE", "4G", 0);
	free(dir);
	free(ccache);
	return xstrdup("CC=ccache gcc");
}

/* Runs make bzImage for config in the object dir obj, logging to obj/build.log. */
static int make_kernel(const struct kbuild_req *req, const char *config, const struct kbuild_result *res,
		       const char *obj, struct strbuf *err)
{
	char *cfg = xasprintf("%s/.config", obj), *log = xasprintf("%s/build.log", obj);
	char *label = NULL, *jobs = xasprintf("-j%d", req->jobs > 0 ? req->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN));
	char *o = xasprintf("O=%s", obj), *cc = ccache_cc();
	int log_fd = -1, ret = -1, st;
	long steps;

	/* a build killed half-way may leave truncated objects: always start clean */
	rm_rf(obj);
	if (mkdir_p(obj, 0755) < 0 ||
	    file_write_atomic(cfg, config, strlen(config), 0644) < 0 ||
	    (log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		sb_addf(err, "cannot prepare build directory '%s': %s", obj, strerror(errno));
		goto out;
	}
	label = xasprintf("building kernel %.12s (%s)", res->hash, req->label);
	char *argv[] = {"make", "-C", req->src->tree, o, "ARCH=x86_64", jobs, "bzImage", cc, NULL};
	st = progress_run(argv, log_fd, label, progress_kbuild_step, &steps);
	if (st != 0) {
		sb_addf(err, "kernel build failed (make exited %d); full log: %s", st, log);
		log_tail(log, 20, err);
		goto out;
	}
	ret = 0;
out:
	if (log_fd >= 0)
		close(log_fd);
	free(o);
	free(cc);
	free(jobs);
	free(label);
	free(log);
	free(cfg);
	return ret;
}

/* Copies what the build in obj made into the staging dir stage, with its
 * info.json, then renames stage to entry so that no reader sees half an entry. */
static int store_entry(const struct kbuild_req *req, struct kbuild_result *res, const char *obj,
		       const char *stage, const char *entry, struct strbuf *err)
{
	char *cfg = xasprintf("%s/.config", obj), *log = xasprintf("%s/build.log", obj);
	char *src_bz = xasprintf("%s/arch/x86/boot/bzImage", obj), *src_vm = xasprintf("%s/vmlinux", obj);
	int ret = -1;

	rm_rf(stage);
	if (mkdir_p(stage, 0755) < 0) {
		sb_addf(err, "cannot create '%s': %s", stage, strerror(errno));
		goto out;
	}
	char *dst_bz = kcache_file(stage, "bzImage"), *dst_vm = kcache_file(stage, "vmlinux");
	char *dst_cfg = kcache_file(stage, "config"), *dst_log = kcache_file(stage, "build.log");
	int r = file_copy(src_bz, dst_bz, 0644) | file_copy(src_vm, dst_vm, 0644) |
		file_copy(cfg, dst_cfg, 0644) | file_copy(log, dst_log, 0644);
	struct stat sbz;
	if (!r && stat(dst_bz, &sbz) == 0)
		res->bzimage_bytes = (unsigned long long)sbz.st_size;
	r |= elf_sizes(dst_vm, res);
	free(dst_bz);
	free(dst_vm);
	free(dst_cfg);
	free(dst_log);
	if (r || kcache_info_write(stage, res, req) < 0 || rename(stage, entry) < 0) {
		sb_addf(err, "cannot store the built kernel in '%s': %s", entry, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(src_bz);
	free(src_vm);
	free(log);
	free(cfg);
	return ret;
}

/* Builds config into build/HASH, then moves the results into kernels/HASH. */
static int build(const struct kbuild_req *req, const char *config, struct kbuild_result *res,
		 const char *entry, struct strbuf *err)
{
	char *bdir = cache_dir("build"), *obj = xasprintf("%s/%s", bdir, res->hash);
	char *kdir = cache_dir("kernels");
	char *stage = xasprintf("%s/.tmp-%s-%d", kdir, res->hash, (int)getpid());
	int ret = -1;
	double t0 = now_sec();

	if (make_kernel(req, config, res, obj, err) < 0)
		goto out;
	res->build_sec = now_sec() - t0;
	if (store_entry(req, res, obj, stage, entry, err) < 0)
		goto out;
	rm_rf(obj);
	ret = 0;
out:
	rm_rf(stage);
	free(stage);
	free(kdir);
	free(obj);
	free(bdir);
	return ret;
}

int kbuild_get(const struct kbuild_req *req, struct kbuild_result *res, struct strbuf *err)
{
	char key[65], *keys = cache_dir("keys"), *kdir = cache_dir("kernels");
	char *key_path, *entry = NULL, *config = NULL, *lockname = NULL;
	int lock = -1, r = 0, built = 0;

	memset(res, 0, sizeof(*res));
	kcache_input_key(req, key);
	key_path = xasprintf("%s/%s", keys, key);
	/* fast path: these exact inputs were resolved before and their kernel is cached */
	if (!req->force && (r = kcache_key_read(key_path, res->hash, err)) == 1) {
		entry = xasprintf("%s/%s", kdir, res->hash);
		r = kcache_open(res, req, entry, err);
		free(entry);
		entry = NULL;
	}
	if (r == 0 && req->cached_only)
		sb_addf(err, "%s: not in the cache (build it with lupine kernel)", req->label);
	if (r != 0 || req->cached_only || !(config = kbuild_resolve(req, err)))
		goto out;
	kcache_config_hash(req, config, res->hash);
	file_write_atomic(key_path, res->hash, 64, 0644);
	entry = xasprintf("%s/%s", kdir, res->hash);
	lockname = xasprintf("kernel-%.16s", res->hash);
	lock = cache_lock(lockname, "building this kernel");
	if (req->force)
		rm_rf(entry);
	if ((r = kcache_open(res, req, entry, err)) != 0)
		goto out;
	rm_rf(entry); /* an incomplete entry (a killed build's) is not trusted */
	kcache_sweep_stale(kdir);
	res->options_y = count_y(config);
	built = 1;
	if (build(req, config, res, entry, err) < 0)
		goto out;
	if ((r = kcache_open(res, req, entry, err)) == 0)
		sb_addf(err, "built kernel in '%s' is unreadable", entry);
out:
	res->cached = r > 0 && !built;
	cache_unlock(lock);
	free(lockname);
	free(config);
	free(entry);
	free(key_path);
	free(kdir);
	free(keys);
	return r > 0 ? 0 : -1;
}

void kbuild_result_release(struct kbuild_result *res)
{
	kcache_free_paths(res);
	memset(res, 0, sizeof(*res));
}

char *kbuild_option(const struct kbuild_result *res, const char *name)
{
	struct kconfig_frag f = {0};
	struct strbuf err = {0};
	char *text = file_read(res->config, NULL), *value;

	if (text)
		kconfig_frag_parse(&f, ".config", text, 0, &err);
	value = xstrdup(kconfig_lookup(&f, name));
	kconfig_frag_release(&f);
	sb_release(&err);
	free(text);
	return value;
}
