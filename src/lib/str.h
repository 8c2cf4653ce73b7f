/* str.h: growable strings, string lists, small string helpers and number formatting. */
#ifndef LUPINE_STR_H
#define LUPINE_STR_H

#include <stddef.h>

/* Growable string. Zero-initialise ({0}) before use; free with sb_release. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_release(struct strbuf *sb);
/* Returns the buffer (never NULL) and leaves sb empty; caller frees. */
char *sb_detach(struct strbuf *sb);

/* A growable NULL-terminated list of strings it owns. Zero-initialise. */
struct strlist {
	char **v;
	size_t n;
};
void strlist_add(struct strlist *l, const char *s);
/* Whether l holds a string equal to s. */
int strlist_has(const struct strlist *l, const char *s);
void strlist_release(struct strlist *l);

int str_starts(const char *s, const char *prefix);
int str_ends(const char *s, const char *suffix);
/* Strips leading and trailing whitespace in place; returns s moved past leading space. */
char *str_trim(char *s);

/* "3m 41s" / "12.3s" into buf. */
const char *fmt_duration(double sec, char *buf, size_t n);
/* 1234567 -> "1,234,567" into buf. */
const char *fmt_thousands(unsigned long long v, char *buf, size_t n);

#endif
