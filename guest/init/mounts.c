/* mounts.c: config.json's mounts, made in the container's root in the spec's order.
 *
 * The guest's / is the container's root and nothing else (the init runs
 * chrooted in it), so a destination, and every symlink in the image on the
 * way to it, resolves as the container sees it: there is no host path in the
 * VM to reach. Host directories arrive as virtio-9p devices, whose server
 * (QEMU) keeps the guest inside the exported directory. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

struct mnt {
	char *type, *source, *dest;
	unsigned long flags;
	char data[512]; /* the options that are not flags */
	char *opts;     /* as given, for messages */
};

static const struct {
	const char *name;
	unsigned long flag;
	int clear;
} flag_opts[] = {
	{"ro", MS_RDONLY, 0},        {"rw", MS_RDONLY, 1},          {"nosuid", MS_NOSUID, 0},
	{"suid", MS_NOSUID, 1},      {"nodev", MS_NODEV, 0},        {"dev", MS_NODEV, 1},
	{"noexec", MS_NOEXEC, 0},    {"exec", MS_NOEXEC, 1},        {"sync", MS_SYNCHRONOUS, 0},
	{"async", MS_SYNCHRONOUS, 1}, {"dirsync", MS_DIRSYNC, 0},   {"mand", MS_MANDLOCK, 0},
	{"nomand", MS_MANDLOCK, 1},  {"noatime", MS_NOATIME, 0},    {"atime", MS_NOATIME, 1},
	{"nodiratime", MS_NODIRATIME, 0}, {"diratime", MS_NODIRATIME, 1}, {"relatime", MS_RELATIME, 0},
	{"norelatime", MS_RELATIME, 1}, {"strictatime", MS_STRICTATIME, 0}, {"nostrictatime", MS_STRICTATIME, 1},
	{"lazytime", MS_LAZYTIME, 0}, {"nolazytime", MS_LAZYTIME, 1}, {"defaults", 0, 0},
	/* one VM, one mount namespace: bind and propagation have nothing to act on */
	{"bind", 0, 0}, {"rbind", 0, 0}, {"private", 0, 0}, {"rprivate", 0, 0}, {"shared", 0, 0},
	{"rshared", 0, 0}, {"slave", 0, 0}, {"rslave", 0, 0}, {"unbindable", 0, 0}, {"runbindable", 0, 0},
};

/* The option that builds a filesystem, for a kernel without it. */
static const char *fs_option(const char *type)
{
	static const char *const map[][2] = {
		{"proc", "CONFIG_PROC_FS"},   {"sysfs", "CONFIG_SYSFS"},      {"tmpfs", "CONFIG_SHMEM"},
		{"devpts", "CONFIG_UNIX98_PTYS"}, {"mqueue", "CONFIG_POSIX_MQUEUE"}, {"cgroup2", "CONFIG_CGROUPS"},
		{"9p", "CONFIG_9P_FS"},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(type, map[i][0]))
			return map[i][1];
	return "its filesystem";
}

/* Undo the fstab escapes \ooo in place. */
static char *unoctal(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return s;
}

/* Options: flags into m->flags, the rest comma-joined into m->data. */
static int parse_opts(char *opts, struct mnt *m)
{
	size_t len = 0;

	for (char *o = strtok(opts, ","); o; o = strtok(NULL, ",")) {
		size_t i, n = sizeof(flag_opts) / sizeof(flag_opts[0]);
		for (i = 0; i < n && strcmp(o, flag_opts[i].name); i++)
			;
		if (i < n) {
			m->flags = flag_opts[i].clear ? m->flags & ~flag_opts[i].flag : m->flags | flag_opts[i].flag;
			continue;
		}
		if (len + strlen(o) + 2 > sizeof(m->data))
			return -1;
		if (len)
			m->data[len++] = ',';
		strcpy(m->data + len, o);
		len += strlen(o);
	}
	return 0;
}

/* One "TYPE SOURCE DEST OPTIONS" line into m; -1 when it is malformed. */
static int parse_line(char *line, struct mnt *m)
{
	char *f[4], *save = NULL;
	static char optcopy[512];

	memset(m, 0, sizeof(*m));
	for (int i = 0; i < 4; i++)
		if (!(f[i] = strtok_r(i ? NULL : line, " ", &save)))
			return -1;
	if (strtok_r(NULL, " ", &save))
		return -1;
	m->type = unoctal(f[0]);
	m->source = unoctal(f[1]);
	m->dest = unoctal(f[2]);
	m->opts = unoctal(f[3]);
	if (m->dest[0] != '/' || strlen(m->opts) >= sizeof(optcopy))
		return -1;
	strcpy(optcopy, m->opts);
	return parse_opts(optcopy, m);
}

static int make_point(const char *path, int dir, int depth);

/* path is a symlink to nothing (an image's /etc/resolv.conf ->
 * ../run/systemd/resolve/stub-resolv.conf): make what it names, as runc does,
 * resolved as the container sees it. */
static int make_target(const char *path, int dir, int depth)
{
	char link[4096], target[8192];
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	const char *slash = strrchr(path, '/');

	if (n <= 0 || depth >= 8)
		return errno = ENOENT, -1;
	link[n] = '\0';
	if (link[0] == '/')
		snprintf(target, sizeof(target), "%s", link);
	else
		snprintf(target, sizeof(target), "%.*s/%s", (int)(slash - path), path, link);
	return make_point(target, dir, depth + 1);
}

/* mkdir -p path; its last component a directory (dir) or an empty file. */
static int make_point(const char *path, int dir, int depth)
{
	char buf[4096];
	size_t n = strlen(path);
	struct stat st;
	int fd, err = 0;

	if (n >= sizeof(buf))
		return errno = ENAMETOOLONG, -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (dir && mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -1;
	/* read-only: an existing file on a read-only root is not an error */
	if (!dir && (fd = open(buf, O_RDONLY | O_CREAT | O_NOCTTY | O_CLOEXEC, 0644)) < 0)
		err = errno;
	else if (!dir)
		close(fd);
	if (stat(buf, &st) == 0)
		return 0;
	if (errno == ENOENT && lstat(buf, &st) == 0 && S_ISLNK(st.st_mode))
		return make_target(buf, dir, depth);
	errno = err ? err : errno;
	return -1;
}

int mount_point(const char *path, int dir)
{
	if (make_point(path, dir, 0) == 0)
		return 0;
	if (errno == EROFS)
		return fail("cannot make the mount point '%s': the root is read-only and the image has none "
			    "(add it to the image)", path);
	return fail("cannot make the mount point '%s': %s", path, strerror(errno));
}

/* Whether the kernel has the filesystem type (1 when /proc cannot tell). */
static int fs_known(const char *type)
{
	static char text[4096];
	int fd = open("/proc/filesystems", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
	size_t len = strlen(type);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 1;
	text[n] = '\0';
	/* lines are "nodev\tNAME" or "\tNAME" */
	for (char *p = strstr(text, type); p; p = strstr(p + 1, type))
		if (p[-1] == '\t' && (p[len] == '\n' || !p[len]))
			return 1;
	return 0;
}

/* A kernel-made filesystem (or a 9p share) at m->dest. */
static int mount_fs(struct mnt *m)
{
	const char *type = !strcmp(m->type, "cgroup") ? "cgroup2" : m->type;
	int is9p = !strcmp(type, "9p");
	char data[sizeof(m->data) + 64];

	if (is9p)
		snprintf(data, sizeof(data), "trans=virtio,version=9p2000.L%s%s", *m->data ? "," : "", m->data);
	else
		strcpy(data, m->data);
	if (!fs_known(type) && is9p)
		return fail("cannot mount the host directory on '%s': this kernel has no 9p (CONFIG_9P_FS)", m->dest);
	if (!fs_known(type)) {
		/* the container runs without it: said here, and the kernel's note names it */
		say("no %s on '%s': this kernel leaves it out (%s)", type, m->dest, fs_option(type));
		return 0;
	}
	if (mount_point(m->dest, 1) < 0)
		return -1;
	if (mount(m->source, m->dest, type, m->flags, data) == 0)
		return !strcmp(m->dest, "/dev") && !strcmp(type, "tmpfs") ? mounts_dev() : 0;
	/* sysfs already there (the init's own, on a kernel that has it): one
	 * superblock per mount point, so the spec's flags go on the mount it has */
	if (errno == EBUSY && !strcmp(type, "sysfs") &&
	    mount(NULL, m->dest, NULL, MS_REMOUNT | MS_BIND | (m->flags & ~(unsigned long)MS_REC), NULL) == 0)
		return 0;
	if (is9p && (errno == ENOENT || errno == EINVAL))
		return fail("cannot mount the host directory on '%s' (tag %s): %s (kernel without "
			    "CONFIG_NET_9P_VIRTIO?)", m->dest, m->source, strerror(errno));
	return fail("cannot mount %s on '%s' (%s): %s", type, m->dest, m->opts, strerror(errno));
}

int mounts_apply(void)
{
	struct mnt m;

	for (int i = 0; i < run.nmounts; i++) {
		if (parse_line(run.mounts[i], &m) < 0)
			return fail("bad mount line %d in " RUN_FILE, i + 1);
		if (!strcmp(m.type, "file") ? mount_file(m.source, m.dest, m.flags, m.data) < 0 : mount_fs(&m) < 0)
			return -1;
	}
	return 0;
}
