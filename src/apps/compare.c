/* compare.c: a derived manifest against the hand-written one, option by option. */
#include "apps/compare.h"
#include "kernel/configs.h"
#include "kernel/kconfig.h"

#include <stdlib.h>
#include <string.h>

/* The options a fragment's text sets to y (without CONFIG_), parsed by kconfig. */
static void options_y(const char *name, const char *text, struct strlist *out)
{
	struct kconfig_frag f = {0};
	struct strbuf err = {0};

	if (text && kconfig_frag_parse(&f, name, text, 1, &err) == 0)
		for (size_t i = 0; i < f.n; i++)
			if (!strcmp(f.e[i].value, "y"))
				strlist_add(out, f.e[i].name);
	kconfig_frag_release(&f);
	sb_release(&err);
}

void compare_manifests(const char *app, const char *bundle, struct strlist *added, struct strlist *removed,
		       size_t *nhand, size_t *nderived)
{
	char *name = xasprintf("apps/%s", app), *path = xasprintf("%s/manifest.config", bundle);
	char *derived_text = file_read(path, NULL);
	struct strlist hand = {0}, derived = {0};

	options_y(name, configs_text(name), &hand);
	options_y(path, derived_text, &derived);
	for (size_t i = 0; i < derived.n; i++)
		if (!strlist_has(&hand, derived.v[i]))
			strlist_add(added, derived.v[i]);
	for (size_t i = 0; i < hand.n; i++)
		if (!strlist_has(&derived, hand.v[i]))
			strlist_add(removed, hand.v[i]);
	*nhand = hand.n;
	*nderived = derived.n;
	strlist_release(&hand);
	strlist_release(&derived);
	free(derived_text);
	free(path);
	free(name);
}
