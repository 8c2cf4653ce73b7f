/* deb.c: the Debian package source ("deb:PKG[,PKG...]"): a root filesystem of the packages
 * and their dependencies, made by mmdebstrap (the essential variant, so maintainer scripts
 * run: users, alternatives, config), without documentation, man pages and locales. The
 * result is kept in the cache as a tar, keyed by the package set and the state of apt's
 * package lists, so a second build with the same packages does not run mmdebstrap. */
#include "lib/cache.h"
#include "lib/hash.h"
#include "lib/progress.h"
#include "source/source.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define APT_LISTS "/var/lib/apt/lists"

int deb_name_valid(const char *name)
{
	size_t len = strlen(name);

	/* the first character matters most: apt, which mmdebstrap hands the
	 * names to without a "--", takes "-x" or "--x" for an option */
	return len >= 2 && strchr("abcdefghijklmnopqrstuvwxyz0123456789", name[0]) &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789+-.") == len;
}

static int parse_packages(const char *ref, struct strlist *pkgs, struct strbuf *err)
{
	char *copy = xstrdup(ref), *save = NULL;
	int ret = 0;

	for (char *p = strtok_r(copy, ",", &save); p && ret == 0; p = strtok_r(NULL, ",", &save)) {
		if (!deb_name_valid(p)) {
			sb_addf(err, "deb:%s: '%s' is not a Debian package name (lower-case letters, digits, "
				"+ - ., starting with a letter or digit)", ref, p);
			ret = -1;
		}
		strlist_add(pkgs, p);
	}
	if (ret == 0 && !pkgs->n) {
		sb_addf(err, "deb:%s: name at least one package, e.g. deb:nginx-light", ref);
		ret = -1;
	}
	free(copy);
	return ret;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The release the host runs (its packages are what apt knows). */
static char *codename(void)
{
	char *text = file_read("/etc/os-release", NULL), *p = text ? strstr(text, "VERSION_CODENAME=") : NULL;
	char *name = p ? xstrndup(p + 17, strcspn(p + 17, "\n\"")) : xstrdup("bookworm");

	free(text);
	return name;
}

/* What the package set resolves to changes with apt's lists: their Release files' identity. */
static void add_lists(struct hash *h)
{
	DIR *d = opendir(APT_LISTS);
	struct dirent *de;
	struct stat st;

	while (d && (de = readdir(d))) {
		char *p = xasprintf("%s/%s", APT_LISTS, de->d_name);
		if (str_ends(de->d_name, "Release") && stat(p, &st) == 0) {
			char id[64];
			hash_add_str(h, de->d_name);
			snprintf(id, sizeof(id), "%lld.%ld", (long long)st.st_mtime, (long)st.st_size);
			hash_add_str(h, id);
		}
		free(p);
	}
	if (d)
		closedir(d);
}

static char *cache_key(const struct strlist *pkgs, const char *suite)
{
	struct hash h;
	char hex[65];

	hash_init(&h);
	hash_add_str(&h, "deb-v1 essential nodoc");
	hash_add_str(&h, suite);
	for (size_t i = 0; i < pkgs->n; i++)
		hash_add_str(&h, pkgs->v[i]);
	add_lists(&h);
	hash_final_hex(&h, hex);
	return xstrdup(hex);
}

/* mmdebstrap into tmp, its output logged to log. */
static int mmdebstrap(const struct strlist *pkgs, const char *suite, const char *tmp, const char *log,
		      struct strbuf *err)
{
	struct strbuf inc = {0};
	char *label, *tail;
	int st;

	for (size_t i = 0; i < pkgs->n; i++)
		sb_addf(&inc, "%s%s", i ? "," : "--include=", pkgs->v[i]);
	/* the names reach apt inside --include, past any "--" of ours: deb_name_valid
	 * guards them; the "--" keeps the suite and the target (a cache path,
	 * relative if LUPINE_CACHE is) from being taken for options */
	char *argv[] = {"mmdebstrap", "--variant=essential", inc.buf, "--mode=auto", "--format=tar",
			"--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/doc/*",
			"--dpkgopt=path-exclude=/usr/share/locale/*", "--dpkgopt=path-exclude=/usr/share/info/*",
			"--dpkgopt=path-include=/usr/share/doc/*/copyright",
			/* maintainer scripts that register man pages as alternatives (OpenJDK's
			 * java.1.gz) fail without the man directories the excludes keep away */
			"--setup-hook=for s in 1 2 3 4 5 6 7 8; do mkdir -p \"$1/usr/share/man/man$s\"; done",
			"--", (char *)suite, (char *)tmp, NULL};
	label = xasprintf("mmdebstrap %s", inc.buf + 10);
	st = progress_run_logged(argv, log, label);
	if (st == 127) {
		sb_adds(err, "cannot run mmdebstrap: is it installed? (scripts/setup.sh installs it)");
	} else if (st != 0) {
		tail = file_tail(log, 600);
		sb_addf(err, "mmdebstrap failed (status %d) for %s: %s", st, inc.buf + 10, tail);
		free(tail);
	}
	free(label);
	sb_release(&inc);
	return st == 0 ? 0 : -1;
}

/* The cached tar for pkgs, made now if it is not there. Caller frees. */
static char *deb_tar(struct strlist *pkgs, struct strbuf *err)
{
	char *suite = codename(), *key, *dir = cache_dir("debs"), *tar, *tmp, *log, *name;
	int lock;

	qsort(pkgs->v, pkgs->n, sizeof(*pkgs->v), by_name);
	key = cache_key(pkgs, suite);
	tar = xasprintf("%s/%s.tar", dir, key);
	tmp = xasprintf("%s.tmp-%d", tar, (int)getpid());
	log = xasprintf("%s/%s.log", dir, key);
	name = xasprintf("deb-%s", key);
	lock = cache_lock(name, "a root of Debian packages");
	if (!path_exists(tar) && (mmdebstrap(pkgs, suite, tmp, log, err) < 0 || rename(tmp, tar) < 0)) {
		if (!err->len)
			sb_addf(err, "cannot keep '%s': %s", tar, strerror(errno));
		unlink(tmp);
		free(tar);
		tar = NULL;
	}
	if (lock >= 0)
		cache_unlock(lock);
	free(name);
	free(log);
	free(tmp);
	free(key);
	free(dir);
	free(suite);
	return tar;
}

static int deb_stage(const char *ref, const struct stage *root, struct source_info *info, struct strbuf *err)
{
	struct strlist pkgs = {0};
	char *tar = NULL;
	int ret = -1;

	if (parse_packages(ref, &pkgs, err) == 0 && (tar = deb_tar(&pkgs, err)))
		ret = layer_apply(root, tar, LAYER_PLAIN, &info->layers, err);
	strlist_release(&pkgs);
	free(tar);
	return ret;
}

const struct source_ops source_deb = {
	.name = "deb",
	.prefix = "deb:",
	.stage = deb_stage,
};
