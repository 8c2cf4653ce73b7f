/* ext4.c: pack a staged root filesystem as an ext4 disk image with e2fsprogs' mke2fs -d (no root needed). */
#include "rootfs/ext4.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long long walk_bytes;
static unsigned long walk_entries;

static int count_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)type;
	(void)ftw;
	walk_bytes += (unsigned long long)st->st_blocks * 512;
	walk_entries++;
	return 0;
}

unsigned long long tree_size(const char *dir, unsigned long *entries)
{
	walk_bytes = 0;
	walk_entries = 0;
	nftw(dir, count_one, 32, FTW_PHYS);
	if (entries)
		*entries = walk_entries;
	return walk_bytes;
}

int ext4_write_dir(const char *dir, const char *out_path, struct strbuf *err)
{
	unsigned long entries;
	unsigned long long bytes = tree_size(dir, &entries);
	/* content + a quarter for ext4's own metadata and the application's
	 * writes + one 4 KiB block per entry for small files and directories */
	unsigned long long kib = (bytes + bytes / 4) / 1024 + entries * 4 + 16 * 1024;
	char *tmp = xasprintf("%s.tmp.%d", out_path, (int)getpid()), size[32];
	char *log = xasprintf("%s.log", tmp);
	int fd, r;

	snprintf(size, sizeof(size), "%lluk", kib);
	char *argv[] = {"mke2fs", "-q", "-F", "-t", "ext4", "-L", "lupine-root", "-d", (char *)dir,
			"-N", NULL, tmp, size, NULL};
	char inodes[32];
	snprintf(inodes, sizeof(inodes), "%lu", entries + entries / 4 + 1024);
	argv[10] = inodes;
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	r = run_cmd(argv, fd);
	if (fd >= 0)
		close(fd);
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
