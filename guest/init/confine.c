/* confine.c: the VM-wide part of the process spec, in PID 1 after the mounts,
 * in runc's order: the sysctls (before /proc/sys may turn read-only), the
 * masked paths (/dev/null over a file, an empty read-only tmpfs over a
 * directory), the read-only paths (a bind mount remounted read-only), the
 * root remounted read-only. A path
 * that is not there needs no hiding, as with runc; anything else that fails
 * stops the start, naming the kernel option when one is missing. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* Where a sysctl comes from, for the message when the kernel lacks it; the first prefix that matches. */
static const struct {
	const char *prefix, *option;
} sysctl_options[] = {
	{ "net.ipv6.", "CONFIG_IPV6" },          { "net.ipv4.", "CONFIG_INET" },
	{ "net.unix.", "CONFIG_UNIX" },          { "net.", "CONFIG_NET" },
	{ "fs.mqueue.", "CONFIG_POSIX_MQUEUE" }, { "kernel.msg", "CONFIG_SYSVIPC" },
	{ "kernel.sem", "CONFIG_SYSVIPC" },      { "kernel.shm", "CONFIG_SYSVIPC" },
};

static int sysctl_missing(const char *name, const char *path)
{
	struct stat st;

	if (stat("/proc/self", &st) < 0)
		return fail("cannot set sysctl %s: no /proc (kernel without CONFIG_PROC_FS)", name);
	if (stat("/proc/sys", &st) < 0)
		return fail("cannot set sysctl %s: no /proc/sys (kernel without CONFIG_PROC_SYSCTL)", name);
	for (size_t i = 0; i < sizeof(sysctl_options) / sizeof(sysctl_options[0]); i++)
		if (!strncmp(name, sysctl_options[i].prefix, strlen(sysctl_options[i].prefix)))
			return fail("cannot set sysctl %s: this kernel has no %s (kernel without %s?)", name, path,
				    sysctl_options[i].option);
	return fail("cannot set sysctl %s: this kernel has no %s", name, path);
}

/* "name.of.key=VALUE": VALUE written to /proc/sys/name/of/key. */
static int sysctl_set(const char *kv)
{
	char name[256], path[PATH_MAX];
	const char *value = strchr(kv, '=') + 1;
	int n = snprintf(name, sizeof(name), "%.*s", (int)(value - 1 - kv), kv), fd, err;
	ssize_t w;

	if (n >= (int)sizeof(name) || snprintf(path, sizeof(path), "/proc/sys/%s", name) >= (int)sizeof(path))
		return fail("cannot set sysctl '%.64s...': name too long", kv);
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? sysctl_missing(name, path)
				       : fail("cannot set sysctl %s: %s: %s", name, path, strerror(errno));
	w = write(fd, value, strlen(value));
	err = errno;
	close(fd);
	if (w != (ssize_t)strlen(value))
		return fail("cannot set sysctl %s to '%s': %s", name, value, w < 0 ? strerror(err) : "short write");
	return 0;
}

static int mask_path(const char *path)
{
	struct stat st;

	if (mount("/dev/null", path, NULL, MS_BIND, NULL) == 0)
		return 0;
	if (errno == ENOENT && lstat(path, &st) < 0)
		return 0;
	if (errno == ENOENT)
		return fail("cannot mask '%s': no /dev/null (kernel without CONFIG_DEVTMPFS?)", path);
	if (errno != ENOTDIR)
		return fail("cannot mask '%s' with /dev/null: %s", path, strerror(errno));
	/* a directory: an empty read-only tmpfs over it */
	if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0") == 0)
		return 0;
	if (errno == ENODEV)
		return fail("cannot mask the directory '%s': no tmpfs (kernel without CONFIG_TMPFS)", path);
	return fail("cannot mask the directory '%s': %s", path, strerror(errno));
}

static int readonly_path(const char *path)
{
	struct statfs sf;
	unsigned long keep;

	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errno == ENOENT ? 0 : fail("cannot bind '%s' to make it read-only: %s", path, strerror(errno));
	/* a bind remount keeps what the mount had, or it is refused */
	keep = statfs(path, &sf) == 0 ? (unsigned long)sf.f_flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC) : 0;
	if (mount(path, path, NULL, keep | MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return fail("cannot make '%s' read-only: %s", path, strerror(errno));
	return 0;
}

int confine_system(void)
{
	for (int i = 0; i < run.sysctls.n; i++)
		if (sysctl_set(run.sysctls.v[i]) < 0)
			return -1;
	for (int i = 0; i < run.masked.n; i++)
		if (mask_path(run.masked.v[i]) < 0)
			return -1;
	for (int i = 0; i < run.ropaths.n; i++)
		if (readonly_path(run.ropaths.v[i]) < 0)
			return -1;
	/* last, as runc does: the mount points, /etc/hosts and the paths above needed it writable */
	if (run.root_readonly == 1 && mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return fail("cannot make the root read-only: %s", strerror(errno));
	return 0;
}
