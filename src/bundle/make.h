/* make.h: the build pipeline: SOURCE -> staged root + run config -> kernel -> rootfs -> bundle. */
#ifndef LUPINE_BUNDLE_MAKE_H
#define LUPINE_BUNDLE_MAKE_H

#include "bundle/bundle.h"
#include "kernel/kbuild.h"
#include "kernel/kspec.h"

/* What to build, as validated by the command line. */
struct build_req {
	const char *source;        /* SOURCE as given ("oci:DIR", a path, a command name) */
	const char *out;           /* the bundle directory */
	const struct kspec *spec;  /* the kernel (empty: lupine-general) */
	const char *ksource;       /* kernel source (NULL: the default) */
	int jobs;
	const char *rootfs;        /* "auto" or a rootfs format name */
	const struct strlist *add_host, *add_guest; /* --add HOST[:GUEST], split */
	const struct strlist *env; /* -e KEY=VALUE, over the source's */
	const struct strlist *cmd; /* --cmd: the whole command (empty: none) */
	const struct strlist *args; /* after --: the application's arguments */
	const char *workdir;       /* NULL: the source's, else "/" */
	const char *user;          /* NULL: the source's User */
	const struct strlist *file_paths, *file_texts; /* small files to write (may be NULL) */
	const struct strlist *exposed; /* "80/tcp" ports to record (may be NULL) */
	int mem_mib;
	int bzimage;               /* the bundle's kernel is the bzImage, not the vmlinux
				    * (booted through PVH, nothing to decompress: faster) */
};

struct build_res {
	struct bundle b;
	struct kbuild_result k;
	unsigned long long rootfs_bytes;
};

/* Builds req->out. On any error nothing is left behind (staging is removed
 * and an existing bundle at out stays as it was). 0, or -1 with a one-line err. */
int bundle_build(const struct build_req *req, struct build_res *res, struct strbuf *err);
/* Removes what a build interrupted now would leave; for signal handlers. */
void bundle_build_abort(void);
void build_res_release(struct build_res *res);
/* `lupine build`'s summary of what it made at req->out: bundle, kernel,
 * rootfs, command, and how to run it. */
void build_res_describe(const struct build_req *req, const struct build_res *res, struct strbuf *out);

#endif
