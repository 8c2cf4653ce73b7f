/* tty.c: a terminal for the application: a pty of a devpts instance of its own, whose
 * slave is its stdio and controlling terminal, as runc gives a container with
 * process.terminal; the master is relayed to the host by stdio.c. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <termios.h>
#include <unistd.h>

#define DEVPTS_SUPER_MAGIC 0x1cd1 /* linux/magic.h, which musl's headers lack */

static int master_fd = -1;

/* Said, and -1: an exec's terminal (execd.c) must not report an error of the application's. */
#define oops(...) (say(__VA_ARGS__), -1)

/* A new devpts instance on /dev/pts (or the one config.json's mounts put
 * there already), and /dev/ptmx to reach it where devtmpfs has made none
 * (its own node finds the instance at /dev/pts). */
static int pts_mount(void)
{
	struct statfs fs;

	if (statfs("/dev/pts", &fs) == 0 && fs.f_type == DEVPTS_SUPER_MAGIC)
		return 0;
	if (mkdir("/dev/pts", 0755) < 0 && errno != EEXIST)
		return oops("cannot create /dev/pts: %s", strerror(errno));
	if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0) {
		if (errno == ENODEV)
			return oops("cannot give the application a terminal: the kernel has no "
				    "pseudo-terminals (CONFIG_UNIX98_PTYS)");
		return oops("cannot mount devpts on /dev/pts: %s", strerror(errno));
	}
	if (access("/dev/ptmx", F_OK) < 0 && symlink("pts/ptmx", "/dev/ptmx") < 0)
		say("cannot link /dev/ptmx to pts/ptmx: %s", strerror(errno));
	return 0;
}

int tty_pair(unsigned rows, unsigned cols, long uid, long gid, int *master, int *slave)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	int unlock = 0;

	if (pts_mount() < 0)
		return -1;
	if ((*master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return oops("cannot open /dev/pts/ptmx: %s", strerror(errno));
	if (ioctl(*master, TIOCSPTLCK, &unlock) < 0 ||
	    (*slave = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		close(*master);
		return oops("cannot open the application's terminal: %s", strerror(errno));
	}
	if (ioctl(*master, TIOCSWINSZ, &ws) < 0)
		say("cannot set the terminal's size: %s", strerror(errno));
	/* the process's own, as runc makes it: a shell may reopen it by name */
	if (uid > 0 && fchown(*slave, (uid_t)uid, gid >= 0 ? (gid_t)gid : (gid_t)-1) < 0)
		say("cannot give the terminal to uid %ld: %s", uid, strerror(errno));
	return 0;
}

int tty_open(int *master, int *slave)
{
	if (tty_pair(run.rows, run.cols, run.uid, run.gid, master, slave) < 0)
		return ctl(LUPINE_CTL_ERROR " %s", errmsg), -1;
	master_fd = *master;
	return 0;
}

int tty_attach(void)
{
	if (setsid() < 0 || ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0) {
		say("cannot make the terminal the application's controlling terminal: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void tty_resize(unsigned rows, unsigned cols)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};

	/* on the master: the kernel sends SIGWINCH to the terminal's foreground group */
	if (master_fd >= 0 && rows <= 65535 && cols <= 65535)
		ioctl(master_fd, TIOCSWINSZ, &ws);
}
