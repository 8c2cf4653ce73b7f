/* source.h: applications in the forms people have them, each a backend
 * behind struct source_ops that fills a staged root and says how the
 * application wants to run: a host ELF program with its library closure
 * (elf.c), a root filesystem directory (dir.c), an OCI image layout
 * (oci.c), a docker/podman save archive (docker.c) or Debian packages (deb.c).
 * source/ calls stage/ and lib/ only. */
#ifndef LUPINE_SOURCE_H
#define LUPINE_SOURCE_H

#include "lib/util.h"
#include "source/layer.h"
#include "stage/stage.h"

/* What a source says about running it, before the user's overrides. */
struct source_info {
	struct strlist entrypoint, cmd; /* the command is entrypoint + cmd (args replace cmd) */
	struct strlist env, exposed;    /* KEY=VALUE; "6379/tcp" */
	char *workdir, *user;           /* NULL when the source does not say */
	struct layer_stats layers;      /* images: what the layers held */
};

struct source_ops {
	const char *name;   /* "elf", "dir", "oci", "docker-archive" */
	const char *prefix; /* "oci:" and so on; NULL: recognised from the host path */
	/* Fills root from ref (the SOURCE without its prefix) and info.
	 * 0, or -1 with err set. */
	int (*stage)(const char *ref, const struct stage *root, struct source_info *info, struct strbuf *err);
};

extern const struct source_ops source_elf, source_dir, source_oci, source_docker, source_deb, source_registry;

/* Which source SOURCE names: "oci:DIR[:TAG]", "docker-archive:FILE[:TAG]",
 * "deb:PKG[,PKG...]", "dir:PATH", a directory, or an ELF executable (a bare NAME is looked up
 * in PATH). Sets *ops and *ref (caller frees: the path or reference the
 * backend takes). 0, or -1 with a one-line err. */
int source_resolve(const char *spec, const struct source_ops **ops, char **ref, struct strbuf *err);
/* A bundle name for SOURCE: its last path component + ".lupine". Caller frees. */
char *source_default_name(const char *spec);
void source_info_release(struct source_info *info);

/* Whether name is a Debian package name as policy 5.6.7 has it: lower-case
 * letters, digits, + - ., at least two, the first a letter or digit (so
 * never an option to apt). deb: takes only these (deb.c). */
int deb_name_valid(const char *name);
/* Whether the registry an image reference (docker:// taken off) names is
 * this machine's: a host of exactly localhost, 127.0.0.1 or [::1], with an
 * optional :PORT. Only those are spoken to over plain HTTP (registry.c). */
int registry_loopback(const char *ref);
/* ref pinned to a manifest digest ("sha256:HEX"): [HOST[:PORT]/]NAME@DIGEST,
 * the tag or digest ref had dropped. Caller frees. */
char *registry_pin(const char *ref, const char *digest);

struct source_user {
	long uid, gid;
	struct strlist groups; /* supplementary gids (decimal), as runc finds them */
};

/* Resolves a container User ("name", "uid", "name:group", "uid:gid") with
 * the tree's /etc/passwd and /etc/group (read inside root): the ids, and the
 * groups that list the user as a member. 0 or -1 with err; the caller
 * releases out->groups. */
int source_resolve_user(const struct stage *root, const char *user, struct source_user *out, struct strbuf *err);

#endif
