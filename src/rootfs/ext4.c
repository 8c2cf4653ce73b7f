/* ext4.c: the ext4 format: a disk image made by e2fsprogs' mke2fs -d (no root needed),
 * attached as virtio-blk; the init mounts it and switches into it. */
#include "rootfs/rootfs.h"
#include "lib/progress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int ext4_pack(const char *dir, const char *out_path, struct strbuf *err)
{
	unsigned long entries;
	unsigned long long bytes = rootfs_tree_size(dir, &entries);
	/* content + a quarter for ext4's own metadata and the application's
	 * writes + one 4 KiB block per entry for small files and directories */
	unsigned long long kib = (bytes + bytes / 4) / 1024 + entries * 4 + 16 * 1024;
	char *tmp = xasprintf("%s.tmp.%d", out_path, (int)getpid()), size[32];
	char *log = xasprintf("%s.log", tmp);
	int r;

	snprintf(size, sizeof(size), "%lluk", kib);
	/* "--": the image's path comes from the bundle's, which may start with '-' */
	char *argv[] = {"mke2fs", "-q", "-F", "-t", "ext4", "-L", "lupine-root", "-d", (char *)dir,
			"-N", NULL, "--", tmp, size, NULL};
	char inodes[32];
	snprintf(inodes, sizeof(inodes), "%lu", entries + entries / 4 + 1024);
	argv[10] = inodes;
	r = progress_run_logged(argv, log, NULL);
	if (r != 0) {
		char *text = file_read(log, NULL);
		sb_addf(err, "mke2fs failed (%s) making '%s': %s", r == 127 ? "is e2fsprogs installed?" : "exit status",
			out_path, text ? str_trim(text) : "");
		free(text);
		unlink(tmp);
	} else if (rename(tmp, out_path) < 0) {
		sb_addf(err, "cannot create '%s'", out_path);
		unlink(tmp);
		r = -1;
	}
	unlink(log);
	free(log);
	free(tmp);
	return r == 0 ? 0 : -1;
}

/* A fresh copy per run, so a run never alters the bundle, unless asked. */
static int ext4_boot(const char *path, const struct rootfs_run_opts *o, struct rootfs_boot *b, struct strbuf *err)
{
	int shared = o->ro || o->persist;

	b->disk = shared ? xstrdup(path) : xasprintf("%s/disk.ext4", o->tmpdir);
	if (!shared && file_copy(path, b->disk, 0644) < 0) {
		sb_addf(err, "cannot copy the bundle's disk to '%s': %s", b->disk, strerror(errno));
		return -1;
	}
	b->disk_ro = o->ro;
	b->root = xasprintf("/dev/vda ext4 %s", o->ro ? "ro" : "rw");
	return 0;
}

const struct rootfs_ops rootfs_ext4 = {
	.name = "ext4",
	.file = "rootfs.ext4",
	.pack = ext4_pack,
	.boot = ext4_boot,
};
