/* port.c: forwarded TCP ports: "[IP:]HOSTPORT:GUESTPORT", and whether the host side is free. */
#include "vm/vmm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A port number, 1-65535, and nothing else. */
static int port_number(const char *s, int *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

int vm_port_parse(const char *spec, struct vm_port *p, struct strbuf *err)
{
	char *copy = xstrdup(spec), *last = strrchr(copy, ':'), *mid;
	struct in_addr a;
	int ret = -1;

	memset(p, 0, sizeof(*p));
	if (!last)
		goto out;
	*last = 0;
	mid = strrchr(copy, ':');
	if (mid) {
		*mid = 0;
		if (inet_pton(AF_INET, copy, &a) != 1) {
			sb_addf(err, "-p '%s': '%s' is not an IPv4 address", spec, copy);
			free(copy);
			return -1;
		}
		p->host_ip = xstrdup(copy);
	}
	if (port_number(mid ? mid + 1 : copy, &p->host_port) == 0 && port_number(last + 1, &p->guest_port) == 0)
		ret = 0;
out:
	if (ret < 0) {
		sb_addf(err, "-p '%s': expected [IP:]HOSTPORT:GUESTPORT with ports 1-65535, e.g. -p 8080:80", spec);
		vm_port_release(p);
	}
	free(copy);
	return ret;
}

int vm_port_check_free(const struct vm_port *p, struct strbuf *err)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p->host_port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, ret = 0;

	inet_pton(AF_INET, p->host_ip ? p->host_ip : "127.0.0.1", &a.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		sb_addf(err, "host port %d is not available (%s); choose another with -p", p->host_port,
			strerror(errno));
		ret = -1;
	}
	close(fd);
	return ret;
}

void vm_port_release(struct vm_port *p)
{
	free(p->host_ip);
	memset(p, 0, sizeof(*p));
}

int vm_port_unused(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}
