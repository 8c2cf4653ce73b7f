/* volume.h: the mounts a run makes in the guest (guest/protocol.h's "mount"
 * lines, in order) and the host directories it shares for them: config.json's
 * mounts (oci/) and `lupine run -v`. */
#ifndef LUPINE_BUNDLE_VOLUME_H
#define LUPINE_BUNDLE_VOLUME_H

#include "lib/util.h"
#include "vm/vmm.h"

/* Host files bound into the guest travel in its run file: this many bytes in all. */
#define VOLUME_FILES_MAX (128 * 1024)

/* A mount's options, comma-joined, are shorter than this (the init's buffer). */
#define VOLUME_OPTS_MAX 480

struct volumes {
	struct strlist mounts;    /* run-config "mount" lines */
	struct vm_share *shares;  /* the host directories, one virtio-9p device each */
	size_t nshares;
	size_t file_bytes;        /* of host files carried in the run file */
};

/* A filesystem the guest kernel makes (proc, sysfs, tmpfs, devpts, mqueue,
 * cgroup2) at dest with the options opts (flags and its own data); source
 * (NULL: the type) is the name /proc/mounts shows. 0, or -1 with a
 * one-line err. */
int volumes_add_fs(struct volumes *v, const char *type, const char *source, const char *dest,
		   const struct strlist *opts, struct strbuf *err);
/* The host path host bound at dest, read-only when ro; flags holds what
 * else applies ("nosuid", "nodev", "noexec"). A directory is shared
 * (virtio-9p); a regular file's contents, mode and owner are read now and
 * carried to the guest, which serves them from a tmpfs of their own (the
 * guest's writes stay in the VM). 0, or -1 with a one-line err. */
int volumes_add_bind(struct volumes *v, const char *host, const char *dest, int ro, const struct strlist *flags,
		     struct strbuf *err);
/* `-v HOST:GUEST[:ro|:rw]`, HOST an existing directory or file. 0, or -1 with err. */
int volumes_add_spec(struct volumes *v, const char *spec, struct strbuf *err);
void volumes_release(struct volumes *v);

/* Whether dest is an absolute path without "." or ".." components. */
int volume_dest_ok(const char *dest);

#endif
