/* kfeature_walk.c: find where a kernel tree's C defines system calls, socket families and
 * filesystem types, and the #if around each.
 *
 * A light reading of C, line by line: definitions sit at the start of a line
 * (SYSCALL_DEFINEn(name, ...)) or in a struct's initialiser (`.name =
 * "tmpfs"`), and the conditions that matter are whole `#ifdef CONFIG_X`
 * blocks. One pass over the tree's .c files finds them all. */
#include "manifest/kfeature_impl.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The preprocessor conditions around the current line: one option per
 * level, negated under #ifndef or after #else (an #else of #ifndef CONFIG_X
 * requires X again); "" where a level is not one option (#elif, compound
 * or non-CONFIG tests). */
struct cpp {
	char opt[48][64];
	int neg[48];
	int depth;
};

static void defs_add(struct kfdefs *d, const char *name, const char *file, const char *cond)
{
	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	d->v[d->n].name = xstrdup(name);
	d->v[d->n].file = xstrdup(file);
	d->v[d->n].cond = cond ? xstrdup(cond) : NULL;
	d->n++;
}

static void defs_release(struct kfdefs *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].name);
		free(d->v[i].file);
		free(d->v[i].cond);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

static size_t ident_len(const char *s)
{
	return strspn(s, KF_IDENT);
}

/* The option an #if or #ifdef expression tests, when it tests exactly one
 * (defined(CONFIG_X), IS_ENABLED(CONFIG_X), !defined(CONFIG_X), ...), into
 * out with *neg set for a "!"; else out is "". */
static void cond_option(const char *expr, int ifdef, char out[64], int *neg)
{
	static const char *const forms[][2] = {
	    {"", ""}, {"defined(", ")"}, {"defined ", ""}, {"IS_ENABLED(", ")"}, {"IS_BUILTIN(", ")"}};
	char e[256];

	out[0] = 0;
	snprintf(e, sizeof(e), "%s", expr);
	e[strcspn(e, "/")] = 0; /* a trailing comment */
	char *t = str_trim(e);
	if ((*neg = !ifdef && *t == '!'))
		t++;
	for (size_t i = 0; i < (ifdef ? 1 : ARRAY_SIZE(forms)); i++) {
		size_t pl = strlen(forms[i][0]), sl = strlen(forms[i][1]);
		if (strncmp(t, forms[i][0], pl) || !str_starts(t + pl, "CONFIG_"))
			continue;
		size_t n = ident_len(t + pl + 7);
		if (n && n < 63 && !strcmp(t + pl + 7 + n, forms[i][1]) && (sl || !t[pl + 7 + n])) {
			snprintf(out, 64, "%.*s", (int)n, t + pl + 7);
			if (str_ends(out, "_MODULE"))
				out[0] = 0;
			return;
		}
	}
}

static int directive(const char *p, size_t n, const char *word)
{
	return n == strlen(word) && !strncmp(p, word, n);
}

static void cpp_line(struct cpp *c, const char *p)
{
	int top = c->depth - 1, max = (int)ARRAY_SIZE(c->opt);

	p += strspn(p + 1, " \t") + 1;
	size_t n = ident_len(p);
	int ifdef = directive(p, n, "ifdef"), ifndef = directive(p, n, "ifndef");
	if (ifdef || ifndef || directive(p, n, "if")) {
		if (c->depth < max) {
			cond_option(p + n, ifdef || ifndef, c->opt[c->depth], &c->neg[c->depth]);
			c->neg[c->depth] ^= ifndef;
		}
		c->depth++;
	} else if (directive(p, n, "else") && top >= 0 && top < max) {
		c->neg[top] = !c->neg[top];
	} else if (directive(p, n, "elif") && top >= 0 && top < max) {
		c->opt[top][0] = 0;
	} else if (directive(p, n, "endif") && c->depth > 0) {
		c->depth--;
	}
}

/* The innermost option the current line requires, or NULL. */
static const char *cpp_innermost(const struct cpp *c)
{
	int max = (int)ARRAY_SIZE(c->opt);
	for (int i = c->depth < max ? c->depth : max; i-- > 0;)
		if (c->opt[i][0] && !c->neg[i] && !kfeature_always_on(c->opt[i]))
			return c->opt[i];
	return NULL;
}

/* A struct's initialiser field `.field = VALUE`: VALUE (a string's contents
 * or an identifier) into out, or 0 when line does not set it. */
static int field_value(const char *line, const char *field, char *out, size_t n)
{
	const char *p = strstr(line, field);
	if (!p || ident_len(p + 1) != strlen(field) - 1)
		return 0;
	p += strlen(field);
	p += strspn(p, " \t");
	if (*p++ != '=')
		return 0;
	p += strspn(p, " \t");
	size_t len = *p == '"' ? strcspn(++p, "\"") : ident_len(p);
	if (!len || len >= n)
		return 0;
	snprintf(out, n, "%.*s", (int)len, p);
	return 1;
}

/* One .c file being read. */
struct cfile {
	struct kfwalk *w;
	const char *file;
	struct cpp c;
	struct kfdefs *block; /* the struct initialiser being read, or NULL */
	char var[64], cond[64];
	struct kfdefs families; /* name: the family, file: the struct's variable */
	struct strlist registered;
};

static void block_start(struct cfile *f, const char *p)
{
	int fs = strstr(p, "struct file_system_type ") != NULL;
	const char *v = strstr(p, fs ? "struct file_system_type " : "struct net_proto_family ") + 24;
	const char *cond = cpp_innermost(&f->c);

	f->block = fs ? &f->w->fs : &f->families;
	snprintf(f->var, sizeof(f->var), "%.*s", (int)ident_len(v), v);
	snprintf(f->cond, sizeof(f->cond), "%s", cond ? cond : "");
}

static void block_line(struct cfile *f, const char *p)
{
	char val[64];

	if (field_value(p, f->block == &f->w->fs ? ".name" : ".family", val, sizeof(val)))
		defs_add(f->block, val, f->block == &f->w->fs ? f->file : f->var,
			 f->cond[0] ? f->cond : NULL);
	if (str_starts(p, "};"))
		f->block = NULL;
}

/* #include "name.c": the included file is built wherever this one is. */
static void include_line(struct cfile *f, const char *p)
{
	p += strspn(p + 1, " \t") + 1;
	if (!str_starts(p, "include"))
		return;
	p += 7 + strspn(p + 7, " \t");
	size_t n = *p == '"' ? strcspn(p + 1, "\"") : 0;
	if (n < 3 || strncmp(p + 1 + n - 2, ".c", 2))
		return;
	const char *slash = strrchr(f->file, '/');
	char *inc = xasprintf("%.*s%.*s", slash ? (int)(slash - f->file + 1) : 0, f->file, (int)n, p + 1);
	defs_add(&f->w->inc, inc, f->file, cpp_innermost(&f->c));
	free(inc);
}

/* SYSCALL_DEFINEn(name, ...) or SYS_NI(name), both at the start of a line. */
static void syscall_line(struct cfile *f, const char *line)
{
	int ni = str_starts(line, "SYS_NI(");
	char val[64];
	const char *p = line + (ni ? 7 : 16);

	p += strspn(p, " ");
	snprintf(val, sizeof(val), "%.*s", (int)ident_len(p), p);
	if (val[0])
		defs_add(ni ? &f->w->ni : &f->w->sys, val, f->file, cpp_innermost(&f->c));
}

/* Only a struct net_proto_family passed to sock_register() is a family:
 * Bluetooth's per-protocol ones use the same struct. */
static void families_done(struct cfile *f)
{
	for (size_t i = 0; i < f->families.n; i++)
		for (size_t j = 0; j < f->registered.n; j++)
			if (!strcmp(f->families.v[i].file, f->registered.v[j]))
				defs_add(&f->w->fam, f->families.v[i].name, f->file, f->families.v[i].cond);
	defs_release(&f->families);
	strlist_release(&f->registered);
}

static int is_syscall_line(const char *line)
{
	return (str_starts(line, "SYSCALL_DEFINE") && line[14] >= '0' && line[14] <= '6' &&
		line[15] == '(') ||
	       str_starts(line, "SYS_NI(");
}

/* Reads one .c file's lines, keeping the #if stack. */
static void scan_text(struct kfwalk *w, const char *file, char *text)
{
	struct cfile f = {.w = w, .file = file};
	char *save, *reg;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line + strspn(line, " \t");
		if (*p == '#') {
			include_line(&f, p);
			cpp_line(&f.c, p);
		} else if (f.block) {
			block_line(&f, p);
		} else if (is_syscall_line(line)) {
			syscall_line(&f, line);
		} else if (strstr(p, "= {") &&
			   (strstr(p, "struct file_system_type ") || strstr(p, "struct net_proto_family "))) {
			block_start(&f, p);
		} else if ((reg = strstr(p, "sock_register(&"))) {
			reg += 15;
			char *var = xstrndup(reg, ident_len(reg));
			strlist_add(&f.registered, var);
			free(var);
		}
	}
	families_done(&f);
}

static void scan_file(struct kfwalk *w, const char *rel)
{
	char *path = xasprintf("%s/%s", w->tree, rel);
	size_t len;
	char *text = file_read(path, &len);

	/* most files define none of these: a substring test spares the line scan */
	static const char *const marks[] = {"SYSCALL_DEFINE", "SYS_NI(", "struct file_system_type",
					    "struct net_proto_family", ".c\""};
	for (size_t i = 0; text && i < ARRAY_SIZE(marks); i++) {
		if (memmem(text, len, marks[i], strlen(marks[i]))) {
			scan_text(w, rel, text);
			break;
		}
	}
	free(text);
	free(path);
}

/* Directories whose C never goes into an x86 kernel: other architectures
 * and User-mode Linux's x86 part, host tools and scripts, examples,
 * documentation. */
static int skipped(const char *rel)
{
	static const char *const skip[] = {"tools", "samples", "Documentation", "scripts", "arch/x86/um"};
	for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
		if (!strcmp(rel, skip[i]))
			return 1;
	return str_starts(rel, "arch/") && strchr(rel + 5, '/') == NULL && strcmp(rel, "arch/x86");
}

/* d_type, asking lstat when the filesystem does not say; symlinks are
 * not followed (the tree's few point back into it). */
static int entry_type(const struct kfwalk *w, const char *rel, int type)
{
	struct stat st;

	if (type != DT_UNKNOWN)
		return type;
	char *path = xasprintf("%s/%s", w->tree, rel);
	type = lstat(path, &st) < 0  ? DT_LNK
	       : S_ISDIR(st.st_mode) ? DT_DIR
	       : S_ISREG(st.st_mode) ? DT_REG
				     : DT_LNK;
	free(path);
	return type;
}

/* Sorted, so that entries come out in the same order on every machine. */
static void walk(struct kfwalk *w, const char *rel)
{
	struct dirent **list;
	char *path = xasprintf("%s%s%s", w->tree, *rel ? "/" : "", rel);
	int n = scandir(path, &list, NULL, alphasort);

	free(path);
	for (int i = 0; i < n; i++) {
		const struct dirent *de = list[i];
		char *sub = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		int type = de->d_name[0] == '.' || skipped(sub) ? DT_LNK : entry_type(w, sub, de->d_type);
		if (type == DT_DIR)
			walk(w, sub);
		else if (type == DT_REG && str_ends(de->d_name, ".c"))
			scan_file(w, sub);
		free(sub);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

void kfwalk_run(struct kfwalk *w, const char *tree)
{
	w->tree = tree;
	walk(w, "");
}

void kfwalk_release(struct kfwalk *w)
{
	defs_release(&w->sys);
	defs_release(&w->fam);
	defs_release(&w->fs);
	defs_release(&w->ni);
	defs_release(&w->inc);
}
