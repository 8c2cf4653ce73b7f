/* net.c: the VM's NIC on the host: --net parsed, taps opened, a bridge joined, released. */
#include "vm/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

/* A tap lupine makes for --net tap: the guest's end of a /30, the host's
 * end its gateway (as Firecracker's tap is set up by hand). */
#define TAP_GUEST_IP "172.16.0.2/30"
#define TAP_GUEST_GW "172.16.0.1"

/* An interface name the kernel takes: 1-15 bytes, no '/', ':' or space. */
static int name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < IFNAMSIZ && strcspn(s, "/: \t\n%,=") == n && strcmp(s, ".") && strcmp(s, "..");
}

/* "A.B.C.D/N" or, with cidr 0, "A.B.C.D". */
static int addr_ok(const char *s, int cidr)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	struct in_addr a;
	char *end;
	long prefix;

	if (!cidr || !slash)
		return !cidr && inet_pton(AF_INET, s, &a) == 1;
	if ((size_t)(slash - s) >= sizeof(buf))
		return 0;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	prefix = strtol(slash + 1, &end, 10);
	return inet_pton(AF_INET, buf, &a) == 1 && slash[1] >= '0' && slash[1] <= '9' && !*end && prefix <= 32;
}

/* The ",ip=...,gw=..." after tap:NAME or bridge:BR. */
static int parse_params(char *p, struct vm_net_opts *o, struct strbuf *err)
{
	for (char *kv; (kv = strsep(&p, ","));) {
		char **to = str_starts(kv, "ip=") ? &o->ip : str_starts(kv, "gw=") ? &o->gw : NULL;
		if (!to) {
			sb_addf(err, "'%s': expected ip=A.B.C.D/N or gw=A.B.C.D", kv);
			return -1;
		}
		if (!addr_ok(kv + 3, to == &o->ip)) {
			sb_addf(err, "'%s' is not an IPv4 %s", kv, to == &o->ip ? "address with a prefix (A.B.C.D/N)"
									 : "address");
			return -1;
		}
		free(*to);
		*to = xstrdup(kv + 3);
	}
	return 0;
}

int vm_net_parse(const char *spec, struct vm_net_opts *o, struct strbuf *err)
{
	char *s = xstrdup(spec), *name = strchr(s, ':'), *params = NULL;
	int ret = -1;

	memset(o, 0, sizeof(*o));
	if (name) {
		*name++ = 0;
		if ((params = strchr(name, ',')))
			*params++ = 0;
	}
	if (!strcmp(s, "user") || !strcmp(s, "container")) {
		o->mode = !strcmp(s, "user") ? VM_NET_USER : VM_NET_CONTAINER;
		ret = name ? (sb_addf(err, "--net %s takes no ':...'", s), -1) : 0;
	} else if (strcmp(s, "tap") && strcmp(s, "bridge")) {
		sb_addf(err, "--net '%s': expected user, container, tap:NAME or bridge:BRIDGE", spec);
	} else if (!name || !name_ok(name)) {
		sb_addf(err, "--net '%s': expected %s:NAME, NAME an interface name (1-15 characters)", spec, s);
	} else if (params && parse_params(params, o, err) < 0) {
		sb_addf(err, " in --net '%s'", spec);
	} else {
		o->mode = !strcmp(s, "tap") ? VM_NET_TAP : VM_NET_BRIDGE;
		o->name = xstrdup(name);
		ret = 0;
	}
	if (ret == 0 && o->mode == VM_NET_BRIDGE && !o->ip) {
		sb_addf(err, "--net '%s': give the guest's address on the bridge's network: %s,ip=A.B.C.D/N[,gw=A.B.C.D]",
			spec, s);
		ret = -1;
	}
	free(s);
	if (ret < 0)
		vm_net_opts_release(o);
	return ret;
}

void vm_net_opts_release(struct vm_net_opts *o)
{
	free(o->name);
	free(o->ip);
	free(o->gw);
	memset(o, 0, sizeof(*o));
}

int vm_net_cmd(char *const argv[], const char *what, struct strbuf *err)
{
	struct strbuf out = {0};
	int st = proc_capture(argv, 4096, &out);

	if (st != 0) {
		sb_addf(err, "cannot %s: '%s", what, argv[0]);
		for (int i = 1; argv[i]; i++)
			sb_addf(err, " %s", argv[i]);
		sb_addf(err, "' %s %.*s", st < 0 ? "could not run (is iproute2 installed?)" : "says:",
			(int)strcspn(out.buf ? out.buf : "", "\n"), out.buf ? out.buf : "");
	}
	sb_release(&out);
	return st == 0 ? 0 : -1;
}

int vm_net_tap_open(const char *name, unsigned flags, struct vm_net *n, struct strbuf *err)
{
	/* vnet headers: QEMU hands the guest's offloads (TSO, checksums) through */
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | (flags & VM_NET_PLAIN ? 0 : IFF_VNET_HDR)};
	int existed = !strchr(name, '%') && if_nametoindex(name) != 0;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		sb_addf(err, "cannot open /dev/net/tun for a tap: %s%s", strerror(errno),
			errno == ENOENT ? " (a kernel without CONFIG_TUN?)"
			: errno == EACCES || errno == EPERM ? "; a tap needs root (CAP_NET_ADMIN): "
							      "the default --net user needs none" : "");
		return -1;
	}
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		sb_addf(err, "cannot open the tap '%s': %s%s", name, strerror(errno),
			errno == EBUSY ? " (another process holds it: a VM running on it?)"
			: errno == EINVAL ? " (is it a tap? an interface of another kind has that name)" : "");
		close(fd);
		return -1;
	}
	n->tap = xstrdup(ifr.ifr_name);
	n->tap_fd = fd;
	if (flags & VM_NET_BY_NAME) {
		/* the VMM opens it itself; a tap the user made stays theirs */
		if (!existed && ioctl(fd, TUNSETPERSIST, 1) == 0)
			n->tap_made = 1;
		close(fd);
		n->tap_fd = -1;
	}
	return 0;
}

/* A random locally administered MAC, so that VMs on one bridge differ. */
static void random_mac(char mac[18])
{
	unsigned char b[3] = {0};

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		b[0] = (unsigned char)getpid(), b[1] = (unsigned char)(getpid() >> 8);
	snprintf(mac, 18, "52:54:00:%02x:%02x:%02x", b[0], b[1], b[2]);
}

/* --net tap:NAME: a tap the user made is used as it is; one made here gets
 * the gateway's address (with the guest's prefix) and goes with the VM. */
static int tap_setup(const struct vm_net_opts *o, unsigned flags, struct vm_net *n, struct strbuf *err)
{
	int made = if_nametoindex(o->name) == 0;

	n->ip = xstrdup(o->ip ? o->ip : TAP_GUEST_IP);
	n->gw = o->gw ? xstrdup(o->gw) : o->ip ? NULL : xstrdup(TAP_GUEST_GW);
	if (flags & VM_NET_DRY) {
		n->tap = xstrdup(o->name);
		return 0;
	}
	if (vm_net_tap_open(o->name, flags, n, err) < 0)
		return -1;
	char *addr = n->gw ? xasprintf("%s%s", n->gw, strchr(n->ip, '/')) : NULL;
	char *const add[] = {"ip", "addr", "add", addr, "dev", n->tap, NULL};
	char *const up[] = {"ip", "link", "set", n->tap, "up", NULL};
	int ret = (made && addr && vm_net_cmd(add, "give the tap the gateway's address", err) < 0) ||
			  vm_net_cmd(up, "bring the tap up", err) < 0
		      ? -1
		      : 0;
	free(addr);
	return ret;
}

static int bridge_setup(const struct vm_net_opts *o, unsigned flags, struct vm_net *n, struct strbuf *err)
{
	n->ip = xstrdup(o->ip);
	n->gw = o->gw ? xstrdup(o->gw) : NULL;
	if (if_nametoindex(o->name) == 0) {
		sb_addf(err, "--net bridge:%s: no such interface in this network namespace (make it with 'ip link "
			     "add %s type bridge')",
			o->name, o->name);
		return -1;
	}
	if (flags & VM_NET_DRY) {
		n->tap = xstrdup("ltap0");
		return 0;
	}
	if (vm_net_tap_open("ltap%d", flags, n, err) < 0)
		return -1;
	char *const join[] = {"ip", "link", "set", n->tap, "master", o->name, "up", NULL};
	return vm_net_cmd(join, "join the tap to the bridge", err);
}

int vm_net_setup(const struct vm_net_opts *o, unsigned flags, struct vm_net *n, struct strbuf *err)
{
	int ret = 0;

	memset(n, 0, sizeof(*n));
	n->tap_fd = -1;
	n->mode = o->mode;
	if (o->mode == VM_NET_USER)
		return 0;
	if (o->mode == VM_NET_CONTAINER)
		ret = vm_net_takeover(o, flags, n, err);
	else
		ret = o->mode == VM_NET_TAP ? tap_setup(o, flags, n, err) : bridge_setup(o, flags, n, err);
	if (ret == 0 && n->mode != VM_NET_USER) {
		if (!n->mac[0])
			random_mac(n->mac);
		n->dns = vm_net_nameserver(o->resolv ? o->resolv : "/etc/resolv.conf");
	}
	if (ret < 0)
		vm_net_release(n);
	return ret;
}

void vm_net_release(struct vm_net *n)
{
	if (n->iface)
		vm_net_giveback(n);
	if (n->tap_fd > 2)
		close(n->tap_fd);
	if (n->tap_made) {
		char *const del[] = {"ip", "link", "del", n->tap, NULL};
		struct strbuf err = {0};
		if (vm_net_cmd(del, "remove the tap lupine made", &err) < 0)
			warning("%s", err.buf);
		sb_release(&err);
	}
	free(n->tap);
	free(n->ip);
	free(n->gw);
	free(n->dns);
	free(n->iface);
	free(n->iface_ip);
	strlist_release(&n->routes);
	strlist_release(&n->iface_routes);
	memset(n, 0, sizeof(*n));
	n->tap_fd = -1;
}

char *vm_net_nameserver(const char *path)
{
	char *text = file_read(path, NULL), *next = text, *line, *ns = NULL;
	struct in_addr a;

	while (!ns && next && (line = strsep(&next, "\n"))) {
		char word[16], addr[64];
		/* a loopback resolver (systemd-resolved, dnsmasq) is the host's, not the guest's */
		if (sscanf(line, " %15s %63s", word, addr) == 2 && !strcmp(word, "nameserver") &&
		    inet_pton(AF_INET, addr, &a) == 1 && (ntohl(a.s_addr) >> 24) != 127)
			ns = xstrdup(addr);
	}
	free(text);
	return ns;
}
