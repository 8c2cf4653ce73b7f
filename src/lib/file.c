/* file.c: whole-file reads, atomic writes, copies and directory helpers on host paths. */
#include "lib/file.h"
#include "lib/msg.h"
#include "lib/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ftw.h>
#include <sys/stat.h>

char *fd_read_all(int fd, size_t *len)
{
	struct strbuf sb = {0};
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sb_release(&sb);
			return NULL;
		}
		sb_add(&sb, buf, (size_t)n);
	}
	if (len)
		*len = sb.len;
	return sb_detach(&sb);
}

char *file_read(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;
	char *text;

	if (fd < 0)
		return NULL;
	text = fd_read_all(fd, len);
	e = errno;
	close(fd);
	errno = e;
	return text;
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A new file next to path, under a name of its own: O_EXCL|O_NOFOLLOW, so
 * nothing already there (a link planted at the name to make this write
 * another file) is ever opened. The fd with *tmp (caller frees), or -1. */
static int create_tmp(const char *path, mode_t mode, char **tmp)
{
	int fd = -1;

	for (int i = 0; i < 100 && fd < 0; i++) {
		*tmp = xasprintf("%s.tmp.%d.%d", path, (int)getpid(), i);
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0) {
			free(*tmp);
			*tmp = NULL;
			if (errno != EEXIST)
				break;
		}
	}
	return fd;
}

int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = NULL;
	int fd, ret = -1, e;

	fd = create_tmp(path, mode, &tmp);
	if (fd < 0)
		goto out;
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		goto out;
	}
	ret = 0;
out:
	free(tmp);
	return ret;
}

int fd_copy(int in, int out)
{
	char buf[65536];
	ssize_t n;

	/* in-kernel copy (and a reflink where the filesystem has them) */
	while ((n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0)
		;
	if (n == 0)
		return 0;
	if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(out, buf, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

int file_copy(const char *src, const char *dst, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp.%d", dst, (int)getpid());
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, ret = -1, e;

	if (in < 0)
		goto out;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0)
		goto out;
	if (fd_copy(in, out) < 0 || close(out) < 0 || rename(tmp, dst) < 0) {
		out = -1;
		goto out;
	}
	out = -1;
	ret = 0;
out:
	e = errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	errno = e;
	return ret;
}

char *fd_path(int fd)
{
	return xasprintf("/proc/%d/fd/%d", (int)getpid(), fd);
}

int path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int mkdir_p(const char *path, mode_t mode)
{
	char *p, *s;
	int ret = 0;

	if (!*path) {
		errno = ENOENT; /* as mkdir("") */
		return -1;
	}
	p = xstrdup(path);
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != 0)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			ret = -1;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	if (ret == 0 && !is_dir(path)) {
		errno = ENOTDIR;
		ret = -1;
	}
	free(p);
	return ret;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

int rm_rf(const char *path)
{
	if (!path_exists(path))
		return 0;
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

char *file_tail(const char *path, size_t max)
{
	size_t len = 0;
	char *text = file_read(path, &len), *out;

	if (!text)
		return xstrdup("");
	out = xstrdup(str_trim(text + (len > max ? len - max : 0)));
	free(text);
	return out;
}
