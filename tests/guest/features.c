/* features.c: a guest test program that reaches for kernel features Lupine's
 * base kernel leaves out: inotify, timerfd, eventfd, POSIX message queues
 * and SysV shared memory (argv: which ones, default all; "inet6", an IPv6
 * socket, and "lock", an fcntl lock, only when named). It says what each
 * gave and exits 1 when any failed (0 regardless with the argument "exit0"):
 * the host should name the option each needs. */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

static int try_inotify(void) { return inotify_init1(IN_CLOEXEC); }
static int try_timerfd(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC); }
static int try_eventfd(void) { return eventfd(0, EFD_CLOEXEC); }
static int try_mqueue(void)
{
	struct mq_attr a = {.mq_maxmsg = 4, .mq_msgsize = 64};
	return (int)mq_open("/lupine-features", O_CREAT | O_RDWR, 0600, &a);
}
static int try_shm(void) { return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); }
static int try_inet6(void) { return socket(AF_INET6, SOCK_STREAM, 0); }
static int try_lock(void)
{
	struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd = open("/features.lock", O_RDWR | O_CREAT, 0600);
	return fd < 0 ? fd : fcntl(fd, F_SETLK, &l);
}

static const struct {
	const char *name;
	int (*try)(void);
	int named_only; /* tried only when asked for by name */
} features[] = {
	{"inotify", try_inotify, 0}, {"timerfd", try_timerfd, 0}, {"eventfd", try_eventfd, 0},
	{"mqueue", try_mqueue, 0},   {"shm", try_shm, 0},         {"inet6", try_inet6, 1},
	{"lock", try_lock, 1},
};

static int has_arg(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		int named = has_arg(argc, argv, features[i].name);
		if (!named && (features[i].named_only || argc - has_arg(argc, argv, "exit0") > 1))
			continue;
		errno = 0;
		int r = features[i].try();
		printf("features: %s: %s\n", features[i].name, r < 0 ? strerror(errno) : "ok");
		failed |= r < 0;
	}
	return has_arg(argc, argv, "exit0") ? 0 : failed;
}
