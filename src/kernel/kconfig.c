/* kconfig.c: parse Kconfig fragments, merge them with conflict checks, verify a resolved .config. */
#include "kernel/kconfig.h"

#include <stdlib.h>
#include <string.h>

#define WORD_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

/* An option's name: ASCII letters, digits and '_' (the kernel's own .config
 * has a few lower-case ones, e.g. SCSI_DC395x). */
static int valid_name(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '_')
			return 0;
	return 1;
}

static void frag_add(struct kconfig_frag *f, const char *name, size_t nlen, const char *value,
		     const char *origin, int line, const char *why)
{
	struct kconfig_entry *e;

	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->e = xrealloc(f->e, f->cap * sizeof(*f->e));
	}
	e = &f->e[f->n++];
	e->name = xstrndup(name, nlen);
	e->value = xstrdup(value);
	e->origin = xstrdup(origin);
	e->line = line;
	e->why = why && *why ? xstrdup(why) : NULL;
	f->sorted = 0;
}

/* Splits "VALUE  # comment" into value and comment; strings may contain '#'.
 * A value is a word (y, m, n, a number) or a string of plain text: the
 * kernel's build hands some strings (INITRAMFS_SOURCE) to a shell, so
 * quotes, backquotes, '$' and '\\' are refused inside one, and so is
 * anything after it. -1: not a value, -2: a refused one. */
static int split_value(char *v, char **comment)
{
	char *p = v;

	*comment = NULL;
	if (*p == '"') {
		p += 1 + strcspn(p + 1, "\"`$\\");
		if (*p != '"')
			return *p ? -2 : -1;
		if (*str_trim(++p))
			return -2;
	} else {
		p += strspn(p, WORD_CHARS);
		if (*p && *p != '#' && *p != ' ' && *p != '\t')
			return -2;
	}
	char *rest = str_trim(p);
	if (*rest == '#')
		*comment = str_trim(rest + 1);
	else if (*rest)
		return -1;
	*p = 0;
	return 0;
}

static int parse_line(struct kconfig_frag *f, char *s, int lineno, const char *pending_why,
		      struct strbuf *err)
{
	const char *name = f->name;

	if (str_starts(s, "# CONFIG_") && str_ends(s, " is not set")) {
		char *n = s + 9;
		size_t len = strlen(n) - strlen(" is not set");
		if (!valid_name(n, len))
			goto bad;
		frag_add(f, n, len, "n", name, lineno, pending_why);
		return 0;
	}
	if (str_starts(s, "CONFIG_")) {
		char *eq = strchr(s, '='), *comment;
		if (!eq || !valid_name(s + 7, (size_t)(eq - s - 7)))
			goto bad;
		char *v = str_trim(eq + 1);
		int ok = *v ? split_value(v, &comment) : -1;
		if (ok == -2) {
			sb_addf(err, "%s:%d: refusing the value of CONFIG_%.*s: a value is y, m, n, a number or a "
				     "\"string\" of plain text (no quotes, backquotes, '$' or '\\' in it, "
				     "nothing after it)\n",
				name, lineno, (int)(eq - s - 7), s + 7);
			return -1;
		}
		if (ok < 0)
			goto bad;
		frag_add(f, s + 7, (size_t)(eq - s - 7), v, name, lineno, comment ? comment : pending_why);
		return 0;
	}
bad:
	sb_addf(err, "%s:%d: cannot parse '%s' (expected CONFIG_NAME=VALUE, '# CONFIG_NAME is not set' or a # comment)\n",
		name, lineno, s);
	return -1;
}

int kconfig_frag_parse(struct kconfig_frag *f, const char *name, const char *text, int layer,
		       struct strbuf *err)
{
	char *copy = xstrdup(text), *line, *next, *why = NULL;
	int lineno = 0, ret = 0;

	f->name = xstrdup(name);
	f->layer = layer;
	for (line = copy; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		char *s = str_trim(line);
		if (!*s) {
			why = NULL; /* a blank line ends a comment's reach */
			continue;
		}
		if (*s == '#' && !str_starts(s, "# CONFIG_")) {
			/* the comment nearest above an option says why it is there */
			why = str_trim(s + 1);
			continue;
		}
		if (parse_line(f, s, lineno, why, err) < 0)
			ret = -1;
	}
	free(copy);
	return ret;
}

void kconfig_frag_release(struct kconfig_frag *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->e[i].name);
		free(f->e[i].value);
		free(f->e[i].origin);
		free(f->e[i].why);
	}
	free(f->e);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

static int entry_cmp(const void *a, const void *b)
{
	const struct kconfig_entry *x = a, *y = b;
	return strcmp(x->name, y->name);
}

void kconfig_frag_sort(struct kconfig_frag *f)
{
	qsort(f->e, f->n, sizeof(*f->e), entry_cmp);
	f->sorted = 1;
}

const char *kconfig_lookup(const struct kconfig_frag *f, const char *name)
{
	struct kconfig_entry key = {.name = (char *)name};
	const struct kconfig_entry *e;

	if (!f->sorted) {
		for (size_t i = f->n; i-- > 0;)
			if (!strcmp(f->e[i].name, name))
				return f->e[i].value;
		return "n";
	}
	e = bsearch(&key, f->e, f->n, sizeof(*f->e), entry_cmp);
	return e ? e->value : "n";
}

size_t kconfig_count_y(const struct kconfig_frag *f)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += !strcmp(f->e[i].value, "y");
	return n;
}

static struct kconfig_entry *find_entry(struct kconfig_frag *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->e[i].name, name))
			return &f->e[i];
	return NULL;
}

static const char *show(const char *v)
{
	return strcmp(v, "n") ? v : "not set";
}

int kconfig_merge(struct kconfig_frag *out, const struct kconfig_frag *frags, size_t nfrags,
		  struct strbuf *err)
{
	int ret = 0;
	int *layer_of = NULL;

	out->name = xstrdup("merged");
	for (size_t i = 0; i < nfrags; i++) {
		const struct kconfig_frag *f = &frags[i];
		for (size_t j = 0; j < f->n; j++) {
			const struct kconfig_entry *e = &f->e[j];
			struct kconfig_entry *old = find_entry(out, e->name);
			if (!old) {
				frag_add(out, e->name, strlen(e->name), e->value, e->origin, e->line, e->why);
				layer_of = xrealloc(layer_of, out->n * sizeof(int));
				layer_of[out->n - 1] = f->layer;
				continue;
			}
			if (!strcmp(old->value, e->value))
				continue;
			size_t k = (size_t)(old - out->e);
			if (layer_of[k] < f->layer) {
				/* a later layer (tiny, kml, an app) overrides the base on purpose */
				free(old->value);
				free(old->origin);
				free(old->why);
				old->value = xstrdup(e->value);
				old->origin = xstrdup(e->origin);
				old->why = e->why ? xstrdup(e->why) : NULL;
				old->line = e->line;
				layer_of[k] = f->layer;
				continue;
			}
			sb_addf(err, "conflicting values for CONFIG_%s: %s:%d wants %s, %s:%d wants %s\n",
				e->name, old->origin, old->line, show(old->value), e->origin, e->line,
				show(e->value));
			ret = -1;
		}
	}
	free(layer_of);
	return ret;
}

char *kconfig_render(const struct kconfig_frag *f)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < f->n; i++) {
		if (!strcmp(f->e[i].value, "n"))
			sb_addf(&sb, "# CONFIG_%s is not set\n", f->e[i].name);
		else
			sb_addf(&sb, "CONFIG_%s=%s\n", f->e[i].name, f->e[i].value);
	}
	return sb_detach(&sb);
}

int kconfig_value_holds(const char *want, const char *got)
{
	return !strcmp(want, got);
}
