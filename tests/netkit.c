/* netkit.c: network namespaces for the network tests, made and removed by
 * the test (every address lives in them, never in the machine's own), and a
 * client of the probe's "serve" mode reaching it from one of them. */
#include "harness.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int sh(const char *fmt, const char *a, const char *b)
{
	char *cmd = xasprintf(fmt, a, b, a, b, a, b);
	int st = system(cmd);

	free(cmd);
	return st;
}

int netpair_make(struct netpair *p)
{
	snprintf(p->ns, sizeof(p->ns), "lnet-c%d", (int)getpid());
	snprintf(p->client, sizeof(p->client), "lnet-l%d", (int)getpid());
	/* the container's eth0 as Docker or a CNI plugin leaves it: an address, a
	 * default route, one more route, a smaller MTU than the default */
	if (sh("ip netns add %s && ip netns add %s && ip link add eth0 netns %s type veth peer name cl0 netns %s", p->ns,
	       p->client) ||
	    sh("ip -n %s link set lo up && ip -n %s link set lo up && ip -n %s link set eth0 mtu 1400 up && "
	       "ip -n %s link set cl0 mtu 1400 up",
	       p->ns, p->client) ||
	    sh("ip -n %s addr add " NETPAIR_IP "/24 dev eth0 && ip -n %s addr add " NETPAIR_GW "/24 dev cl0", p->ns,
	       p->client) ||
	    sh("ip -n %s route add default via " NETPAIR_GW " && ip -n %s route add 10.88.0.0/16 via 10.77.0.9",
	       p->ns, p->ns)) {
		check_fail(__FILE__, __LINE__, "cannot make the test's network namespaces");
		return -1;
	}
	char *mac = netns_sh(p->ns, "cat /sys/class/net/eth0/address");
	snprintf(p->mac, sizeof(p->mac), "%.17s", mac);
	free(mac);
	return 0;
}

void netpair_remove(struct netpair *p)
{
	CHECK_INT(sh("ip netns delete %s && ip netns delete %s", p->ns, p->client), 0);
}

char *netns_sh(const char *ns, const char *cmd)
{
	char *const argv[] = {"ip", "netns", "exec", (char *)ns, "sh", "-c", (char *)cmd, NULL};
	struct cmd_out o = run_capture(argv, NULL);
	char *out = xstrdup(o.out ? o.out : "");

	cmd_out_free(&o);
	return out;
}

struct bg bg_lupine_in(const char *ns, char *const args[])
{
	static int seq;
	char *argv[40] = {"ip", "netns", "exec", (char *)ns, (char *)lupine_bin()};
	int k = 5;
	struct bg b = {0};

	for (; args[k - 5] && k < 39; k++)
		argv[k] = args[k - 5];
	argv[k] = NULL;
	b.log = xasprintf("%s/bg-net-%d.log", test_tmpdir(), seq++);
	b.pid = fork();
	if (b.pid == 0) {
		int fd = open(b.log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp("ip", argv);
		_exit(127);
	}
	return b;
}

/* A TCP socket made in ns (its namespace is fixed when it is made), or -1. */
static int socket_in(const char *ns)
{
	char *path = xasprintf("/var/run/netns/%s", ns);
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), to = open(path, O_RDONLY | O_CLOEXEC), s = -1;

	if (self >= 0 && to >= 0 && setns(to, CLONE_NEWNET) == 0) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (setns(self, CLONE_NEWNET) < 0)
			check_fail(__FILE__, __LINE__, "cannot return to the test's network namespace");
	}
	if (self >= 0)
		close(self);
	if (to >= 0)
		close(to);
	free(path);
	return s;
}

int ns_connect(const char *ns, const char *ip, int port, double secs)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	double t0 = now_sec();

	inet_pton(AF_INET, ip, &a.sin_addr);
	while (now_sec() - t0 < secs) {
		int s = socket_in(ns);
		if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
			return s;
		if (s >= 0)
			close(s);
		usleep(200000);
	}
	return -1;
}

/* Reads to the end (or 60 s of silence); the bytes read, the first max kept in buf. */
static long long read_all(int s, char *buf, size_t max)
{
	static char chunk[65536];
	struct pollfd p = {.fd = s, .events = POLLIN};
	long long n = 0;
	ssize_t k;

	while (poll(&p, 1, 60000) == 1 && (k = read(s, chunk, sizeof(chunk))) > 0) {
		if ((size_t)n < max)
			memcpy(buf + n, chunk, (size_t)k < max - (size_t)n ? (size_t)k : max - (size_t)n);
		n += k;
	}
	return n;
}

long long probe_talk(const char *ns, const char *ip, int port, const char *line, long long up)
{
	static char chunk[65536];
	char reply[64] = {0};
	int s = ns_connect(ns, ip, port, 120);
	long long n = -1;

	if (s < 0)
		return -1;
	if (write_all(s, line, strlen(line)) == 0 && write_all(s, "\n", 1) == 0) {
		for (long long sent = 0; sent < up; sent += (long long)sizeof(chunk))
			if (write_all(s, chunk, up - sent < (long long)sizeof(chunk) ? (size_t)(up - sent) : sizeof(chunk)))
				break;
		shutdown(s, SHUT_WR);
		n = read_all(s, reply, sizeof(reply) - 1);
		if (up)
			n = strtoll(reply, NULL, 10);
	}
	close(s);
	return n;
}
