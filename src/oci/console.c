/* console.c: the container's terminal: a host pty whose master goes to the console socket. */
#include "oci/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

/* The master to the socket at path, with its name as the data (an empty
 * message would carry no descriptor on a stream socket). */
static int send_master(const char *path, int master, const char *name, struct strbuf *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf)};
	struct cmsghdr *c;
	int fd = -1, r = -1;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		sb_addf(err, "--console-socket '%s': the path is too long for a unix socket", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	memset(&cm, 0, sizeof(cm));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
		sb_addf(err, "cannot send the terminal to the console socket '%s': %s", path, strerror(errno));
	else
		r = 0;
	if (fd >= 0)
		close(fd);
	return r;
}

int oci_console_send(const char *path, int *slave, struct strbuf *err)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), r = -1;
	struct termios t;

	*slave = -1;
	if (master < 0 || unlockpt(master) < 0 ||
	    (*slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		sb_addf(err, "cannot make a terminal for the container: %s", strerror(errno));
		goto out;
	}
	/* raw before the shim can write: nothing it sends is taken as line editing */
	if (tcgetattr(*slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(*slave, TCSANOW, &t);
	}
	r = send_master(path, master, "/dev/ptmx", err);
out:
	if (master >= 0)
		close(master);
	if (r < 0 && *slave >= 0) {
		close(*slave);
		*slave = -1;
	}
	return r;
}

int oci_console_attach(struct strbuf *err)
{
	if (setsid() < 0 || ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0) {
		sb_addf(err, "cannot make the container's terminal the monitor's: %s", strerror(errno));
		return -1;
	}
	return 0;
}
