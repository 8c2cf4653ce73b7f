/* fuzz_recipe.c: an application recipe's text (configs/apps/NAME.recipe) through
 * recipe_parse. What it accepts must be a recipe apps/ can act on as recipe.h says. */
#include "apps/recipe.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* a guest path for a file written into the root, a plain name for a build's source */
static int paths_ok(const struct strlist *paths, const struct strlist *texts, int absolute)
{
	if (paths->n != texts->n)
		return 0;
	for (size_t i = 0; i < paths->n; i++) {
		const char *p = paths->v[i];
		if (absolute ? p[0] != '/' : !p[0] || p[0] == '.' || strchr(p, '/'))
			return 0;
	}
	return 1;
}

static int usable(const struct recipe *r)
{
	int built = str_starts(r->source, "build:");

	if (!r->name || !r->source || !r->expect || (!r->cmd.n && !r->build))
		return 0;
	if (built != !!r->build || (built && !r->source[6]))
		return 0;
	/* as lupine run -m takes it: 0 for the default, else 16 MiB to 1 TiB */
	if (r->memory_mib && (r->memory_mib < 16 || r->memory_mib > 1 << 20))
		return 0;
	if (!isfinite(r->check_timeout) || r->check_timeout <= 0)
		return 0;
	return paths_ok(&r->file_paths, &r->file_texts, 1) && paths_ok(&r->build_paths, &r->build_texts, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct strbuf err = {0};
	struct recipe r;

	if (recipe_parse("fuzz", text, &r, &err) == 0) {
		if (!usable(&r))
			abort();
		recipe_release(&r);
	} else if (!err.len || r.name) {
		abort(); /* a refusal says why and leaves nothing behind */
	}
	sb_release(&err);
	free(text);
	return 0;
}
