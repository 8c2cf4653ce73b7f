/* build.h: `lupine build`'s two halves: build.c (options, kernel, packing, the bundle) and
 * build_stage.c (a source becomes a staged root tree and a run config). Only cmd files may die(). */
#ifndef LUPINE_CMD_BUILD_H
#define LUPINE_CMD_BUILD_H

#include "bundle/bundle.h"
#include "kernel/kspec.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct build_opts {
	const char *source, *out, *ksource, *workdir, *rootfs;
	struct kspec spec;
	struct strlist adds, env, cmd;
	int cmd_full; /* cmd came from --cmd: it names the program too */
	int mem, jobs;
};

/* SOURCE as a host path: a directory (*is_dir_src set) or an executable
 * (NAME searched in PATH). Dies with a one-line message when it is neither. */
char *build_resolve_source(const char *src, int *is_dir_src);
/* Stages a host ELF program and its loader and libraries into root. */
void build_stage_elf(const char *root, const char *program);
/* Copies each --add HOST[:GUEST] into root. */
void build_stage_adds(const char *root, const struct strlist *adds);
/* Where argv0 is in root (absolute, or found on env's PATH); NULL if absent. */
char *build_find_command(const char *root, const struct strlist *env, const char *argv0);
/* Copies the program at where under /trusted/ and points argv[0] there (KML). */
void build_stage_trusted(const char *root, struct bundle *b, const char *where);
/* Unpacks o->source (an image) into root and fills b's run config from it. */
void build_stage_image(const char *root, struct build_opts *o, struct bundle *b);

#endif
