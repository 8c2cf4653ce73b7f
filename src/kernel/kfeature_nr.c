/* kfeature_nr.c: system call and socket family numbers, as a running kernel reports them, to names. */
#include "kernel/kfeature.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *tree_file(const char *tree, const char *rel)
{
	char *path = xasprintf("%s/%s", tree, rel), *text = file_read(path, NULL);
	free(path);
	return text;
}

/* arch/x86/entry/syscalls/syscall_64.tbl: "NR ABI NAME ENTRY", 64-bit ABIs only */
char *kfeature_syscall_name(const char *tree, long nr)
{
	char *text = tree_file(tree, "arch/x86/entry/syscalls/syscall_64.tbl"), *found = NULL;
	char abi[16], name[64];
	long n;

	for (const char *p = text; p && !found; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (*p != '#' && sscanf(p, "%ld %15s %63s", &n, abi, name) == 3 && n == nr &&
		    (!strcmp(abi, "common") || !strcmp(abi, "64")))
			found = xstrdup(name);
	free(text);
	return found;
}

/* include/linux/socket.h: "#define AF_INET6 10"; the first name of a number wins (AF_UNIX, not AF_LOCAL) */
char *kfeature_family_name(const char *tree, long nr)
{
	char *text = tree_file(tree, "include/linux/socket.h"), *found = NULL;
	char name[32];
	long n;

	for (const char *p = text; p && !found && (p = strstr(p, "\n#define AF_")); p++)
		if (sscanf(p + 9, "%31s %ld", name, &n) == 2 && n == nr && strcmp(name, "AF_UNSPEC"))
			found = xstrdup(name);
	free(text);
	return found;
}
