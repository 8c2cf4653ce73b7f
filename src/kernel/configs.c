/* configs.c: Lupine's kernel config fragments (configs/), compiled in or read from $LUPINE_CONFIGS_DIR.
 * Compiled in so an installed lupine needs no data files; the environment
 * variable lets someone editing configs/ try changes without rebuilding. */
#include "kernel/configs.h"
#include "kernel/kconfig.h"
#include "lib/embedded.h"
#include "lib/util.h"

#include <dirent.h>
#include <stdio.h>
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

void configs_list(struct strbuf *out)
{
	const char *const *apps;
	size_t n = configs_apps(&apps);

	for (size_t i = 0; i < n; i++) {
		char *name = xasprintf("apps/%s", apps[i]);
		struct kconfig_frag f = {0};
		struct strbuf err = {0};
		kconfig_frag_parse(&f, name, configs_text(name), 1, &err);
		sb_addf(out, "%-16s %2zu option%s\n", apps[i], f.n, f.n == 1 ? "" : "s");
		kconfig_frag_release(&f);
		sb_release(&err);
		free(name);
	}
}

static int explain_in(const char *frag, const char *option, struct strbuf *out)
{
	struct kconfig_frag f = {0};
	struct strbuf err = {0};
	const char *text = configs_text(frag);
	int found = 0;

	if (!text)
		return 0;
	kconfig_frag_parse(&f, frag, text, 0, &err);
	for (size_t i = 0; i < f.n; i++) {
		if (strcmp(f.e[i].name, option))
			continue;
		sb_addf(out, "%-22s CONFIG_%s=%s\n%-22s   %s\n", frag, option, f.e[i].value, "",
			f.e[i].why ? f.e[i].why : "(no comment)");
		found = 1;
	}
	kconfig_frag_release(&f);
	sb_release(&err);
	return found;
}

void configs_explain(const char *option, struct strbuf *out)
{
	const char *const *apps;
	size_t n = configs_apps(&apps);
	int found = 0;

	if (str_starts(option, "CONFIG_"))
		option += 7;
	found |= explain_in("base", option, out);
	found |= explain_in("tiny", option, out);
	for (size_t i = 0; i < n; i++) {
		char *name = xasprintf("apps/%s", apps[i]);
		found |= explain_in(name, option, out);
		free(name);
	}
	if (!found)
		sb_addf(out, "CONFIG_%s is asked for by no Lupine fragment: the kernel's Kconfig defaults decide it\n",
			option);
}
