/* knote_check.c: a kernel note from the guest, split and checked against kernel/missing.patch's forms. */
#include "manifest/knote_check.h"
#include "kernel/kindex.h"

#include <stdio.h>
#include <string.h>

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
#define COMM_MAX 64	/* the kernel's TASK_COMM_LEN is 16 */
#define PID_MAX 4194304 /* the kernel's PID_MAX_LIMIT */
#define NR_MAX 99999	/* "#N": a system call or socket family number */

/* s[0..n) as a decimal of at most 9 digits, no sign, no more than max: 0 with *v, or -1. */
static int decimal(const char *s, size_t n, long max, long *v)
{
	long x = 0;

	if (!n || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return x <= max ? 0 : -1;
}

/* Whether s is one or more characters of set. */
static int made_of(const char *s, const char *set)
{
	return *s && !s[strspn(s, set)];
}

static int is_printable(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* "KIND NAME TGID COMM" as the kernel prints it (COMM may hold spaces): NULL, or what is wrong. */
static const char *split(const char *line, struct knote_fields *f)
{
	static const char *const kinds[] = {"syscall", "family", "fs", "option"};
	const char *name = strchr(line, ' '), *pid = name ? strchr(name + 1, ' ') : NULL;
	const char *comm = pid ? strchr(pid + 1, ' ') : NULL;
	size_t i = 0;

	if (!comm)
		return "not KIND NAME PID COMM";
	while (i < ARRAY_SIZE(kinds) &&
	       ((size_t)(name - line) != strlen(kinds[i]) || strncmp(line, kinds[i], strlen(kinds[i]))))
		i++;
	if (i == ARRAY_SIZE(kinds))
		return "an unknown kind";
	snprintf(f->kind, sizeof(f->kind), "%s", kinds[i]);
	if (pid - name - 1 > KNOTE_NAME_MAX)
		return "a name too long";
	snprintf(f->name, sizeof(f->name), "%.*s", (int)(pid - name - 1), name + 1);
	if (decimal(pid + 1, (size_t)(comm - pid - 1), PID_MAX, &f->pid) < 0 || !f->pid)
		return "a pid that is not a number from 1 to 4194304";
	f->comm = comm + 1;
	for (i = 0; f->comm[i]; i++)
		if (i == COMM_MAX || !is_printable((unsigned char)f->comm[i]))
			return "a process name that is not printable text of at most 64 bytes";
	return NULL;
}

/* "CONFIG_NAME:WHAT", NAME a bool or tristate option of this tree: NULL, or what is wrong. */
static const char *check_option(const char *name, struct knote_kconfig *kc)
{
	const char *colon = strchr(name, ':');
	char opt[KNOTE_NAME_MAX + 1];

	if (!str_starts(name, "CONFIG_") || !colon || !made_of(colon + 1, NAME_CHARS "()/.-") ||
	    str_starts(colon + 1, "CONFIG_"))
		return "an option note not of the form CONFIG_NAME:WHAT";
	snprintf(opt, sizeof(opt), "%.*s", (int)(colon - name - 7), name + 7);
	if (!made_of(opt, NAME_CHARS))
		return "an option note not of the form CONFIG_NAME:WHAT";
	if (!kc->idx && !(kc->idx = kindex_load(kc->tree, "x86", kc->err))) {
		kc->failed = 1;
		return "the kernel's Kconfig cannot be read";
	}
	return kindex_is_bool(kc->idx, opt) ? NULL : "not a bool or tristate option of this kernel";
}

/* NULL when the name fits its kind (kernel/missing.patch), else what is wrong. */
static const char *check_name(struct knote_fields *f, struct knote_kconfig *kc)
{
	const char *name = f->name;

	f->nr = -1;
	if (!strcmp(f->kind, "option"))
		return check_option(name, kc);
	if (name[0] == '#' && strcmp(f->kind, "fs"))
		return decimal(name + 1, strlen(name + 1), NR_MAX, &f->nr) < 0 ? "a bad number" : NULL;
	/* the diagnosis and a derived fragment's comments begin with the name */
	if (str_starts(name, "CONFIG_"))
		return "a feature named like an option";
	if (!strcmp(f->kind, "syscall") && made_of(name, NAME_CHARS))
		return NULL;
	if (!strcmp(f->kind, "fs") && made_of(name, NAME_CHARS ".-"))
		return NULL;
	return "a bad name";
}

const char *knote_check(const char *line, struct knote_fields *f, struct knote_kconfig *kc)
{
	const char *why = split(line, f);

	return why ? why : check_name(f, kc);
}

void knote_shown(const char *line, char *buf)
{
	size_t i = 0;

	for (; line[i] && i < 80; i++)
		buf[i] = is_printable((unsigned char)line[i]) ? line[i] : '?';
	strcpy(buf + i, line[i] ? "..." : "");
}
