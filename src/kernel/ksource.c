/* ksource.c: find the Linux source to build from, unpacking a tarball once into the cache. */
#include "kernel/ksource.h"
#include "lib/cache.h"
#include "lib/hash.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_kernel_tree(const char *dir)
{
	char *mk = xasprintf("%s/Makefile", dir), *kc = xasprintf("%s/Kconfig", dir);
	int ok = path_exists(mk) && path_exists(kc);
	free(mk);
	free(kc);
	return ok;
}

static char *makefile_var(const char *text, const char *var)
{
	size_t n = strlen(var);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, var, n) || (p[n] != ' ' && p[n] != '='))
			continue;
		const char *v = strchr(p, '=');
		if (!v)
			continue;
		v++;
		while (*v == ' ')
			v++;
		return xstrndup(v, strcspn(v, "\n"));
	}
	return xstrdup("");
}

static char *tree_version(const char *tree)
{
	char *mk = xasprintf("%s/Makefile", tree), *text = file_read(mk, NULL);
	free(mk);
	if (!text)
		return xstrdup("unknown");
	char *v = makefile_var(text, "VERSION"), *p = makefile_var(text, "PATCHLEVEL");
	char *s = makefile_var(text, "SUBLEVEL"), *e = makefile_var(text, "EXTRAVERSION");
	char *out = xasprintf("%s.%s.%s%s", v, p, s, e);
	free(text);
	free(v);
	free(p);
	free(s);
	free(e);
	return out;
}

/* The one directory inside dir that is a kernel tree (tarballs wrap the tree). */
static char *find_tree(const char *dir)
{
	DIR *d;
	struct dirent *de;
	char *found = NULL;

	if (is_kernel_tree(dir))
		return xstrdup(dir);
	if (!(d = opendir(dir)))
		return NULL;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *sub = xasprintf("%s/%s", dir, de->d_name);
		if (is_kernel_tree(sub))
			found = sub;
		else
			free(sub);
	}
	closedir(d);
	return found;
}

static int copy_data(struct archive *in, struct archive *out)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
		if (archive_write_data_block(out, buf, size, off) != ARCHIVE_OK)
			return -1;
	return r == ARCHIVE_EOF ? 0 : -1;
}

static int escapes(const char *name)
{
	if (name[0] == '/')
		return 1;
	for (const char *p = name; (p = strstr(p, "..")); p += 2)
		if ((p == name || p[-1] == '/') && (p[2] == 0 || p[2] == '/'))
			return 1;
	return 0;
}

/* Unpacks tarball into dest (which must not exist yet) with libarchive,
 * refusing entries that would land outside dest. */
static int unpack(const char *tarball, const char *dest, struct strbuf *err)
{
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	struct archive_entry *ent;
	int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
		    ARCHIVE_EXTRACT_SECURE_NODOTDOT;
	int ret = -1, r;
	long count = 0;
	double t0 = now_sec();

	archive_read_support_filter_all(in);
	archive_read_support_format_all(in);
	archive_write_disk_set_options(out, flags);
	if (archive_read_open_filename(in, tarball, 1 << 16) != ARCHIVE_OK) {
		sb_addf(err, "cannot read kernel source '%s': %s", tarball, archive_error_string(in));
		goto out;
	}
	while ((r = archive_read_next_header(in, &ent)) == ARCHIVE_OK) {
		/* names are made absolute below, so check them while still relative */
		const char *name = archive_entry_pathname(ent), *link = archive_entry_hardlink(ent);
		if (!name || escapes(name) || (link && escapes(link))) {
			sb_addf(err, "refusing '%s': entry '%s' points outside the tree", tarball,
				name ? name : "(unnamed)");
			goto out;
		}
		char *path = xasprintf("%s/%s", dest, archive_entry_pathname(ent));
		archive_entry_set_pathname(ent, path);
		free(path);
		const char *hl = archive_entry_hardlink(ent);
		if (hl) {
			char *lp = xasprintf("%s/%s", dest, hl);
			archive_entry_set_hardlink(ent, lp);
			free(lp);
		}
		if (archive_write_header(out, ent) != ARCHIVE_OK || copy_data(in, out) < 0) {
			sb_addf(err, "cannot unpack '%s': %s", tarball, archive_error_string(out));
			goto out;
		}
		if (++count % 10000 == 0)
			note("  %ld files unpacked (%.0fs)", count, now_sec() - t0);
	}
	if (r != ARCHIVE_EOF) {
		sb_addf(err, "cannot unpack '%s': %s", tarball, archive_error_string(in));
		goto out;
	}
	ret = 0;
out:
	archive_read_free(in);
	archive_write_free(out);
	return ret;
}

/* Written last into an unpacked or patched tree, before it is renamed into
 * place: a tree without it is unfinished, or was not made by lupine. */
#define TREE_DONE ".lupine-done"

/* 1 when dir is a finished tree of the user's (its TREE_DONE there too);
 * 0 when there is none, an unfinished one of the user's being removed; -1
 * with err set when dir or its marker is not the user's or others can write it. */
static int tree_ready(const char *dir, struct strbuf *err)
{
	char *done = xasprintf("%s/" TREE_DONE, dir);
	int r = cache_check(dir, S_IFDIR, err);

	if (r == 1 && (r = cache_check(done, S_IFREG, err)) == 0)
		rm_rf(dir);
	free(done);
	return r;
}

/* Makes the finished tree in tmp the user's own (0755) and marks it done. */
static int tree_finish(const char *tmp, const char *identity, struct strbuf *err)
{
	char *done = xasprintf("%s/" TREE_DONE, tmp);
	int r = chmod(tmp, 0755);

	if (r == 0)
		r = file_write_atomic(done, identity, strlen(identity), 0644);
	if (r < 0)
		sb_addf(err, "cannot finish '%s': %s", tmp, strerror(errno));
	free(done);
	return r;
}

static int open_tarball(struct ksource *ks, const char *path, const struct stat *st, struct strbuf *err)
{
	struct hash h;
	char key[65], *base = strrchr(path, '/');
	int lock, ret = -1, r;

	base = base ? base + 1 : (char *)path;
	/* name, size and mtime identify a packaged tarball without reading 130 MB */
	ks->identity = xasprintf("tarball:%s:%lld:%lld", base, (long long)st->st_size,
				 (long long)st->st_mtime);
	hash_init(&h);
	hash_add_str(&h, ks->identity);
	hash_final_hex(&h, key);
	key[16] = 0;

	char *srcdir = cache_dir("trees");
	char *dest = xasprintf("%s/%s", srcdir, key);
	char *lockname = xasprintf("src-%s", key);
	char *tmp = NULL;
	lock = cache_lock(lockname, "unpacking this kernel source");
	if ((r = tree_ready(dest, err)) < 0)
		goto out;
	if (r == 0) {
		tmp = xasprintf("%s/.tmp-%s-%d", srcdir, key, (int)getpid());
		rm_rf(tmp);
		note("lupine: unpacking %s into the cache (once) ...", path);
		if (mkdir_p(tmp, 0755) < 0 || unpack(path, tmp, err) < 0 || tree_finish(tmp, ks->identity, err) < 0)
			goto out;
		if (rename(tmp, dest) < 0) {
			sb_addf(err, "cannot move unpacked source to '%s': %s", dest, strerror(errno));
			goto out;
		}
	}
	ks->tree = find_tree(dest);
	if (!ks->tree) {
		sb_addf(err, "'%s' holds no kernel tree (no top-level Makefile and Kconfig)", path);
		goto out;
	}
	ret = 0;
out:
	if (tmp)
		rm_rf(tmp);
	cache_unlock(lock);
	free(tmp);
	free(lockname);
	free(dest);
	free(srcdir);
	return ret;
}

int ksource_open(struct ksource *ks, const char *spec, struct strbuf *err)
{
	struct stat st;
	const char *env = getenv("LUPINE_LINUX_SRC");
	const char *path = spec ? spec : (env && *env) ? env : KSOURCE_DEFAULT;

	memset(ks, 0, sizeof(*ks));
	if (stat(path, &st) < 0) {
		if (!spec && !(env && *env))
			sb_addf(err, "no kernel source: '%s' not found; install Debian's linux-source-6.1 "
				     "(scripts/setup.sh does) or give a tree or tarball with --source or LUPINE_LINUX_SRC",
				path);
		else
			sb_addf(err, "cannot use kernel source '%s': %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!is_kernel_tree(path)) {
			sb_addf(err, "'%s' is not a kernel source tree (no top-level Makefile and Kconfig)", path);
			return -1;
		}
		ks->tree = realpath(path, NULL);
		ks->version = tree_version(ks->tree);
		ks->identity = xasprintf("tree:%s:%s", ks->tree, ks->version);
		return 0;
	}
	if (open_tarball(ks, path, &st, err) < 0) {
		ksource_release(ks);
		return -1;
	}
	ks->version = tree_version(ks->tree);
	return 0;
}

void ksource_release(struct ksource *ks)
{
	free(ks->tree);
	free(ks->version);
	free(ks->identity);
	memset(ks, 0, sizeof(*ks));
}

/* cp -al (or cp -a across filesystems) src into dst, then patch -p1 < patch. */
static int copy_and_patch(const char *src, const char *dst, const char *patch, const char *log,
			  struct strbuf *err)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), r;
	/* "--": the cache's paths are LUPINE_CACHE's, which may be relative and start with '-' */
	char *cp_al[] = {"cp", "-al", "--", (char *)src, (char *)dst, NULL};
	char *cp_a[] = {"cp", "-a", "--", (char *)src, (char *)dst, NULL};
	char *pt[] = {"patch", "-p1", "-s", "-N", "-d", (char *)dst, "-i", (char *)patch, NULL};

	r = run_cmd(cp_al, fd);
	if (r != 0) {
		rm_rf(dst);
		r = run_cmd(cp_a, fd);
	}
	if (r == 0)
		r = run_cmd(pt, fd);
	if (fd >= 0)
		close(fd);
	if (r != 0) {
		char *text = file_read(log, NULL);
		sb_addf(err, "cannot apply the %s patch to '%s': %s", "kernel", src, text ? str_trim(text) : "");
		free(text);
	}
	return r == 0 ? 0 : -1;
}

int ksource_patch(struct ksource *ks, const char *name, const char *text, struct strbuf *err)
{
	struct hash h;
	char sum[65];
	int lock, ret = -1, r;

	hash_init(&h);
	hash_add_str(&h, ks->identity);
	hash_add_str(&h, name);
	hash_add_str(&h, text);
	hash_final_hex(&h, sum);
	sum[16] = 0;
	char *srcdir = cache_dir("trees"), *dest = xasprintf("%s/%s-%s", srcdir, sum, name);
	char *lockname = xasprintf("src-%s", sum), *tmp = xasprintf("%s.tmp-%d", dest, (int)getpid());
	char *tree = xasprintf("%s/linux", dest), *patch = xasprintf("%s.patch", tmp);
	char *log = xasprintf("%s.log", tmp);
	lock = cache_lock(lockname, "patching this kernel source");
	if ((r = tree_ready(dest, err)) < 0)
		goto out;
	if (r == 0) {
		note("lupine: applying the %s patch to a copy of %s (once) ...", name, ks->tree);
		char *ttree = xasprintf("%s/linux", tmp);
		rm_rf(tmp);
		int ok = mkdir_p(tmp, 0755) == 0 && file_write_atomic(patch, text, strlen(text), 0644) == 0 &&
			 copy_and_patch(ks->tree, ttree, patch, log, err) == 0 && tree_finish(tmp, ks->identity, err) == 0;
		free(ttree);
		if (!ok || rename(tmp, dest) < 0) {
			if (ok)
				sb_addf(err, "cannot create '%s': %s", dest, strerror(errno));
			rm_rf(tmp);
			goto out;
		}
	}
	char *id = xasprintf("%s+patch:%s:%s", ks->identity, name, sum);
	free(ks->identity);
	ks->identity = id;
	free(ks->tree);
	ks->tree = xstrdup(tree);
	ret = 0;
out:
	unlink(patch);
	unlink(log);
	cache_unlock(lock);
	free(log);
	free(patch);
	free(tree);
	free(tmp);
	free(lockname);
	free(dest);
	free(srcdir);
	return ret;
}
