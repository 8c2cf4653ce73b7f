/* kfeature_make.c: which CONFIG_ option builds a kernel source file, read from its kbuild Makefiles.
 *
 * Kbuild says it in lists: `obj-$(CONFIG_X) += file.o` in the file's own
 * directory, perhaps through a composite object (`foo-y += file.o` with
 * `obj-$(CONFIG_X) += foo.o`), else `obj-$(CONFIG_X) += dir/` in a Makefile
 * above. Reading those lines is enough to name the option. An `ifdef
 * CONFIG_X` or `ifeq ($(CONFIG_X),y)` block around a line counts when the
 * line names no option of its own (kernel/time builds posix-timers.o under
 * POSIX_TIMERS that way; mm/Makefile puts obj-$(CONFIG_ADVISE_SYSCALLS)
 * under `ifdef CONFIG_MMU`, and the innermost wins). */
#include "manifest/kfeature_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mkrule {
	char *prefix; /* "obj", "lib" or a composite object's name */
	char *cond;   /* X of -$(CONFIG_X), NULL for -y and -objs */
	struct strlist words;
};

struct makefile {
	struct mkrule *r;
	size_t n;
	/* the ifdef/ifeq blocks around the current line, as in kfeature_walk.c's cpp */
	char blk[16][64];
	int neg[16], depth;
};

static void mk_release(struct makefile *mk)
{
	for (size_t i = 0; i < mk->n; i++) {
		free(mk->r[i].prefix);
		free(mk->r[i].cond);
		strlist_release(&mk->r[i].words);
	}
	free(mk->r);
	memset(mk, 0, sizeof(*mk));
}

/* "obj-y", "foo-objs", "obj-$(CONFIG_X)" into prefix and cond (in place). */
static int split_lhs(char *lhs, char **prefix, char **cond)
{
	size_t n = strlen(lhs);
	char *d;

	if (strpbrk(lhs, " \t:"))
		return -1;
	if (str_ends(lhs, "-y") || str_ends(lhs, "-objs")) {
		*strrchr(lhs, '-') = 0;
		*prefix = lhs;
		*cond = NULL;
		return 0;
	}
	if (n && lhs[n - 1] == ')' && (d = strstr(lhs, "-$(CONFIG_"))) {
		*d = 0;
		lhs[n - 1] = 0;
		*prefix = lhs;
		*cond = d + strlen("-$(CONFIG_");
		return 0;
	}
	return -1;
}

/* The option of an `ifdef CONFIG_X`, `ifndef CONFIG_X`, `ifeq ($(CONFIG_X),y)`,
 * `ifneq ($(CONFIG_X),)` ... line into out, *neg set when the block holds
 * without it; out is "" for any other test. */
static void block_option(const char *line, char out[64], int *neg)
{
	char name[64], val[16] = "";
	int ifneq = str_starts(line, "ifneq");

	out[0] = 0;
	*neg = 0;
	if (sscanf(line, "ifdef CONFIG_%63[A-Za-z0-9_]", name) == 1 ||
	    sscanf(line, "ifndef CONFIG_%63[A-Za-z0-9_]", name) == 1) {
		snprintf(out, 64, "%s", name);
		*neg = line[2] == 'n';
		return;
	}
	if ((!ifneq && !str_starts(line, "ifeq")) ||
	    sscanf(line + 4 + ifneq, " ($(CONFIG_%63[A-Za-z0-9_]),%15[^)])", name, val) < 1)
		return;
	char *v = str_trim(val);
	if (*v && strcmp(v, "y"))
		return;
	snprintf(out, 64, "%s", name);
	/* ifeq (..,y) and ifneq (..,) hold with the option, the other two without */
	*neg = ifneq ? *v != 0 : *v == 0;
}

/* Keeps mk's block stack; returns 1 when line was a conditional directive. */
static int mk_block(struct makefile *mk, const char *line)
{
	int top = mk->depth - 1, max = (int)ARRAY_SIZE(mk->blk);

	if (str_starts(line, "ifdef ") || str_starts(line, "ifndef ") || str_starts(line, "ifeq") ||
	    str_starts(line, "ifneq")) {
		if (mk->depth < max)
			block_option(line, mk->blk[mk->depth], &mk->neg[mk->depth]);
		mk->depth++;
	} else if (str_starts(line, "else") && top >= 0 && top < max) {
		/* `else ifeq ...` tests something new: not one option */
		if (line[4])
			mk->blk[top][0] = 0;
		mk->neg[top] = !mk->neg[top];
	} else if (str_starts(line, "endif") && mk->depth > 0) {
		mk->depth--;
	} else {
		return 0;
	}
	return 1;
}

static const char *mk_innermost(const struct makefile *mk)
{
	int max = (int)ARRAY_SIZE(mk->blk);
	for (int i = mk->depth < max ? mk->depth : max; i-- > 0;)
		if (mk->blk[i][0] && !mk->neg[i])
			return mk->blk[i];
	return NULL;
}

static void mk_line(struct makefile *mk, char *line)
{
	char *eq = strchr(line, '='), *prefix, *cond, *w, *save;

	line += strspn(line, " \t");
	if (mk_block(mk, line) || !eq || eq == line)
		return;
	char *end = eq;
	if (strchr("+:?", end[-1]))
		end--;
	*end = 0;
	if (split_lhs(str_trim(line), &prefix, &cond) < 0)
		return;
	mk->r = xrealloc(mk->r, (mk->n + 1) * sizeof(*mk->r));
	struct mkrule *r = &mk->r[mk->n++];
	r->prefix = xstrdup(prefix);
	cond = cond ? cond : (char *)mk_innermost(mk);
	r->cond = cond ? xstrdup(cond) : NULL;
	memset(&r->words, 0, sizeof(r->words));
	for (w = strtok_r(eq + 1, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		strlist_add(&r->words, w);
}

/* DIR's Kbuild (which kbuild prefers) or Makefile; empty when it has neither. */
static void mk_load(struct makefile *mk, const char *tree, const char *dir)
{
	char *path = xasprintf("%s/%s%sKbuild", tree, dir, *dir ? "/" : ""), *text, *line, *save;

	memset(mk, 0, sizeof(*mk));
	if (!(text = file_read(path, NULL))) {
		free(path);
		path = xasprintf("%s/%s%sMakefile", tree, dir, *dir ? "/" : "");
		text = file_read(path, NULL);
	}
	free(path);
	if (!text)
		return;
	/* join continued lines, then drop comments, so each assignment is one line */
	for (char *p = text; (p = strstr(p, "\\\n"));)
		p[0] = p[1] = ' ';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		mk_line(mk, line);
	}
	free(text);
}

/* Whether word equals want, reading the top Kbuild's arch/$(SRCARCH)/ as x86's. */
static int word_is(const char *word, const char *want)
{
	const char *v = strstr(word, "$(SRCARCH)");
	if (!v)
		return !strcmp(word, want);
	size_t n = (size_t)(v - word);
	return !strncmp(word, want, n) && str_starts(want + n, "x86") && !strcmp(v + 10, want + n + 3);
}

static int lists(const struct mkrule *r, const char *word)
{
	for (size_t i = 0; i < r->words.n; i++)
		if (word_is(r->words.v[i], word))
			return 1;
	return 0;
}

static int is_goal(const struct mkrule *r)
{
	return !strcmp(r->prefix, "obj") || !strcmp(r->prefix, "lib");
}

/* Whether a goal line of mk builds the composite object prefix.o; isofs
 * names its list isofs-objs-y, so isofs.o is tried for isofs-objs too. */
static int goal_of(const struct makefile *mk, const char *prefix, const char **cond)
{
	size_t n = strlen(prefix);
	char *obj = xasprintf("%s.o", prefix);
	char *alt = str_ends(prefix, "-objs") ? xasprintf("%.*s.o", (int)(n - 5), prefix) : NULL;
	int hit = 0;

	for (size_t j = 0; j < mk->n && !hit; j++)
		if (is_goal(&mk->r[j]) && (lists(&mk->r[j], obj) || (alt && lists(&mk->r[j], alt))))
			hit = 1, *cond = mk->r[j].cond;
	free(obj);
	free(alt);
	return hit;
}

/* Whether mk builds word, directly or through one composite object; *cond
 * is then the innermost option, NULL when some line builds it unconditionally. */
static int mk_find(const struct makefile *mk, const char *word, const char **cond)
{
	int found = 0;

	for (size_t i = 0; i < mk->n; i++) {
		const struct mkrule *r = &mk->r[i];
		const char *c = r->cond;
		if (!lists(r, word))
			continue;
		if (!is_goal(r)) {
			const char *outer = NULL;
			int hit = goal_of(mk, r->prefix, &outer);
			/* a list no goal names is a make variable (mm's mmu-$(CONFIG_MMU)):
			 * its own condition still holds for the file */
			if (!hit && !c)
				continue;
			c = c ? c : outer;
		}
		if (!c) {
			*cond = NULL;
			return 1;
		}
		if (!found)
			*cond = c;
		found = 1;
	}
	return found;
}

int kfeature_always_on(const char *option)
{
	/* lupine builds x86-64 kernels only, and these hold in every one
	 * (arch/x86/Kconfig: 64BIT defaults to y for x86_64, X86_64 and MMU
	 * are def_bool y): naming them would explain nothing */
	static const char *const on[] = {"64BIT", "X86_64", "X86", "MMU"};
	for (size_t i = 0; i < ARRAY_SIZE(on); i++)
		if (!strcmp(option, on[i]))
			return 1;
	return 0;
}

static char *parent_of(const char *dir)
{
	const char *slash = strrchr(dir, '/');
	return slash ? xstrndup(dir, (size_t)(slash - dir)) : xstrdup("");
}

/* The Makefile in start or a directory above it that lists path (relative
 * to the tree: "fs/btrfs/tests/x.o", "fs/ext4/"), since kbuild allows
 * `obj-y += a/b/` and btrfs lists tests/x.o itself. Returns that Makefile's
 * directory (caller frees) with *cond set (NULL: built unconditionally
 * there), or NULL when none lists it. */
static char *find_line(const char *tree, const char *start, const char *path, char **cond)
{
	char *anc = xstrdup(start);

	for (;;) {
		struct makefile mk;
		const char *c = NULL;
		mk_load(&mk, tree, anc);
		int hit = mk_find(&mk, *anc ? path + strlen(anc) + 1 : path, &c);
		*cond = hit && c ? xstrdup(c) : NULL;
		mk_release(&mk);
		if (hit)
			return anc;
		if (!*anc)
			break;
		char *up = parent_of(anc);
		free(anc);
		anc = up;
	}
	free(anc);
	return NULL;
}

char *kfeature_make_option(const char *tree, const char *file)
{
	char *dir = parent_of(file), *cond = NULL, *out;
	char *obj = xasprintf("%.*s.o", (int)(strlen(file) - (str_ends(file, ".c") ? 2 : 0)), file);
	char *at = find_line(tree, dir, obj, &cond);

	free(obj);
	free(dir);
	/* built unconditionally there, or under an option every x86-64 kernel
	 * has: the directory's own line decides, up to the top */
	while (at && (!cond || kfeature_always_on(cond))) {
		free(cond);
		cond = NULL;
		if (!*at)
			break;
		char *sub = xasprintf("%s/", at), *up = parent_of(at);
		char *next = find_line(tree, up, sub, &cond);
		free(sub);
		free(up);
		free(at);
		at = next;
	}
	out = !at ? xstrdup(KF_UNKNOWN) : cond ? xasprintf("CONFIG_%s", cond) : xstrdup(KF_ALWAYS);
	free(cond);
	free(at);
	return out;
}
