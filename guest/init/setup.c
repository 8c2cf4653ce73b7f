/* setup.c: the VM around the application: a root disk, lo and eth0, names, entropy. */
#include "init.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RNDADDENTROPY _IOW('R', 0x03, int[2]) /* <linux/random.h>, which musl lacks */
static int root_mount_fail(int err)
{
	char fs[32];
	size_t i;

	for (i = 0; run.root_fs[i] && i + 1 < sizeof(fs); i++)
		fs[i] = (char)toupper((unsigned char)run.root_fs[i]);
	fs[i] = '\0';
	if (err == ENODEV)
		return fail("cannot mount '%s' on /newroot: no %s (kernel without CONFIG_%s_FS?)", run.root_dev,
			    run.root_fs, fs);
	if (err == ENOENT || err == ENXIO)
		return fail("cannot mount '%s' on /newroot: %s (no disk, or kernel without CONFIG_VIRTIO_BLK?)",
			    run.root_dev, strerror(err));
	return fail("cannot mount '%s' (%s) on /newroot: %s", run.root_dev, run.root_fs, strerror(err));
}

int root_switch(void)
{
	if (!run.root_dev)
		return 0;
	if (mkdir("/newroot", 0755) < 0 && errno != EEXIST)
		return fail("cannot create '/newroot': %s", strerror(errno));
	if (mount(run.root_dev, "/newroot", run.root_fs, run.root_ro ? MS_RDONLY : 0, NULL) < 0 &&
	    /* a journal left dirty by a crash cannot be replayed on a read-only disk */
	    !(run.root_ro && errno == EROFS &&
	      mount(run.root_dev, "/newroot", run.root_fs, MS_RDONLY, "noload") == 0))
		return root_mount_fail(errno);
	/* The initramfs cannot be pivot_root()ed away: mount the new root over it. */
	if (chdir("/newroot") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return fail("cannot switch to the root on '%s': %s", run.root_dev, strerror(errno));
	mount_basics();
	return 0;
}

/* Give interface NAME the address ADDR/MASK and bring it up. */
static int if_up(int s, const char *name, struct in_addr addr, struct in_addr mask)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = addr };

	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		return -1;
	sin.sin_addr = mask;
	memcpy(&ifr.ifr_netmask, &sin, sizeof(sin));
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

/* A route to dst/mask via gw, or on eth0's link when gw is NULL. */
static int route_add(int s, struct in_addr dst, struct in_addr mask, const struct in_addr *gw)
{
	char dev[] = "eth0";
	struct rtentry rt = { .rt_flags = RTF_UP | (gw ? RTF_GATEWAY : 0), .rt_dev = gw ? NULL : dev };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = dst };
	struct sockaddr_in m = { .sin_family = AF_INET, .sin_addr = mask };
	struct sockaddr_in via = { .sin_family = AF_INET, .sin_addr = gw ? *gw : (struct in_addr){ 0 } };

	if (mask.s_addr == 0xffffffffU)
		rt.rt_flags |= RTF_HOST;
	memcpy(&rt.rt_dst, &to, sizeof(to));
	memcpy(&rt.rt_genmask, &m, sizeof(m));
	memcpy(&rt.rt_gateway, &via, sizeof(via));
	return ioctl(s, SIOCADDRT, &rt);
}

static int if_mtu(int s, const char *name, long mtu)
{
	struct ifreq ifr = { .ifr_mtu = (int)mtu };

	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	return ioctl(s, SIOCSIFMTU, &ifr);
}

/* eth0's routes: the link ones first, so a gateway outside eth0's subnet
 * (a /32 pod address, as some CNI plugins give) is reachable when its
 * routes and the default one are added. */
static void routes_init(int s)
{
	static const struct in_addr any = { 0 };

	for (int link = 1; link >= 0; link--)
		for (int i = 0; i < run.nroutes; i++) {
			const struct run_route *r = &run.routes[i];
			char dst[INET_ADDRSTRLEN];
			if (r->has_gw == link || route_add(s, r->dst, r->mask, r->has_gw ? &r->gw : NULL) == 0)
				continue;
			inet_ntop(AF_INET, &r->dst, dst, sizeof(dst));
			say("cannot add a route to %s: %s", dst, strerror(errno));
		}
	if (run.has_gw && route_add(s, any, any, &run.gw) < 0)
		say("cannot add a default route via %s: %s", inet_ntoa(run.gw), strerror(errno));
}

int net_readdress(const unsigned char mac[6], struct in_addr ip, struct in_addr mask, const struct in_addr *gw)
{
	static const struct in_addr any = {0};
	struct ifreq ifr = {.ifr_hwaddr = {.sa_family = ARPHRD_ETHER}};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -1;

	strncpy(ifr.ifr_name, "eth0", IFNAMSIZ - 1);
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	/* a new address drops the old one's routes; the default one comes back via gw */
	if (s >= 0 && ioctl(s, SIOCSIFHWADDR, &ifr) == 0 && if_up(s, "eth0", ip, mask) == 0 &&
	    (!gw || route_add(s, any, any, gw) == 0))
		ret = 0;
	if (ret < 0)
		say("cannot give the restored VM's eth0 its new MAC and address: %s", strerror(errno));
	if (s >= 0)
		close(s);
	return ret;
}

void net_init(void)
{
	struct in_addr lo = { htonl(INADDR_LOOPBACK) }, lo_mask = { htonl(0xff000000U) };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0) {
		if (run.has_ip)
			say("no IPv4 networking: %s (kernel without CONFIG_NET or CONFIG_INET?)", strerror(errno));
		return;
	}
	if (if_up(s, "lo", lo, lo_mask) < 0)
		say("cannot bring up lo: %s", strerror(errno));
	if (run.has_ip && run.mtu && if_mtu(s, "eth0", run.mtu) < 0 && errno != ENODEV)
		say("cannot set eth0's MTU to %ld: %s", run.mtu, strerror(errno));
	if (run.has_ip && if_up(s, "eth0", run.ip, run.mask) < 0) {
		if (errno == ENODEV)
			say("no eth0 (kernel without CONFIG_VIRTIO_NET?)");
		else
			say("cannot bring up eth0: %s", strerror(errno));
	} else if (run.has_ip) {
		routes_init(s);
	}
	close(s);
}

/* Whether /etc/hosts text names host (a whole word after the address). */
static int hosts_has(const char *text, const char *host)
{
	size_t n = strlen(host);

	for (const char *p = strstr(text, host); p; p = strstr(p + 1, host))
		if (p > text && (p[-1] == ' ' || p[-1] == '\t') && (!p[n] || strchr(" \t\r\n#", p[n])))
			return 1;
	return 0;
}

/* The hostname resolves, as Docker's /etc/hosts makes it (apache, mariadb and
 * Erlang look their own name up): add 127.0.1.1 NAME when the image lacks it. */
static void hosts_add(const char *host)
{
	char text[16384], line[128];
	int fd = open("/etc/hosts", O_RDWR | O_APPEND | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return; /* none, or a read-only root: the application chose */
	n = read(fd, text, sizeof(text) - 1);
	text[n > 0 ? n : 0] = 0;
	if (n >= 0 && !hosts_has(text, host)) {
		int k = snprintf(line, sizeof(line), "%s127.0.1.1\t%s\n", n > 0 && text[n - 1] != '\n' ? "\n" : "", host);
		if (write(fd, line, (size_t)k) != k)
			say("cannot add %s to /etc/hosts: %s", host, strerror(errno));
	}
	close(fd);
}

void names_init(void)
{
	char line[64];
	int fd;

	if (run.hostname && sethostname(run.hostname, strlen(run.hostname)) < 0)
		say("cannot set the hostname to '%s': %s", run.hostname, strerror(errno));
	if (run.hostname)
		hosts_add(run.hostname);
	/* No /etc, or a read-only one: the application chose to live without. */
	if (!run.dns || (fd = open("/etc/resolv.conf", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return;
	write(fd, line, (size_t)snprintf(line, sizeof(line), "nameserver %s\n", run.dns));
	close(fd);
}

/* Seed and credit the entropy pool so that getrandom() does not block.
 * Trade-off: TSC jitter, clocks and ASLR addresses hold far fewer than the
 * 256 bits we credit, but a single-purpose VM stuck at start-up waiting for
 * entropy is worse. Strong early keys want virtio-rng (CONFIG_HW_RANDOM_VIRTIO). */
void entropy_seed(void)
{
	struct { /* struct rand_pool_info with a fixed-size buffer */
		int entropy_count, buf_size;
		uint32_t buf[16];
	} pool = { 256, sizeof(pool.buf), { 0 } };
	struct timespec ts;
	uint32_t lo, hi;
	int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);

	if (fd < 0 && (fd = open("/dev/random", O_WRONLY | O_CLOEXEC)) < 0)
		return;
	for (unsigned i = 0; i < 16; i++) {
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		clock_gettime(i & 1 ? CLOCK_REALTIME : CLOCK_BOOTTIME, &ts);
		pool.buf[i] = lo ^ hi << 7 ^ (uint32_t)ts.tv_nsec ^ (uint32_t)(uintptr_t)&ts;
	}
	ioctl(fd, RNDADDENTROPY, &pool);
	close(fd);
}
