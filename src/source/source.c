/* source.c: which backend a SOURCE argument names, and what sources report. */
#include "source/source.h"
#include "lib/elf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct source_ops *const prefixed[] = {&source_oci, &source_docker, &source_deb, &source_registry,
							 &source_dir};

void source_info_release(struct source_info *info)
{
	strlist_release(&info->entrypoint);
	strlist_release(&info->cmd);
	strlist_release(&info->env);
	strlist_release(&info->exposed);
	free(info->workdir);
	free(info->user);
	memset(info, 0, sizeof(*info));
}

/* A host path: a directory, or an ELF program kept as named (not
 * realpath'd: a symlink like redis-server is how the program knows what it is). */
static int host_path(const char *src, const struct source_ops **ops, char **ref, struct strbuf *err)
{
	char *found = !strchr(src, '/') && !path_exists(src) ? path_lookup(src) : NULL;
	const char *p = found ? found : src;
	int ret = -1;

	if (!path_exists(p)) {
		sb_addf(err, "cannot find source '%s': no such file, directory or command in PATH", src);
	} else if (is_dir(p)) {
		*ops = &source_dir;
		*ref = realpath(p, NULL);
		ret = *ref ? 0 : -1;
	} else if (elf_probe(p) != 1) {
		sb_addf(err, "source '%s' is not an ELF executable or a root filesystem directory", src);
	} else {
		char *cwd = p[0] == '/' ? NULL : getcwd(NULL, 0);
		*ops = &source_elf;
		*ref = p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", cwd ? cwd : ".", p);
		free(cwd);
		ret = 0;
	}
	free(found);
	return ret;
}

int source_resolve(const char *spec, const struct source_ops **ops, char **ref, struct strbuf *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(prefixed); i++) {
		if (!str_starts(spec, prefixed[i]->prefix))
			continue;
		*ops = prefixed[i];
		*ref = xstrdup(spec + strlen(prefixed[i]->prefix));
		if (*ops == &source_dir && !is_dir(*ref)) {
			sb_addf(err, "cannot use source '%s': not a directory", *ref);
			free(*ref);
			return -1;
		}
		return 0;
	}
	return host_path(spec, ops, ref, err);
}

char *source_default_name(const char *spec)
{
	const char *colon = strchr(spec, ':');
	int registry = str_starts(spec, source_registry.prefix);
	char *s, *base, *out;
	size_t n;

	if (registry)
		colon += 2;
	for (size_t i = 0; i < ARRAY_SIZE(prefixed); i++)
		if (str_starts(spec, prefixed[i]->prefix))
			spec = colon + 1;
	s = xstrdup(spec);
	n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = 0;
	base = strrchr(s, '/');
	base = base ? base + 1 : s;
	if (registry) /* docker://HOST/redis:7 -> redis */
		base[strcspn(base, ":@")] = 0;
	out = xasprintf("%s.lupine", base);
	free(s);
	return out;
}
