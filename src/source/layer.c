/* layer.c: apply an image layer (a tar, maybe compressed) onto a root tree with OCI semantics.
 *
 * Every path is resolved through the staged root's descriptor (stage/), with
 * the resolve flags its caller chose (RESOLVE_BENEATH: the kernel itself
 * refuses a walk that leaves the tree through "..", an absolute symlink or a
 * symlink pointing out). Whiteouts only ever
 * hide lower layers, so a first pass applies them all and a second pass
 * writes the layer's own entries. */
#include "source/layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

struct ctx {
	const struct stage *root;
	const char *layer;
	struct layer_stats *st;
	struct strbuf *err;
	int as_root;
	int whiteouts; /* .wh. names delete (a layer), or are plain names (an outer archive) */
};

/* "./a//b/" -> "a/b"; -1 for an absolute path or a ".." component. */
static int clean_name(const char *in, char *out, size_t n)
{
	size_t o = 0;
	if (in[0] == '/')
		return -1;
	for (const char *p = in; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && !strncmp(p, "..", 2))
			return -1;
		if (len && !(len == 1 && *p == '.')) {
			if (o + len + 2 > n)
				return -1;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	out[o] = 0;
	return 0;
}

static int refuse(struct ctx *c, const char *entry, const char *why)
{
	if (!c->err->len)
		sb_addf(c->err, "refusing layer '%s': entry '%s' %s", c->layer, entry, why);
	return -1;
}

/* Removes name (recursively) from dirfd, without following symlinks. */
static int remove_at(int dirfd, const char *name)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int ret = 0;
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			ret |= remove_at(fd, de->d_name);
	if (d)
		closedir(d);
	return ret | unlinkat(dirfd, name, AT_REMOVEDIR);
}

static int whiteout(struct ctx *c, const char *name)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name, *target = base + strlen(WH_PREFIX);
	int dfd, ret = 0;

	if (strcmp(base, WH_OPAQUE) && str_starts(base, WH_PREFIX WH_PREFIX))
		return 0; /* aufs bookkeeping (.wh..wh.plnk and the like), not a whiteout */
	if (strcmp(base, WH_OPAQUE) && (!*target || !strcmp(target, ".") || !strcmp(target, "..")))
		return refuse(c, name, "is a whiteout of no valid name");
	if ((dfd = stage_parent(c->root, name, 0, &base)) < 0)
		return errno == ENOENT ? 0 : refuse(c, name, "leads outside the image root");
	c->st->whiteouts++;
	if (!strcmp(base, WH_OPAQUE)) {
		/* hide everything the lower layers put in this directory */
		int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				ret |= remove_at(fd, de->d_name);
		if (d)
			closedir(d);
	} else {
		ret = remove_at(dfd, base + strlen(WH_PREFIX));
	}
	close(dfd);
	if (ret < 0)
		sb_addf(c->err, "cannot apply whiteout '%s' of layer '%s': %s", name, c->layer, strerror(errno));
	return ret;
}

static int write_data(struct archive *a, int fd)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
		if (lseek(fd, off, SEEK_SET) < 0)
			return -1;
		for (const char *p = buf; size;) {
			ssize_t n = write(fd, p, size);
			if (n < 0)
				return -1;
			p += n;
			size -= (size_t)n;
		}
	}
	return r == ARCHIVE_EOF ? 0 : -2;
}

static int make_hardlink(struct ctx *c, const char *name, int dfd, const char *base, const char *target)
{
	char clean[4096];
	const char *tbase;
	struct stat st;

	if (clean_name(target, clean, sizeof(clean)) < 0)
		return refuse(c, name, "is a hard link to a path outside the image root");
	int tfd = stage_parent(c->root, clean, 0, &tbase);
	if (tfd < 0 && errno == ENOENT)
		return refuse(c, name, "is a hard link to a file the image does not have");
	if (tfd < 0)
		return refuse(c, name, "is a hard link through a path outside the image root");
	int r = -1;
	if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		refuse(c, name, "is a hard link to a file the image does not have");
	else if (S_ISDIR(st.st_mode))
		refuse(c, name, "is a hard link to a directory");
	else if ((r = linkat(tfd, tbase, dfd, base, 0)) < 0)
		sb_addf(c->err, "cannot link '%s' in layer '%s': %s", name, c->layer, strerror(errno));
	close(tfd);
	return r;
}

/* Owner first, then mode: chown() clears the setuid and setgid bits. fd is
 * the open file, or -1 to act on base in dfd (not following a symlink). */
static int own(struct ctx *c, struct archive_entry *e, int dfd, const char *base, int fd, mode_t mode, int is_link)
{
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);

	if (c->as_root && (fd >= 0 ? fchown(fd, uid, gid) : fchownat(dfd, base, uid, gid, AT_SYMLINK_NOFOLLOW)) < 0)
		return -1;
	if (is_link)
		return 0;
	return fd >= 0 ? fchmod(fd, mode) : fchmodat(dfd, base, mode, 0);
}

static int write_file(struct ctx *c, struct archive *a, struct archive_entry *e, int dfd, const char *base)
{
	int fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int w = fd < 0 ? -1 : write_data(a, fd);

	if (w == 0 && own(c, e, dfd, base, fd, archive_entry_mode(e) & 07777, 0) < 0)
		w = -1;
	if (fd >= 0)
		close(fd);
	c->st->files++;
	return w;
}

static int write_entry(struct ctx *c, struct archive *a, struct archive_entry *e, const char *name)
{
	mode_t mode = archive_entry_mode(e), type = mode & S_IFMT;
	const char *base;
	struct stat st;
	int dfd, ret = 0;

	if (!*name)
		return 0; /* the root itself */
	if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK && !archive_entry_hardlink(e)) {
		c->st->skipped++; /* devices, FIFOs, sockets: devtmpfs provides /dev */
		return 0;
	}
	if ((dfd = stage_parent(c->root, name, 1, &base)) < 0)
		return refuse(c, name, errno == EXDEV || errno == ELOOP
				       ? "would be written through a symlink that leads outside the image root"
				       : "has a parent that cannot be created");
	int exists = fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && !(type == S_IFDIR && S_ISDIR(st.st_mode)))
		remove_at(dfd, base); /* a later layer replaces what was there */
	if (archive_entry_hardlink(e)) {
		ret = make_hardlink(c, name, dfd, base, archive_entry_hardlink(e));
		c->st->hardlinks += ret == 0;
	} else if (type == S_IFDIR) {
		if (!(exists && S_ISDIR(st.st_mode)) && mkdirat(dfd, base, 0700) < 0)
			ret = -1;
		else
			ret = own(c, e, dfd, base, -1, (mode & 07777) | (c->as_root ? 0 : 0700), 0);
		c->st->dirs++;
	} else if (type == S_IFLNK) {
		ret = symlinkat(archive_entry_symlink(e) ? archive_entry_symlink(e) : "", dfd, base);
		if (ret == 0)
			ret = own(c, e, dfd, base, -1, 0, 1);
		c->st->symlinks++;
	} else if ((ret = write_file(c, a, e, dfd, base)) == -2) {
		sb_addf(c->err, "layer '%s' is truncated or corrupt at '%s': %s", c->layer, name, archive_error_string(a));
	}
	if (ret < 0 && !c->err->len)
		sb_addf(c->err, "cannot write '%s' from layer '%s': %s", name, c->layer, strerror(errno));
	close(dfd);
	return ret < 0 ? -1 : 0;
}

/* One pass over the layer: whiteouts (pass 0) or everything else (pass 1). */
static int pass(struct ctx *c, const char *path, int which)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char name[4096];
	int r, ret = 0;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		sb_addf(c->err, "cannot read layer '%s': %s", c->layer, archive_error_string(a));
		archive_read_free(a);
		return -1;
	}
	/* ARCHIVE_WARN with a name: e.g. a UTF-8 pax name the locale cannot
	 * show; the name's bytes are kept exactly as the archive has them */
	while (ret == 0 && ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK ||
			    (r == ARCHIVE_WARN && archive_entry_pathname(e)))) {
		const char *raw = archive_entry_pathname(e);
		if (!raw || clean_name(raw, name, sizeof(name)) < 0) {
			ret = refuse(c, raw ? raw : "(unnamed)", raw && raw[0] == '/' ? "has an absolute path"
										 : "has a '..' component");
			break;
		}
		const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
		int is_wh = c->whiteouts && str_starts(base, WH_PREFIX);
		if (which == 0 && is_wh)
			ret = whiteout(c, name);
		else if (which == 1 && !is_wh)
			ret = write_entry(c, a, e, name);
	}
	if (ret == 0 && r != ARCHIVE_EOF) {
		sb_addf(c->err, "layer '%s' is truncated or corrupt: %s", c->layer, archive_error_string(a));
		ret = -1;
	}
	archive_read_free(a);
	return ret;
}

int layer_apply(const struct stage *root, const char *path, int flags, struct layer_stats *st, struct strbuf *err)
{
	struct ctx c = {.root = root, .layer = path, .st = st, .err = err, .as_root = geteuid() == 0,
			.whiteouts = !(flags & LAYER_PLAIN)};
	int ret = c.whiteouts ? pass(&c, path, 0) : 0;

	if (ret == 0)
		ret = pass(&c, path, 1);
	return ret;
}
