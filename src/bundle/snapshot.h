/* snapshot.h: warm start: a bundle's application, snapshotted once ready,
 * restored as new VMs (`lupine snapshot`, `lupine run --from`).
 *
 * A snapshot is a directory: ram (the guest's RAM, a sparse file holding
 * the pages the guest touched), state (QEMU's device state), the disk as
 * it was at that instant, for ext4 bundles (disk.qcow2: only the clusters
 * that differ from the bundle's rootfs, its backing file, made with
 * qemu-img; disk.ext4, whole, where qemu-img is missing) and
 * snapshot.json: the bundle it came from (absolute path, the SHA-256 of
 * its lupine.json and of its kernel, its root filesystem's size and
 * modification time), the SHA-256 of the guest init (this lupine's), the
 * QEMU version that saved it, the VM's memory and
 * devices, and the readiness check. A restore refuses, in one line, a
 * bundle or kernel that changed and another QEMU. Each restore is a new VM
 * (vm/snapshot.h): the RAM file mapped copy-on-write, a disk of its own
 * (a reflink of disk.ext4 where the filesystem has them, else a QEMU
 * overlay in the run's directory: nothing reaches disk.ext4), fresh
 * entropy, the clock set to now, the generation bumped. */
#ifndef LUPINE_BUNDLE_SNAPSHOT_H
#define LUPINE_BUNDLE_SNAPSHOT_H

#include "bundle/ready.h"
#include "bundle/run.h"

#define SNAPSHOT_JSON "snapshot.json"

struct snapshot {
	char *dir;                 /* absolute */
	char *bundle;              /* the bundle it was taken of, absolute */
	char *bundle_sha, *kernel_sha; /* SHA-256 of its lupine.json and kernel */
	char *init_sha;            /* ... of the guest init (lupine's own) it runs */
	long long rootfs_size, rootfs_mtime_ns;
	char *qemu;                /* the QEMU version that saved it */
	int mem_mib, net, disk;    /* the VM's memory; a NIC; a disk (disk.ext4 or disk.qcow2) */
	int disk_qcow2;            /* the disk is disk.qcow2: what differs from the bundle's root
				    * filesystem, which is its backing file */
	unsigned generation;       /* restores before this snapshot (0: it was booted) */
	char *probe, *port;        /* the readiness check it was taken with (NULL: none) */
	double ready_s;            /* seconds the cold boot took to be ready */
	char *ram, *state, *disk_path; /* its files' paths */
};

struct snapshot_req {
	const char *bundle;
	const char *out;           /* the snapshot directory, replaced whole (atomically) */
	struct readiness *ready;   /* the check: probe, expect, port "HOST:GUEST", args, log */
	int mem_mib;               /* 0: the bundle's */
	double limit;              /* seconds the application has to be ready */
};

/* Boots rq->bundle with its RAM in a file, waits until rq->ready passes,
 * freezes the application, saves the VM and its disk, and writes the
 * snapshot to rq->out (nothing is left behind on failure). 0 with *info
 * (when not NULL; release it), or -1 with a one-line err. */
int bundle_snapshot(const struct snapshot_req *rq, struct snapshot *info, struct strbuf *err);

/* Reads dir's snapshot.json. 0, or -1 with a one-line err. */
int snapshot_load(const char *dir, struct snapshot *s, struct strbuf *err);
/* Whether the bundle b at s->bundle is still the one s was taken of. 0, or -1 with err. */
int snapshot_matches(const struct snapshot *s, const struct bundle *b, struct strbuf *err);
/* Bytes the snapshot's files occupy on disk (allocated blocks), and their apparent sizes. */
void snapshot_size(const struct snapshot *s, unsigned long long *allocated, unsigned long long *apparent);
void snapshot_release(struct snapshot *s);
/* For take.c: fills s's bundle fields from the bundle b at dir now (0, or
 * -1 with err); s's file paths from s->dir and s->disk; writes s as
 * dir/snapshot.json (0, or -1 with err). */
int snapshot_identify(const char *dir, const struct bundle *b, struct snapshot *s, struct strbuf *err);
void snapshot_set_paths(struct snapshot *s);
int snapshot_write_json(const char *dir, const struct snapshot *s, struct strbuf *err);

/* bundle_vm_start for rq->from: restores the snapshot as a new VM with the
 * run's ports, timeouts and signals (its command, environment, memory and
 * mounts are the snapshot's: asking for others is an error). 0, or -1 with err. */
int bundle_restore_start(struct run_req *rq, struct bundle_vm *bv, struct strbuf *err);

#endif
