/* cpio.c: the initramfs format: a gzip-compressed newc cpio (libarchive), also used for
 * the small per-run archive and the smoke boot. */
#include "rootfs/cpio.h"
#include "rootfs/rootfs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* nftw has no user pointer, so the walk's state lives here for its duration. */
static struct {
	struct archive *a;
	size_t root_len;
	struct strbuf *err;
	int as_root;
} walk;

static int add_data(const char *path, size_t size)
{
	char buf[65536];
	ssize_t n;
	size_t total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0 && total < size) {
		if (archive_write_data(walk.a, buf, (size_t)n) < 0) {
			close(fd);
			return -1;
		}
		total += (size_t)n;
	}
	close(fd);
	return n < 0 || total != size ? -1 : 0;
}

static int add_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct archive_entry *e;
	const char *rel = path + walk.root_len;
	char target[4096];
	int ret = 0;

	(void)type;
	(void)ftw;
	while (*rel == '/')
		rel++;
	if (!*rel)
		return 0; /* the root itself */
	e = archive_entry_new();
	archive_entry_set_pathname(e, rel);
	archive_entry_copy_stat(e, st);
	/* as root, staging kept the image's owners (lchown); otherwise the
	 * files are ours, and root owns them in the guest */
	if (!walk.as_root) {
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
	}
	archive_entry_set_nlink(e, S_ISDIR(st->st_mode) ? 2 : 1);
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			goto fail;
		target[n] = 0;
		archive_entry_set_symlink(e, target);
	} else if (!S_ISREG(st->st_mode)) {
		archive_entry_set_size(e, 0);
	}
	if (archive_write_header(walk.a, e) != ARCHIVE_OK)
		goto fail;
	if (S_ISREG(st->st_mode) && add_data(path, (size_t)st->st_size) < 0)
		goto fail;
	goto out;
fail:
	sb_addf(walk.err, "cannot add '%s' to the initramfs: %s", path,
		archive_errno(walk.a) ? archive_error_string(walk.a) : strerror(errno));
	ret = -1;
out:
	archive_entry_free(e);
	return ret;
}

int cpio_write_dir(const char *dir, const char *out_path, struct strbuf *err)
{
	char *tmp = xasprintf("%s.tmp.%d", out_path, (int)getpid());
	struct archive *a = archive_write_new();
	int ret = -1;

	archive_write_set_format_cpio_newc(a);
	archive_write_add_filter_gzip(a);
	if (archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		sb_addf(err, "cannot write '%s': %s", tmp, archive_error_string(a));
		goto out;
	}
	walk.a = a;
	walk.root_len = strlen(dir);
	walk.err = err;
	walk.as_root = geteuid() == 0;
	if (nftw(dir, add_one, 32, FTW_PHYS) != 0) {
		if (!err->len)
			sb_addf(err, "cannot walk '%s': %s", dir, strerror(errno));
		goto out;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		sb_addf(err, "cannot finish '%s': %s", tmp, archive_error_string(a));
		goto out;
	}
	if (rename(tmp, out_path) < 0) {
		sb_addf(err, "cannot create '%s': %s", out_path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	archive_write_free(a);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

/* The initramfs goes in front of the run's own small one; the kernel
 * unpacks both into RAM, so there is nothing to persist. */
static int initramfs_boot(const char *path, const struct rootfs_run_opts *o, struct rootfs_boot *b,
			  struct strbuf *err)
{
	if (o->ro || o->persist) {
		sb_adds(err, "--ro and --persist apply to bundles with an ext4 root (lupine build --rootfs ext4)");
		return -1;
	}
	b->initrd_base = xstrdup(path);
	return 0;
}

const struct rootfs_ops rootfs_initramfs = {
	.name = "initramfs",
	.file = "rootfs.cpio.gz",
	.pack = cpio_write_dir,
	.boot = initramfs_boot,
};
