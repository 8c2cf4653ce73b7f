/* execsock.c: exec's frames and its socket's address, for the monitor and `lupine-runc exec`. */
#include "oci/execmux.h"
#include "guest/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

void oci_frame_put(struct strbuf *q, int type, int id, const void *d, size_t n)
{
	char h[LUPINE_EXEC_HDR] = {(char)type, (char)id, (char)(n & 0xff), (char)(n >> 8)};

	sb_add(q, h, sizeof(h));
	if (n)
		sb_add(q, d, n);
}

size_t oci_frame_get(const char *buf, size_t len, int *type, int *id, const char **d, size_t *n)
{
	const unsigned char *h = (const unsigned char *)buf;

	if (len < LUPINE_EXEC_HDR)
		return 0;
	*n = h[2] | (size_t)h[3] << 8;
	if (len < LUPINE_EXEC_HDR + *n)
		return 0;
	*type = h[0];
	*id = h[1];
	*d = buf + LUPINE_EXEC_HDR;
	return LUPINE_EXEC_HDR + *n;
}

int oci_exec_sock_addr(const struct oci_state *st, struct sockaddr_un *sa, int *dirfd, struct strbuf *err)
{
	*sa = (struct sockaddr_un){.sun_family = AF_UNIX};
	if ((*dirfd = open(st->dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		sb_addf(err, "cannot open '%s': %s", st->dir, strerror(errno));
		return -1;
	}
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/exec.sock", *dirfd);
	return 0;
}

int oci_exec_connect(const struct oci_state *st, struct strbuf *err)
{
	struct sockaddr_un sa;
	int dirfd, fd = -1;

	if (oci_exec_sock_addr(st, &sa, &dirfd, err) < 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			sb_addf(err, "container not running: %s has no exec socket (its VM has ended)", st->id);
		else
			sb_addf(err, "cannot reach the container's monitor: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	close(dirfd);
	return fd;
}

int oci_exec_listen(struct sockaddr_un *sa, struct strbuf *err)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 || chmod(sa->sun_path, 0600) < 0 ||
	    listen(fd, 16) < 0) {
		sb_addf(err, "cannot listen for exec on '%s': %s", sa->sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}
