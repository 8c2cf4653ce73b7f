/* elfdeps.c: the files a dynamically linked ELF program needs at run time.
 *
 * Search order for a DT_NEEDED name without a slash, as glibc's ld.so does:
 * DT_RPATH of the loading object and then of its loaders (only when the
 * object has no DT_RUNPATH), DT_RUNPATH of the loading object, the
 * directories of /etc/ld.so.conf (what ld.so.cache is built from), then
 * /lib and /usr/lib. $ORIGIN is the loading object's directory. A candidate
 * must be ELF64 x86_64, like the program, or the search goes on. */
#include "source/elfdeps.h"
#include "lib/elf.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct elfinfo {
	char *interp;
	char **needed;
	size_t nneeded;
	char *rpath, *runpath;
};

static void info_release(struct elfinfo *e)
{
	free(e->interp);
	for (size_t i = 0; i < e->nneeded; i++)
		free(e->needed[i]);
	free(e->needed);
	free(e->rpath);
	free(e->runpath);
	memset(e, 0, sizeof(*e));
}

/* One dynamic-section string (DT_NEEDED, DT_RPATH, DT_RUNPATH), copied. */
static char *dyn_string(const struct elf_file *ef, uint64_t strtab, uint64_t off)
{
	char buf[4096];

	if (off > UINT64_MAX - strtab || elf_string(ef, strtab + off, buf, sizeof(buf)) < 0)
		return NULL;
	return xstrdup(buf);
}

static int read_dynamic(const struct elf_file *ef, const Elf64_Phdr *dynph, struct elfinfo *e)
{
	size_t ndyn = dynph->p_filesz / sizeof(Elf64_Dyn);
	uint64_t strtab = UINT64_MAX;
	Elf64_Dyn d;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ndyn; i++) {
			if (elf_read_at(ef, dynph->p_offset + i * sizeof(d), &d, sizeof(d)) < 0)
				return -1;
			if (d.d_tag == DT_NULL)
				break;
			if (pass == 0) {
				if (d.d_tag == DT_STRTAB && elf_vaddr_offset(ef, d.d_un.d_ptr, &strtab) < 0)
					return -1;
				continue;
			}
			if (d.d_tag != DT_NEEDED && d.d_tag != DT_RPATH && d.d_tag != DT_RUNPATH)
				continue;
			char *s = strtab == UINT64_MAX ? NULL : dyn_string(ef, strtab, d.d_un.d_val);
			if (!s)
				return -1;
			if (d.d_tag == DT_NEEDED) {
				e->needed = xrealloc(e->needed, (e->nneeded + 1) * sizeof(char *));
				e->needed[e->nneeded++] = s;
			} else if (d.d_tag == DT_RPATH) {
				free(e->rpath);
				e->rpath = s;
			} else {
				free(e->runpath);
				e->runpath = s;
			}
		}
	}
	return 0;
}

/* Reads interpreter and dynamic section. Returns 1 for a usable x86_64 ELF,
 * 0 for another class or machine, -1 for unreadable or malformed. */
static int elf_read(const char *path, struct elfinfo *e)
{
	struct elf_file ef;
	char interp[4096];
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	memset(e, 0, sizeof(*e));
	if (fd < 0)
		return -1;
	ret = elf_open(&ef, fd);
	if (ret == 1) {
		int k = elf_interp(&ef, interp, sizeof(interp));
		if (k == 1)
			e->interp = xstrdup(interp);
		for (unsigned i = 0; k >= 0 && i < ef.eh.e_phnum; i++)
			if (elf_phdr(&ef, i, &ph) < 0 || (ph.p_type == PT_DYNAMIC && read_dynamic(&ef, &ph, e) < 0))
				k = -1;
		if (k < 0)
			ret = -1;
	}
	close(fd);
	if (ret != 1)
		info_release(e);
	return ret;
}

/* One object on the way: its search data, and the object that loaded it. */
struct obj {
	char *path, *origin, *rpath, *runpath;
	const struct obj *loader;
};

struct resolver {
	const char *sysroot;
	char **confdirs;
	size_t nconf;
	struct elfdeps *deps;
	struct strbuf *err;
};

static int have(const struct elfdeps *d, const char *path)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->paths[i], path))
			return 1;
	return 0;
}

static void push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

static void read_conf(struct resolver *r, const char *path, int depth)
{
	char *full = xasprintf("%s%s", r->sysroot, path), *text = file_read(full, NULL), *line, *next;

	free(full);
	if (!text || depth > 8) {
		free(text);
		return;
	}
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *s = str_trim(line);
		if (str_starts(s, "include") && (s[7] == ' ' || s[7] == '\t')) {
			char *pat = str_trim(s + 8), *g = pat[0] == '/' ? xasprintf("%s%s", r->sysroot, pat)
								     : xasprintf("%s/etc/%s", r->sysroot, pat);
			glob_t gl;
			if (glob(g, 0, NULL, &gl) == 0) {
				for (size_t i = 0; i < gl.gl_pathc; i++)
					read_conf(r, gl.gl_pathv[i] + strlen(r->sysroot), depth + 1);
				globfree(&gl);
			}
			free(g);
		} else if (s[0] == '/') {
			push(&r->confdirs, &r->nconf, xstrdup(s));
		}
	}
	free(text);
}

static char *expand(const char *dir, const char *origin)
{
	struct strbuf sb = {0};
	static const struct { const char *name, *value; } vars[] = {
		{"${ORIGIN}", NULL}, {"$ORIGIN", NULL}, {"${LIB}", "lib/x86_64-linux-gnu"},
		{"$LIB", "lib/x86_64-linux-gnu"}, {"${PLATFORM}", "x86_64"}, {"$PLATFORM", "x86_64"},
	};
	for (const char *p = dir; *p;) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(vars); i++)
			if (str_starts(p, vars[i].name))
				break;
		if (i == ARRAY_SIZE(vars)) {
			sb_add(&sb, p++, 1);
			continue;
		}
		sb_adds(&sb, vars[i].value ? vars[i].value : origin);
		p += strlen(vars[i].name);
	}
	return sb_detach(&sb);
}

/* Tries NAME in each directory of a colon-separated list. */
static char *try_dirs(struct resolver *r, const char *list, const char *origin, const char *name)
{
	char *copy = xstrdup(list), *save = NULL, *found = NULL;

	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *dir = expand(d, origin);
		char *cand = xasprintf("%s/%s", *dir ? dir : ".", name);
		char *host = xasprintf("%s%s", r->sysroot, cand);
		struct elfinfo e;
		if (elf_read(host, &e) == 1)
			found = xstrdup(cand);
		info_release(&e);
		free(host);
		free(cand);
		free(dir);
	}
	free(copy);
	return found;
}

static char *find_lib(struct resolver *r, const struct obj *o, const char *name)
{
	static const char *defaults = "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib:/usr/lib";
	char *found = NULL;

	if (strchr(name, '/'))
		return expand(name, o->origin);
	if (!o->runpath)
		for (const struct obj *l = o; l && !found; l = l->loader)
			if (l->rpath)
				found = try_dirs(r, l->rpath, l->origin, name);
	if (!found && o->runpath)
		found = try_dirs(r, o->runpath, o->origin, name);
	for (size_t i = 0; !found && i < r->nconf; i++)
		found = try_dirs(r, r->confdirs[i], o->origin, name);
	if (!found)
		found = try_dirs(r, defaults, o->origin, name);
	return found;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash != path ? xstrndup(path, (size_t)(slash - path)) : xstrdup("/");
}

static int walk(struct resolver *r, const char *path, const char *origin, const struct obj *loader)
{
	char *host = xasprintf("%s%s", r->sysroot, path);
	struct elfinfo e;
	int ret = 0, k = elf_read(host, &e);

	free(host);
	if (k != 1) {
		sb_addf(r->err, "'%s' is not a readable x86_64 ELF file%s%s%s", path, loader ? " (needed by '" : "",
			loader ? loader->path : "", loader ? "')" : "");
		return -1;
	}
	push(&r->deps->paths, &r->deps->n, xstrdup(path));
	struct obj o = {.path = (char *)path, .origin = (char *)origin, .rpath = e.rpath,
			.runpath = e.runpath, .loader = loader};
	if (!loader) {
		r->deps->is_static = e.interp == NULL;
		if (e.interp && !have(r->deps, e.interp) && walk(r, e.interp, origin, &o) < 0)
			ret = -1;
	}
	for (size_t i = 0; ret == 0 && i < e.nneeded; i++) {
		char *lib = find_lib(r, &o, e.needed[i]);
		if (!lib) {
			sb_addf(r->err, "cannot find library '%s' needed by '%s'; install it on the host or add it with --add",
				e.needed[i], path);
			ret = -1;
			break;
		}
		if (!have(r->deps, lib)) {
			char *d = dir_of(lib);
			ret = walk(r, lib, d, &o);
			free(d);
		}
		free(lib);
	}
	info_release(&e);
	return ret;
}

int elfdeps_resolve(const char *program, const char *sysroot, struct elfdeps *deps, struct strbuf *err)
{
	struct resolver r = {.sysroot = sysroot ? sysroot : "", .deps = deps, .err = err};
	char *host = xasprintf("%s%s", r.sysroot, program), *real = NULL, *origin;
	int ret;

	memset(deps, 0, sizeof(*deps));
	/* the main program's $ORIGIN is where it really lives, symlinks resolved */
	real = realpath(host, NULL);
	origin = real ? dir_of(real + strlen(r.sysroot)) : dir_of(program);
	read_conf(&r, "/etc/ld.so.conf", 0);
	ret = walk(&r, program, origin, NULL);
	for (size_t i = 0; i < r.nconf; i++)
		free(r.confdirs[i]);
	free(r.confdirs);
	free(origin);
	free(real);
	free(host);
	if (ret < 0)
		elfdeps_release(deps);
	return ret;
}

void elfdeps_release(struct elfdeps *deps)
{
	for (size_t i = 0; i < deps->n; i++)
		free(deps->paths[i]);
	free(deps->paths);
	memset(deps, 0, sizeof(*deps));
}
