/* volume.c: mounts for the guest and the host directories they share, as run-config lines. */
#include "bundle/volume.h"
#include "guest/protocol.h"
#include "lib/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A field of a "mount" line: space, tab, newline and backslash as \ooo (fstab's escapes). */
static void put_field(struct strbuf *sb, const char *s)
{
	if (sb->len)
		sb_adds(sb, " ");
	for (; *s; s++) {
		if (strchr(" \t\n\\", *s))
			sb_addf(sb, "\\%03o", (unsigned char)*s);
		else
			sb_add(sb, s, 1);
	}
}

static void add_line(struct volumes *v, const char *type, const char *src, const char *dest, const char *opts)
{
	struct strbuf sb = {0};

	put_field(&sb, type);
	put_field(&sb, src);
	put_field(&sb, dest);
	put_field(&sb, *opts ? opts : "defaults");
	strlist_add(&v->mounts, sb.buf);
	sb_release(&sb);
}

int volume_dest_ok(const char *dest)
{
	if (dest[0] != '/')
		return 0;
	for (const char *p = dest; (p = strchr(p, '/')); p++) {
		size_t n = strcspn(p + 1, "/");
		if ((n == 1 && p[1] == '.') || (n == 2 && p[1] == '.' && p[2] == '.'))
			return 0;
	}
	return 1;
}

static int room(struct volumes *v, const char *dest, struct strbuf *err)
{
	if (!volume_dest_ok(dest)) {
		sb_addf(err, "mount destination '%s' is not an absolute path free of '.' and '..'", dest);
		return -1;
	}
	if (v->mounts.n >= LUPINE_MOUNT_MAX) {
		sb_addf(err, "too many mounts at '%s': the guest makes at most %d", dest, LUPINE_MOUNT_MAX);
		return -1;
	}
	return 0;
}

static char *join(const struct strlist *opts)
{
	struct strbuf sb = {0};

	for (size_t i = 0; opts && i < opts->n; i++)
		sb_addf(&sb, "%s%s", i ? "," : "", opts->v[i]);
	return sb.buf ? sb_detach(&sb) : xstrdup("");
}

int volumes_add_fs(struct volumes *v, const char *type, const char *source, const char *dest,
		   const struct strlist *opts, struct strbuf *err)
{
	static const char *const types[] = {"proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup2"};
	char *o;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types) && strcmp(type, types[i]); i++)
		;
	if (i == ARRAY_SIZE(types)) {
		sb_addf(err, "mount type '%s' on %s is not one the guest kernel makes (proc, sysfs, tmpfs, devpts, "
			     "mqueue, cgroup), nor a bind mount of a host path", type, dest);
		return -1;
	}
	if (room(v, dest, err) < 0)
		return -1;
	o = join(opts);
	if (strlen(o) >= VOLUME_OPTS_MAX) {
		sb_addf(err, "the options of the %s mount on %s are %zu bytes; the guest takes fewer than %d", type,
			dest, strlen(o), VOLUME_OPTS_MAX);
		free(o);
		return -1;
	}
	/* the source is only a name here, but /proc/mounts shows it (runtime-tools compares it) */
	add_line(v, type, source && *source && strlen(source) < 64 ? source : type, dest, o);
	free(o);
	return 0;
}

/* A directory: one virtio-9p device, mounted by its tag. */
static void add_share(struct volumes *v, const char *dir, const char *dest, int ro, const char *flags)
{
	char *tag = xasprintf(LUPINE_9P_PREFIX "%zu", v->nshares), *opts;

	v->shares = xrealloc(v->shares, (v->nshares + 1) * sizeof(*v->shares));
	v->shares[v->nshares++] = (struct vm_share){.path = xstrdup(dir), .tag = tag, .readonly = ro};
	opts = xasprintf("%s%s%s", ro ? "ro" : "rw", *flags ? "," : "", flags);
	add_line(v, "9p", tag, dest, opts);
	free(opts);
}

/* Up to max bytes of path into *data (caller frees); its length, or -1 with
 * errno (EFBIG past max). Never waits: a /proc file that would block is an error. */
static ssize_t read_upto(const char *path, size_t max, char **data)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), e;
	size_t len = 0;
	ssize_t n = 1;

	*data = NULL;
	if (fd < 0)
		return -1;
	*data = xcalloc(1, max + 1);
	while (len <= max && (n = read(fd, *data + len, max + 1 - len)) > 0)
		len += (size_t)n;
	e = n < 0 ? errno : EFBIG;
	close(fd);
	if (n < 0 || len > max) {
		free(*data);
		*data = NULL;
		errno = e;
		return -1;
	}
	return (ssize_t)len;
}

/* A file: its contents (base64) and attributes, carried in the run file. */
static int add_file(struct volumes *v, const char *path, const struct stat *st, const char *dest, int ro,
		    const char *flags, struct strbuf *err)
{
	char *data, *b64, *opts;
	ssize_t n = read_upto(path, VOLUME_FILES_MAX - v->file_bytes, &data);
	size_t len = n > 0 ? (size_t)n : 0;

	if (n < 0 && errno == EFBIG) {
		sb_addf(err, "'%s' is %lld bytes: files bound into the VM travel in its run file, %d KiB in all; "
			     "bind its directory instead", path, (long long)st->st_size, VOLUME_FILES_MAX / 1024);
		return -1;
	}
	if (n < 0) {
		sb_addf(err, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	v->file_bytes += len;
	b64 = xcalloc(1, 4 * ((len + 2) / 3) + 2);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)data, (int)len);
	opts = xasprintf("%s,mode=%04o,uid=%u,gid=%u%s%s", ro ? "ro" : "rw", (unsigned)(st->st_mode & 07777),
			 (unsigned)st->st_uid, (unsigned)st->st_gid, *flags ? "," : "", flags);
	add_line(v, "file", len ? b64 : "-", dest, opts);
	free(opts);
	free(b64);
	free(data);
	return 0;
}

int volumes_add_bind(struct volumes *v, const char *host, const char *dest, int ro, const struct strlist *flags,
		     struct strbuf *err)
{
	char *path = NULL, *f = join(flags);
	struct stat st;
	int r = -1;

	if (room(v, dest, err) < 0)
		goto out;
	if (!(path = realpath(host, NULL)) || stat(path, &st) < 0) {
		sb_addf(err, "cannot bind '%s' at %s: %s", host, dest, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		add_share(v, path, dest, ro, f);
		r = 0;
	} else if (S_ISREG(st.st_mode)) {
		r = add_file(v, path, &st, dest, ro, f, err);
	} else {
		sb_addf(err, "cannot bind '%s' at %s: only directories and regular files can reach the VM", host, dest);
	}
out:
	free(path);
	free(f);
	return r;
}

int volumes_add_spec(struct volumes *v, const char *spec, struct strbuf *err)
{
	char *host = xstrdup(spec), *guest = strchr(host, ':'), *mode = guest ? strchr(guest + 1, ':') : NULL;
	int r = -1;

	if (guest)
		*guest++ = '\0';
	if (mode)
		*mode++ = '\0';
	if (!guest || !*host || !*guest || (mode && strcmp(mode, "ro") && strcmp(mode, "rw")))
		sb_addf(err, "-v '%s': expected HOSTPATH:GUESTPATH[:ro|:rw]", spec);
	else
		r = volumes_add_bind(v, host, guest, mode && !strcmp(mode, "ro"), NULL, err);
	free(host);
	return r;
}

void volumes_release(struct volumes *v)
{
	for (size_t i = 0; i < v->nshares; i++) {
		free(v->shares[i].path);
		free(v->shares[i].tag);
	}
	free(v->shares);
	strlist_release(&v->mounts);
	memset(v, 0, sizeof(*v));
}
