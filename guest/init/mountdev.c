/* mountdev.c: what a fresh /dev holds in a container, and host files served from a tmpfs of their own. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* the new mount API (<linux/mount.h>, which musl does not have) */
#define FSOPEN_CLOEXEC 0x1
#define FSCONFIG_CMD_CREATE 6
#define FSMOUNT_CLOEXEC 0x1
#define OPEN_TREE_CLONE 0x1
#define MOVE_MOUNT_F_EMPTY_PATH 0x4
#define MOVE_MOUNT_T_SYMLINKS 0x10

int mounts_dev(void)
{
	static const struct {
		const char *name;
		unsigned maj, min;
	} nodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
	static const char *const links[][2] = {{"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"}, {"pts/ptmx", "/dev/ptmx"},
		{"/proc/kcore", "/dev/core"}};
	char path[32];

	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(path, sizeof(path), "/dev/%s", nodes[i].name);
		/* mknod's mode is cut by the umask: set it after */
		if (mknod(path, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0 || chmod(path, 0666) < 0)
			return fail("cannot make '%s' in the container's /dev: %s", path, strerror(errno));
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			return fail("cannot make '%s' in the container's /dev: %s", links[i][1], strerror(errno));
	return 0;
}

/* Base64 (RFC 4648) decoded in place; its length, or -1. "-" is empty. */
static long b64_decode(char *s)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long acc = 0;
	long n = 0;
	int bits = 0;

	if (!strcmp(s, "-"))
		return 0;
	for (char *r = s; *r && *r != '='; r++) {
		const char *p = strchr(abc, *r);
		if (!p)
			return -1;
		acc = acc << 6 | (unsigned long)(p - abc);
		if ((bits += 6) >= 8)
			s[n++] = (char)(acc >> (bits -= 8));
	}
	return n;
}

/* "mode=", "uid=" and "gid=" from data; the defaults otherwise. */
static void file_attrs(const char *data, mode_t *mode, uid_t *uid, gid_t *gid)
{
	const char *p;

	*mode = 0644;
	*uid = *gid = 0;
	if ((p = strstr(data, "mode=")))
		*mode = (mode_t)strtoul(p + 5, NULL, 8) & 07777;
	if ((p = strstr(data, "uid=")))
		*uid = (uid_t)strtoul(p + 4, NULL, 10);
	if ((p = strstr(data, "gid=")))
		*gid = (gid_t)strtoul(p + 4, NULL, 10);
}

/* A detached tmpfs holding one file "f" with the contents; the mount's fd or -1. */
static int file_tmpfs(const char *buf, long len, const char *data)
{
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC), mnt = -1, fd;
	mode_t mode;
	uid_t uid;
	gid_t gid;

	if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0)) < 0)
		goto out;
	file_attrs(data, &mode, &uid, &gid);
	if ((fd = openat(mnt, "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		goto fail;
	if (write(fd, buf, (size_t)len) != len || fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0) {
		close(fd);
		goto fail;
	}
	close(fd);
	goto out;
fail:
	close(mnt);
	mnt = -1;
out:
	if (fs >= 0)
		close(fs);
	return mnt;
}

int mount_file(char *b64, const char *dest, unsigned long flags, const char *data)
{
	long len = b64_decode(b64);
	int mnt, tree = -1, r = -1;

	if (len < 0)
		return fail("bad contents for the file bound at '%s' in " RUN_FILE, dest);
	if ((mnt = file_tmpfs(b64, len, data)) < 0)
		return fail("cannot hold the file bound at '%s' in a tmpfs: %s", dest, strerror(errno));
	if (mount_point(dest, 0) < 0)
		goto out;
	/* Linux 6.1 clones no mount outside our namespace (open_tree gives
	 * EINVAL), so the tmpfs is attached for a moment, on top of /proc
	 * (there in every guest), and only the file, bound at dest, stays. */
	if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		(void)fail("cannot attach the tmpfs for the file bound at '%s': %s", dest, strerror(errno));
		goto out;
	}
	tree = (int)syscall(SYS_open_tree, mnt, "f", OPEN_TREE_CLONE | O_CLOEXEC);
	umount2("/proc", MNT_DETACH);
	/* T_SYMLINKS: onto what a symlink at dest names, as mount(2) and runc do */
	if (tree < 0 ||
	    syscall(SYS_move_mount, tree, "", AT_FDCWD, dest, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) < 0 ||
	    (flags && mount(NULL, dest, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)) {
		(void)fail("cannot bind the host's file at '%s': %s", dest, strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (tree >= 0)
		close(tree);
	close(mnt);
	return r;
}
