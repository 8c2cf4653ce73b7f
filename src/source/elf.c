/* elf.c: the host program source: an ELF executable packed with its dynamic loader and
 * shared-library closure (elfdeps.c), each at the path it has on the host. */
#include "source/elfdeps.h"
#include "source/source.h"

static int elf_stage(const char *program, const struct stage *root, struct source_info *info, struct strbuf *err)
{
	struct elfdeps deps;
	size_t libs;
	int ret = 0;

	if (elfdeps_resolve(program, "", &deps, err) < 0)
		return -1;
	for (size_t i = 0; ret == 0 && i < deps.n; i++)
		ret = stage_host_path(root, deps.paths[i], err);
	libs = deps.n - 1 - !deps.is_static;
	if (ret == 0)
		note("packed %s with %zu librar%s", program, libs, libs == 1 ? "y" : "ies");
	strlist_add(&info->entrypoint, program);
	elfdeps_release(&deps);
	return ret;
}

const struct source_ops source_elf = {
	.name = "elf",
	.stage = elf_stage,
};
