/* rootfs.h: root filesystem formats behind one ops struct: how a staged
 * tree is packed into a bundle file, and how a run boots from that file.
 * A new format (e.g. a shared directory) is a new file and a table entry.
 * rootfs/ calls only lib/. */
#ifndef LUPINE_ROOTFS_H
#define LUPINE_ROOTFS_H

#include "lib/util.h"

/* What a run boots with, from the format's point of view. Strings owned. */
struct rootfs_boot {
	char *initrd_base; /* an archive to load before the run's own initramfs, or NULL */
	char *disk;        /* a disk image to attach as virtio-blk, or NULL */
	int disk_ro;
	char *root;        /* the run config's "root" ("DEV FSTYPE ro|rw"), or NULL */
};

struct rootfs_run_opts {
	int ro;            /* mount read-only */
	int persist;       /* write to the bundle's own file, not a copy */
	const char *tmpdir; /* where a per-run copy may go */
};

struct rootfs_ops {
	const char *name; /* "initramfs", "ext4": the bundle's rootfs format */
	const char *file; /* its file name in a bundle */
	/* Packs dir into out_path (complete or absent). 0 or -1 with err set. */
	int (*pack)(const char *dir, const char *out_path, struct strbuf *err);
	/* Prepares a run from the bundle file at path. 0 or -1 with err set. */
	int (*boot)(const char *path, const struct rootfs_run_opts *o, struct rootfs_boot *b, struct strbuf *err);
};

extern const struct rootfs_ops rootfs_initramfs, rootfs_ext4;

/* The format named name, or NULL. */
const struct rootfs_ops *rootfs_find(const char *name);
/* For "auto": by the tree's size (bytes); else the format named. NULL if unknown. */
const struct rootfs_ops *rootfs_choose(const char *name, unsigned long long bytes);
/* "initramfs, ext4 or auto", for messages. */
const char *rootfs_names(void);
void rootfs_boot_release(struct rootfs_boot *b);

/* Bytes the tree at dir occupies (allocated blocks), and its number of entries. */
unsigned long long rootfs_tree_size(const char *dir, unsigned long *entries);

#endif
