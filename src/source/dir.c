/* dir.c: the root filesystem directory source ("dir:PATH", or any directory): copied
 * whole, symlinks kept as links; the command comes from the user. */
#include "source/source.h"

static int dir_stage(const char *dir, const struct stage *root, struct source_info *info, struct strbuf *err)
{
	(void)info;
	return stage_copy_host(root, dir, "/", err);
}

const struct source_ops source_dir = {
	.name = "dir",
	.prefix = "dir:",
	.stage = dir_stage,
};
