/* kfeature_nr.c: system call and socket family numbers, as a running kernel reports them, to names. */
#include "manifest/kfeature.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *tree_file(const char *tree, const char *rel)
{
	char *path = xasprintf("%s/%s", tree, rel), *text = file_read(path, NULL);
	free(path);
	return text;
}

void kfeature_numbers_load(const char *tree, struct kfeature_numbers *n)
{
	n->syscalls = tree_file(tree, "arch/x86/entry/syscalls/syscall_64.tbl");
	n->families = tree_file(tree, "include/linux/socket.h");
}

void kfeature_numbers_release(struct kfeature_numbers *n)
{
	free(n->syscalls);
	free(n->families);
	memset(n, 0, sizeof(*n));
}

/* syscall_64.tbl: "NR ABI NAME ENTRY", 64-bit ABIs only */
char *kfeature_syscall_name(const struct kfeature_numbers *n, long nr)
{
	char abi[16], name[64];
	long k;

	for (const char *p = n->syscalls; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (*p != '#' && sscanf(p, "%ld %15s %63s", &k, abi, name) == 3 && k == nr &&
		    (!strcmp(abi, "common") || !strcmp(abi, "64")))
			return xstrdup(name);
	return NULL;
}

/* socket.h: "#define AF_INET6 10"; the first name of a number wins (AF_UNIX, not AF_LOCAL) */
char *kfeature_family_name(const struct kfeature_numbers *n, long nr)
{
	char name[32];
	long k;

	for (const char *p = n->families; p && (p = strstr(p, "\n#define AF_")); p++)
		if (sscanf(p + 9, "%31s %ld", name, &k) == 2 && k == nr && strcmp(name, "AF_UNSPEC"))
			return xstrdup(name);
	return NULL;
}
