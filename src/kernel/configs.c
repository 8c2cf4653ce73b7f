/* configs.c: Lupine's kernel config fragments (configs/), compiled in or read from $LUPINE_CONFIGS_DIR.
 * Compiled in so an installed lupine needs no data files; the environment
 * variable lets someone editing configs/ try changes without rebuilding. */
#include "kernel/configs.h"
#include "lib/embedded.h"
#include "lib/util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

const char *configs_text(const char *name)
{
	const char *dir = getenv("LUPINE_CONFIGS_DIR");

	if (strstr(name, ".."))
		return NULL;
	if (dir && *dir) {
		char *path = xasprintf("%s/%s.config", dir, name);
		char *text = file_read(path, NULL); /* kept for the program's life */
		free(path);
		return text;
	}
	for (const struct embedded_file *f = embedded_configs; f->name; f++)
		if (!strcmp(f->name, name))
			return (const char *)f->data;
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t configs_apps(const char *const **names)
{
	static char **list;
	static size_t n;
	const char *dir = getenv("LUPINE_CONFIGS_DIR");

	if (list)
		goto out;
	if (dir && *dir) {
		char *apps = xasprintf("%s/apps", dir);
		DIR *d = opendir(apps);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (!str_ends(de->d_name, ".config"))
				continue;
			list = xrealloc(list, (n + 1) * sizeof(*list));
			list[n++] = xstrndup(de->d_name, strlen(de->d_name) - 7);
		}
		if (d)
			closedir(d);
		free(apps);
	} else {
		for (const struct embedded_file *f = embedded_configs; f->name; f++) {
			if (!str_starts(f->name, "apps/"))
				continue;
			list = xrealloc(list, (n + 1) * sizeof(*list));
			list[n++] = xstrdup(f->name + 5);
		}
	}
	if (n)
		qsort(list, n, sizeof(*list), cmp_str);
out:
	*names = (const char *const *)list;
	return n;
}
