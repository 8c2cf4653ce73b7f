/* kexpr.c: evaluate Kconfig dependency expressions against a resolved .config. */
#include "kernel/kexpr.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* A small evaluator for Kconfig expressions over a resolved .config:
 * n=0, m=1, y=2; && is min, || is max, ! is 2-x. */
struct eval {
	const char *p;
	const struct kconfig_frag *cfg;
};

static void skip_ws(struct eval *ev)
{
	while (*ev->p == ' ' || *ev->p == '\t')
		ev->p++;
}

static char *eval_token(struct eval *ev)
{
	const char *start;
	skip_ws(ev);
	start = ev->p;
	if (*ev->p == '"') {
		for (ev->p++; *ev->p && *ev->p != '"'; ev->p++)
			;
		if (*ev->p)
			ev->p++;
	} else if (ev->p[0] == '$' && ev->p[1] == '(') {
		int level = 0;
		for (; *ev->p; ev->p++) {
			if (*ev->p == '(')
				level++;
			else if (*ev->p == ')' && --level == 0) {
				ev->p++;
				break;
			}
		}
	} else {
		while (isalnum((unsigned char)*ev->p) || *ev->p == '_' || *ev->p == '-')
			ev->p++;
	}
	return xstrndup(start, (size_t)(ev->p - start));
}

/* The string a token stands for: a symbol's value, or the literal itself. */
static char *token_value(struct eval *ev, const char *tok)
{
	if (tok[0] == '"')
		return xstrndup(tok + 1, strlen(tok) > 1 ? strlen(tok) - 2 : 0);
	if (tok[0] == '$' || !strcmp(tok, "y") || !strcmp(tok, "m") || !strcmp(tok, "n"))
		return xstrdup(tok[0] == '$' ? "y" : tok);
	if (isdigit((unsigned char)tok[0]) && kconfig_lookup(ev->cfg, tok)[0] == 'n')
		return xstrdup(tok);
	const char *v = kconfig_lookup(ev->cfg, tok);
	if (v[0] == '"')
		return xstrndup(v + 1, strlen(v) - 2);
	return xstrdup(v);
}

static int tri(const char *v)
{
	return !strcmp(v, "y") ? 2 : !strcmp(v, "m") ? 1 : 0;
}

static int eval_or(struct eval *ev);

static int eval_primary(struct eval *ev)
{
	skip_ws(ev);
	if (*ev->p == '!') {
		ev->p++;
		return 2 - eval_primary(ev);
	}
	if (*ev->p == '(') {
		ev->p++;
		int v = eval_or(ev);
		skip_ws(ev);
		if (*ev->p == ')')
			ev->p++;
		return v;
	}
	char *tok = eval_token(ev), *a = token_value(ev, tok);
	int v = tri(a);
	skip_ws(ev);
	if (*ev->p == '=' || (ev->p[0] == '!' && ev->p[1] == '=')) {
		int neg = *ev->p == '!';
		ev->p += neg ? 2 : 1;
		char *tok2 = eval_token(ev), *b = token_value(ev, tok2);
		v = (!strcmp(a, b)) != neg ? 2 : 0;
		free(tok2);
		free(b);
	}
	free(tok);
	free(a);
	return v;
}

static int eval_and(struct eval *ev)
{
	int v = eval_primary(ev);
	for (;;) {
		skip_ws(ev);
		if (ev->p[0] != '&' || ev->p[1] != '&')
			return v;
		ev->p += 2;
		int w = eval_primary(ev);
		v = w < v ? w : v;
	}
}

static int eval_or(struct eval *ev)
{
	int v = eval_and(ev);
	for (;;) {
		skip_ws(ev);
		if (ev->p[0] != '|' || ev->p[1] != '|')
			return v;
		ev->p += 2;
		int w = eval_and(ev);
		v = w > v ? w : v;
	}
}

int kexpr_eval(const char *expr, const struct kconfig_frag *cfg)
{
	struct eval ev = {.p = expr, .cfg = cfg};
	return eval_or(&ev);
}

void kexpr_unset(const char *expr, const struct kconfig_frag *cfg, struct strbuf *out)
{
	struct eval ev = {.p = expr, .cfg = cfg};
	int count = 0;

	while (*ev.p) {
		char *tok = eval_token(&ev);
		if (!*tok) {
			ev.p++;
		} else if (isupper((unsigned char)tok[0]) && !strcmp(kconfig_lookup(cfg, tok), "n")) {
			sb_addf(out, "%sCONFIG_%s", count ? ", " : "", tok);
			count++;
		}
		free(tok);
	}
	if (!count)
		sb_adds(out, "a condition on other values is false");
	else
		sb_addf(out, " %s not set; add %s to the fragment", count > 1 ? "are" : "is",
			count > 1 ? "them" : "it");
}

