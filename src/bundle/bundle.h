/* bundle.h: a bundle directory (kernel, rootfs, lupine.json run config): write it atomically, read it back. */
#ifndef LUPINE_BUNDLE_H
#define LUPINE_BUNDLE_H

#include "lib/util.h"

#define BUNDLE_JSON "lupine.json"

struct bundle {
	char *kernel;        /* file name inside the bundle, "kernel" */
	char *rootfs;        /* "rootfs.cpio.gz" */
	char *rootfs_format; /* "initramfs" */
	struct strlist argv; /* entrypoint and arguments; argv[0] is the program */
	struct strlist env;  /* K=V */
	char *workdir;
	int uid, gid;
	int memory_mib;
	int net;             /* the kernel has virtio-net: attach a NIC */
	int kml;             /* KML kernel; the program runs from /trusted/ in ring 0 */
	char *cmdline;       /* extra kernel command line */
	struct strlist manifests;
	char *kernel_label, *config_hash;
	struct strlist exposed; /* "6379/tcp" from an image; informational */
};

/* Reads DIR/lupine.json. Returns 0, or -1 with err set ("not a bundle" etc.). */
int bundle_load(const char *dir, struct bundle *b, struct strbuf *err);
/* Writes b as DIR/lupine.json. Returns 0 or -1 with err set. */
int bundle_write_json(const char *dir, const struct bundle *b, struct strbuf *err);
void bundle_release(struct bundle *b);

/* Renames a complete staging directory to dir. An existing bundle at dir is
 * replaced; anything else there is an error. Returns 0 or -1 with err set. */
int bundle_commit(const char *staging, const char *dir, struct strbuf *err);

/* Environment: sets K=V in l, replacing an entry with the same K. */
void env_set(struct strlist *l, const char *kv);

#endif
