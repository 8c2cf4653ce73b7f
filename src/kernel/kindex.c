/* kindex.c: an index of a kernel tree's Kconfig symbols, to explain why an option did not hold.
 *
 * This is not a Kconfig implementation: the kernel's own tools resolve the
 * configuration. It reads just enough of the language (config blocks,
 * depends on, select, if/menu/choice nesting, source) to name the clause
 * that kept an option out, which the kernel's tools do not report. */
#include "kernel/kindex.h"
#include "kernel/kindex_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CTX_IF, CTX_MENU, CTX_CHOICE };
struct ctx {
	int kind;
	char **deps;
	size_t ndeps;
};

struct parser {
	struct kindex *idx;
	struct ctx stack[64];
	int depth;
	struct kdef *cur;      /* config block being read, or NULL */
	struct ctx *cur_ctx;   /* menu/choice whose header is being read */
	int depth_files;
	struct strbuf *err;
};

static void push_str(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static struct kdef *def_new(struct kindex *idx, const char *name, const char *where)
{
	if (idx->ndefs == idx->capdefs) {
		idx->capdefs = idx->capdefs ? idx->capdefs * 2 : 4096;
		idx->defs = xrealloc(idx->defs, idx->capdefs * sizeof(*idx->defs));
	}
	struct kdef *d = &idx->defs[idx->ndefs++];
	d->name = xstrdup(name);
	d->where = xstrdup(where);
	d->deps = NULL;
	d->ndeps = 0;
	d->type = NULL;
	return d;
}

static void sel_add(struct kindex *idx, const char *by, const char *target, const char *cond)
{
	if (idx->nsels == idx->capsels) {
		idx->capsels = idx->capsels ? idx->capsels * 2 : 4096;
		idx->sels = xrealloc(idx->sels, idx->capsels * sizeof(*idx->sels));
	}
	struct ksel *s = &idx->sels[idx->nsels++];
	s->by = xstrdup(by);
	s->target = xstrdup(target);
	s->cond = cond ? xstrdup(cond) : NULL;
}

static int indent_of(const char *s)
{
	int n = 0;
	for (; *s == ' ' || *s == '\t'; s++)
		n = *s == '\t' ? (n + 8) & ~7 : n + 1;
	return n;
}

static int is_blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

static char *word(char **s)
{
	char *p = *s, *start;
	while (*p == ' ' || *p == '\t')
		p++;
	start = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = 0;
	*s = p;
	return start;
}

static char *subst_arch(const char *path, const char *arch)
{
	struct strbuf sb = {0};
	for (const char *p = path; *p;) {
		if (str_starts(p, "$(SRCARCH)")) {
			sb_adds(&sb, arch);
			p += 10;
		} else {
			sb_add(&sb, p, 1);
			p++;
		}
	}
	return sb_detach(&sb);
}

static int parse_file(struct parser *ps, const char *rel);

static void ctx_push(struct parser *ps, int kind, const char *expr)
{
	if (ps->depth == (int)ARRAY_SIZE(ps->stack))
		return;
	struct ctx *c = &ps->stack[ps->depth++];
	c->kind = kind;
	c->deps = NULL;
	c->ndeps = 0;
	if (expr)
		push_str(&c->deps, &c->ndeps, expr);
	ps->cur_ctx = kind == CTX_IF ? NULL : c;
}

static void ctx_pop(struct parser *ps)
{
	if (!ps->depth)
		return;
	struct ctx *c = &ps->stack[--ps->depth];
	for (size_t i = 0; i < c->ndeps; i++)
		free(c->deps[i]);
	free(c->deps);
	ps->cur_ctx = NULL;
}

static void start_config(struct parser *ps, const char *name, const char *where)
{
	struct kdef *d = def_new(ps->idx, name, where);
	for (int i = 0; i < ps->depth; i++)
		for (size_t j = 0; j < ps->stack[i].ndeps; j++)
			push_str(&d->deps, &d->ndeps, ps->stack[i].deps[j]);
	ps->cur = d;
	ps->cur_ctx = NULL;
}

/* The type a block's keyword gives its symbol ("def_bool y" is a bool), or NULL. */
static const char *type_of(const char *kw)
{
	static const char *const types[] = {"bool", "tristate", "string", "int", "hex"};

	if (!strcmp(kw, "def_bool") || !strcmp(kw, "def_tristate"))
		kw += strlen("def_");
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(kw, types[i]))
			return types[i];
	return NULL;
}

/* "select FOO if BAR" / "depends on X" / "bool" inside a block. */
static void block_attr(struct parser *ps, char *kw, char *rest)
{
	const char *type = type_of(kw);

	if (type) {
		if (ps->cur && !ps->cur->type)
			ps->cur->type = type;
	} else if (!strcmp(kw, "depends")) {
		char *on = word(&rest);
		if (strcmp(on, "on"))
			return;
		rest = str_trim(rest);
		if (ps->cur)
			push_str(&ps->cur->deps, &ps->cur->ndeps, rest);
		else if (ps->cur_ctx)
			push_str(&ps->cur_ctx->deps, &ps->cur_ctx->ndeps, rest);
	} else if (!strcmp(kw, "select") && ps->cur) {
		char *target = word(&rest), *cond = NULL;
		char *ifw = word(&rest);
		if (!strcmp(ifw, "if"))
			cond = str_trim(rest);
		sel_add(ps->idx, ps->cur->name, target, cond);
	}
}

static void parse_line(struct parser *ps, char *line, const char *rel, int lineno)
{
	char *rest = line, *kw = word(&rest);
	char where[512];

	if (!*kw || *kw == '#')
		return;
	snprintf(where, sizeof(where), "%s:%d", rel, lineno);
	if (!strcmp(kw, "config") || !strcmp(kw, "menuconfig")) {
		start_config(ps, word(&rest), where);
	} else if (!strcmp(kw, "menu")) {
		ps->cur = NULL;
		ctx_push(ps, CTX_MENU, NULL);
	} else if (!strcmp(kw, "choice")) {
		ps->cur = NULL;
		ctx_push(ps, CTX_CHOICE, NULL);
	} else if (!strcmp(kw, "if")) {
		ps->cur = NULL;
		ctx_push(ps, CTX_IF, str_trim(rest));
	} else if (!strcmp(kw, "endmenu") || !strcmp(kw, "endchoice") || !strcmp(kw, "endif")) {
		ps->cur = NULL;
		ctx_pop(ps);
	} else if (!strcmp(kw, "comment") || !strcmp(kw, "mainmenu")) {
		ps->cur = NULL;
		ps->cur_ctx = NULL;
	} else if (!strcmp(kw, "source") || !strcmp(kw, "osource") || !strcmp(kw, "rsource") ||
		   !strcmp(kw, "orsource")) {
		char *path = str_trim(rest), *full;
		size_t n = strlen(path);
		if (n >= 2 && path[0] == '"' && path[n - 1] == '"') {
			path[n - 1] = 0;
			path++;
		}
		if (kw[0] == 'r' || kw[1] == 'r') {
			const char *slash = strrchr(rel, '/');
			int dlen = slash ? (int)(slash - rel) : 0;
			full = xasprintf("%.*s%s%s", dlen, rel, dlen ? "/" : "", path);
		} else {
			full = xstrdup(path);
		}
		char *p = subst_arch(full, ps->idx->arch);
		ps->cur = NULL;
		ps->cur_ctx = NULL;
		if (!strchr(p, '*') && !strchr(p, '$'))
			parse_file(ps, p);
		free(p);
		free(full);
	} else {
		block_attr(ps, kw, rest);
	}
}

static int parse_file(struct parser *ps, const char *rel)
{
	char *path = xasprintf("%s/%s", ps->idx->srctree, rel);
	char *text = file_read(path, NULL), *line, *next;
	int lineno = 0, help_indent = -1;

	free(path);
	if (!text)
		return -1;
	if (++ps->depth_files > 40) {
		free(text);
		ps->depth_files--;
		return -1;
	}
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		/* joined continuation lines ("\" at the end) */
		while (next && *line && line[strlen(line) - 1] == '\\') {
			/* append the next line (shifted left over the NUL); the rest of the file stays put */
			char *nl = strchr(next, '\n');
			size_t len = strlen(line);
			line[len - 1] = ' ';
			if (nl)
				*nl = 0;
			memmove(line + len, next, strlen(next) + 1);
			next = nl ? nl + 1 : NULL;
			lineno++;
		}
		if (help_indent >= 0) {
			/* help text: indented deeper than "help", or blank */
			if (is_blank(line) || indent_of(line) > help_indent)
				continue;
			help_indent = -1;
		}
		char *t = line;
		while (*t == ' ' || *t == '\t')
			t++;
		if (!strcmp(t, "help") || !strcmp(t, "---help---")) {
			help_indent = indent_of(line);
			continue;
		}
		parse_line(ps, line, rel, lineno);
	}
	free(text);
	ps->depth_files--;
	return 0;
}

static int def_cmp(const void *a, const void *b)
{
	const struct kdef *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->where, y->where);
}

struct kindex *kindex_load(const char *srctree, const char *arch, struct strbuf *err)
{
	struct kindex *idx = xcalloc(1, sizeof(*idx));
	struct parser ps = {.idx = idx, .err = err};

	idx->srctree = xstrdup(srctree);
	idx->arch = xstrdup(arch);
	if (parse_file(&ps, "Kconfig") < 0) {
		sb_addf(err, "cannot read '%s/Kconfig': not a kernel source tree?", srctree);
		kindex_free(idx);
		return NULL;
	}
	while (ps.depth)
		ctx_pop(&ps);
	qsort(idx->defs, idx->ndefs, sizeof(*idx->defs), def_cmp);
	return idx;
}

void kindex_free(struct kindex *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->ndefs; i++) {
		for (size_t j = 0; j < idx->defs[i].ndeps; j++)
			free(idx->defs[i].deps[j]);
		free(idx->defs[i].deps);
		free(idx->defs[i].name);
		free(idx->defs[i].where);
	}
	for (size_t i = 0; i < idx->nsels; i++) {
		free(idx->sels[i].by);
		free(idx->sels[i].target);
		free(idx->sels[i].cond);
	}
	free(idx->defs);
	free(idx->sels);
	free(idx->srctree);
	free(idx->arch);
	free(idx);
}

const struct kdef *kindex_first_def(const struct kindex *idx, const char *name)
{
	size_t lo = 0, hi = idx->ndefs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(idx->defs[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < idx->ndefs && !strcmp(idx->defs[lo].name, name) ? &idx->defs[lo] : NULL;
}

int kindex_has(const struct kindex *idx, const char *name)
{
	return kindex_first_def(idx, name) != NULL;
}

const char *kindex_type(const struct kindex *idx, const char *name)
{
	const struct kdef *d = kindex_first_def(idx, name);

	for (; d && d < idx->defs + idx->ndefs && !strcmp(d->name, name); d++)
		if (d->type)
			return d->type;
	return NULL;
}

int kindex_is_bool(const struct kindex *idx, const char *name)
{
	const char *type = kindex_type(idx, name);

	return type && (!strcmp(type, "bool") || !strcmp(type, "tristate"));
}

size_t kindex_depends(const struct kindex *idx, const char *name, const char *const **deps)
{
	const struct kdef *def = kindex_first_def(idx, name);

	*deps = def ? (const char *const *)def->deps : NULL;
	return def ? def->ndeps : 0;
}
