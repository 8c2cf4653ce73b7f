/* bundle.h: a bundle directory (kernel, rootfs, lupine.json): write it atomically, read it back.
 *
 * bundle/ sits above source/, stage/, kernel/ and rootfs/ (it assembles
 * their outputs: make.c) and beside vm/ (launch.c turns a bundle into a
 * vm_config); it calls down into them and lib/, never the other way. */
#ifndef LUPINE_BUNDLE_H
#define LUPINE_BUNDLE_H

#include "bundle/runconfig.h"
#include "lib/util.h"

#define BUNDLE_JSON "lupine.json"
#define BUNDLE_VERSION 2

struct bundle {
	char *kernel;        /* file name inside the bundle, "kernel" */
	char *rootfs;        /* file name, e.g. "rootfs.cpio.gz" */
	char *rootfs_format; /* a rootfs_ops name: "initramfs", "ext4" */
	struct run_config run; /* command, environment, cwd, user */
	int memory_mib;
	int net;             /* the kernel has virtio-net: attach a NIC */
	int kml;             /* KML kernel; the program runs from /trusted/ in ring 0 */
	char *cmdline;       /* extra kernel command line */
	struct strlist manifests;
	char *kernel_label, *config_hash;
	struct strlist exposed; /* "6379/tcp" from an image; informational */
};

/* An empty bundle (run config initialised, 128 MiB). */
void bundle_init(struct bundle *b);
void bundle_release(struct bundle *b);
/* Reads DIR/lupine.json (bundle_file_open). Returns 0, or -1 with err set
 * ("not a bundle" etc.). */
int bundle_load(const char *dir, struct bundle *b, struct strbuf *err);
/* Writes b as DIR/lupine.json. Returns 0 or -1 with err set. */
int bundle_write_json(const char *dir, const struct bundle *b, struct strbuf *err);

/* Opens name, a file of the bundle at dir, as an O_PATH descriptor
 * (O_CLOEXEC) that pins it. It must be a regular file there: a symbolic link
 * (even to a file), a directory, a FIFO, a device or a socket is refused,
 * so no host file is ever read, attached or written as one of the bundle's.
 * Reopen it through fd_path(). The fd, or -1 with a one-line err naming the
 * file, errno ENOENT when it is absent. */
int bundle_file_open(const char *dir, const char *name, struct strbuf *err);

/* Whether dir may be written as a bundle: absent, or a bundle already. */
int bundle_replaceable(const char *dir);
/* Renames a complete staging directory to dir. An existing bundle at dir is
 * replaced; anything else there is an error. Returns 0 or -1 with err set. */
int bundle_commit(const char *staging, const char *dir, struct strbuf *err);

#endif
