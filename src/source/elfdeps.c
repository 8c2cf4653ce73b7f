/* elfdeps.c: the files a dynamically linked ELF program needs at run time.
 *
 * Search order for a DT_NEEDED name without a slash, as glibc's ld.so does:
 * DT_RPATH of the loading object and then of its loaders (only when the
 * object has no DT_RUNPATH), DT_RUNPATH of the loading object, the
 * directories of /etc/ld.so.conf (what ld.so.cache is built from), then
 * /lib and /usr/lib. $ORIGIN is the loading object's directory. A candidate
 * must be ELF64 x86_64, like the program, or the search goes on. */
#include "source/elfdeps.h"

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

int elf_is_elf(const char *path)
{
	unsigned char m[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, m, 4);
	close(fd);
	return n == 4 && !memcmp(m, ELFMAG, SELFMAG);
}

/* File offset of a virtual address, through the PT_LOAD segments. */
static long vaddr_off(const Elf64_Phdr *ph, int n, Elf64_Addr va)
{
	for (int i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && va >= ph[i].p_vaddr && va < ph[i].p_vaddr + ph[i].p_filesz)
			return (long)(va - ph[i].p_vaddr + ph[i].p_offset);
	return -1;
}

static const char *str_at(const char *img, size_t len, long strtab, Elf64_Xword off)
{
	if (strtab < 0 || (size_t)strtab + off >= len || !memchr(img + strtab + off, 0, len - strtab - off))
		return NULL;
	return img + strtab + off;
}

/* Reads interpreter and dynamic section. Returns 1 for a usable x86_64 ELF,
 * 0 for another class or machine, -1 for unreadable or malformed. */
static int elf_read(const char *path, struct elfinfo *e)
{
	size_t len;
	char *img = file_read(path, &len);
	int ret = -1;

	memset(e, 0, sizeof(*e));
	if (!img)
		return -1;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		goto out;
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64) {
		ret = 0;
		goto out;
	}
	if (eh->e_phoff + (size_t)eh->e_phnum * sizeof(Elf64_Phdr) > len)
		goto out;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	size_t ndyn = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_offset + ph[i].p_filesz > len)
			goto out;
		if (ph[i].p_type == PT_INTERP && ph[i].p_filesz)
			e->interp = xstrndup(img + ph[i].p_offset, strnlen(img + ph[i].p_offset, ph[i].p_filesz));
		if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)(img + ph[i].p_offset);
			ndyn = ph[i].p_filesz / sizeof(*dyn);
		}
	}
	long strtab = -1;
	for (size_t i = 0; dyn && i < ndyn && dyn[i].d_tag != DT_NULL; i++)
		if (dyn[i].d_tag == DT_STRTAB)
			strtab = vaddr_off(ph, eh->e_phnum, dyn[i].d_un.d_ptr);
	for (size_t i = 0; dyn && i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		const char *s = str_at(img, len, strtab, dyn[i].d_un.d_val);
		if (!s)
			continue;
		if (dyn[i].d_tag == DT_NEEDED) {
			e->needed = xrealloc(e->needed, (e->nneeded + 1) * sizeof(char *));
			e->needed[e->nneeded++] = xstrdup(s);
		} else if (dyn[i].d_tag == DT_RPATH) {
			e->rpath = xstrdup(s);
		} else if (dyn[i].d_tag == DT_RUNPATH) {
			e->runpath = xstrdup(s);
		}
	}
	ret = 1;
out:
	if (ret != 1)
		info_release(e);
	free(img);
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
