/* netns.c: the container's interface taken over by the VM (Kata's tc redirect):
 * read with `ip -j`, joined to a tap with tc, given back after the run. */
#include "vm/net.h"

#include <jansson.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* `ip -j ARGS...` as JSON, or NULL with err. */
static json_t *ip_json(char *const argv[], struct strbuf *err)
{
	struct strbuf out = {0};
	json_error_t je;
	json_t *j = NULL;
	int st = proc_capture(argv, 1 << 22, &out);

	if (st == 0)
		j = json_loads(out.buf ? out.buf : "", 0, &je);
	if (!json_is_array(j)) {
		sb_addf(err, "cannot read this network namespace: '%s %s %s %s' %s", argv[0], argv[1], argv[2], argv[3],
			st < 0 ? "could not run (is iproute2 installed?)" : st ? "failed" : "gave no JSON array");
		json_decref(j);
		j = NULL;
	}
	sb_release(&out);
	return j;
}

/* An interface's IPv4 "A.B.C.D/N" (the first), or NULL. */
static char *ipv4_of(json_t *link)
{
	size_t i;
	json_t *a;

	json_array_foreach(json_object_get(link, "addr_info"), i, a) {
		const char *fam = json_string_value(json_object_get(a, "family"));
		const char *local = json_string_value(json_object_get(a, "local"));
		json_t *prefix = json_object_get(a, "prefixlen");
		if (fam && !strcmp(fam, "inet") && local && json_is_integer(prefix))
			return xasprintf("%s/%d", local, (int)json_integer_value(prefix));
	}
	return NULL;
}

/* Whether link is an Ethernet interface a container is given (veth,
 * macvlan, ipvlan, a physical one), not a tap or a bridge. */
static int takeable(json_t *link)
{
	const char *type = json_string_value(json_object_get(link, "link_type"));
	const char *kind = json_string_value(json_object_get(json_object_get(link, "linkinfo"), "info_kind"));

	return type && !strcmp(type, "ether") && !(kind && (!strcmp(kind, "tun") || !strcmp(kind, "bridge")));
}

/* The interface to take over: the one such interface with an IPv4
 * address, or of several the one the default route leaves by. */
static json_t *pick(json_t *links, const char *default_dev)
{
	json_t *link, *found = NULL;
	size_t i, n = 0;

	json_array_foreach(links, i, link) {
		const char *name = json_string_value(json_object_get(link, "ifname"));
		char *ip = ipv4_of(link);
		if (takeable(link) && name && ip) {
			n++;
			if (!found || (default_dev && !strcmp(name, default_dev)))
				found = link;
		}
		free(ip);
	}
	if (n > 1)
		note("the VM takes over '%s' only: a Lupine VM has one NIC, and this network namespace has %zu "
		     "interfaces with an address",
		     json_string_value(json_object_get(found, "ifname")), n);
	return found;
}

/* The route's destination as "A.B.C.D/N". */
static char *route_dst(const char *dst)
{
	return strchr(dst, '/') ? xstrdup(dst) : xasprintf("%s/32", dst);
}

/* The main table's IPv4 routes out of the interface: the default one becomes
 * n->gw, the others n->routes, except the subnet route its address implies. */
static int read_routes(struct vm_net *n, struct strbuf *err)
{
	char *const argv[] = {"ip", "-j", "-4", "route", "show", "table", "main", "dev", n->iface, NULL};
	json_t *routes = ip_json(argv, err), *r;
	size_t i;

	if (!routes)
		return -1;
	json_array_foreach(routes, i, r) {
		const char *dst = json_string_value(json_object_get(r, "dst"));
		const char *via = json_string_value(json_object_get(r, "gateway"));
		const char *proto = json_string_value(json_object_get(r, "protocol"));
		const char *type = json_string_value(json_object_get(r, "type"));
		if (!dst || (type && strcmp(type, "unicast")) || (proto && !strcmp(proto, "kernel") && !via))
			continue;
		if (!strcmp(dst, "default")) {
			if (via && !n->gw)
				n->gw = xstrdup(via);
			continue;
		}
		char *d = route_dst(dst), *line = via ? xasprintf("%s via %s", d, via) : xstrdup(d);
		strlist_add(&n->routes, line);
		free(line);
		free(d);
	}
	json_decref(routes);
	return 0;
}

/* The device of the default route, or NULL (none, or unreadable: probe's
 * next read says why). */
static char *default_dev(void)
{
	char *const argv[] = {"ip", "-j", "-4", "route", "show", "default", NULL};
	struct strbuf ignored = {0};
	json_t *routes = ip_json(argv, &ignored);
	const char *dev = json_string_value(json_object_get(json_array_get(routes, 0), "dev"));
	char *d = dev ? xstrdup(dev) : NULL;

	json_decref(routes);
	sb_release(&ignored);
	return d;
}

/* Reads the interface to take over into n: name, address, MAC, MTU,
 * routes. 0 (n->iface NULL when there is none), or -1 with err. */
static int probe(struct vm_net *n, struct strbuf *err)
{
	char *const argv[] = {"ip", "-j", "-d", "addr", "show", NULL};
	char *dev = default_dev();
	json_t *links = ip_json(argv, err), *link;
	const char *mac;
	int ret = -1;

	if (!links)
		goto out;
	if (!(link = pick(links, dev))) {
		ret = 0;
		goto out;
	}
	n->iface = xstrdup(json_string_value(json_object_get(link, "ifname")));
	n->ip = ipv4_of(link);
	if ((mac = json_string_value(json_object_get(link, "address"))) && strlen(mac) == 17)
		memcpy(n->mac, mac, 18);
	n->mtu = (int)json_integer_value(json_object_get(link, "mtu"));
	ret = read_routes(n, err);
out:
	json_decref(links);
	free(dev);
	return ret;
}

/* tc: every frame arriving on from leaves by to (Kata's "tcfilter" model;
 * u32 matching everything, as this host's kernel may lack cls_matchall). */
static int redirect(const char *from, const char *to, struct strbuf *err)
{
	char *const qdisc[] = {"tc", "qdisc", "add", "dev", (char *)from, "ingress", NULL};
	char *const filter[] = {"tc",    "filter", "add",    "dev",    (char *)from, "parent",   "ffff:",
				"protocol", "all",  "u32",    "match",  "u8",         "0",        "0",
				"action", "mirred", "egress", "redirect", "dev",     (char *)to, NULL};

	return vm_net_cmd(qdisc, "add an ingress qdisc (a kernel without CONFIG_NET_SCH_INGRESS?)", err) < 0 ||
			       vm_net_cmd(filter, "redirect with tc (CONFIG_NET_CLS_U32, CONFIG_NET_ACT_MIRRED?)", err) < 0
		       ? -1
		       : 0;
}

static void unredirect(const char *dev)
{
	char *const del[] = {"tc", "qdisc", "del", "dev", (char *)dev, "ingress", NULL};
	struct strbuf ignored = {0};

	vm_net_cmd(del, "", &ignored);
	sb_release(&ignored);
}

/* The tap beside the interface, the redirects both ways, and the address
 * moved to the guest; on failure everything is undone. */
static int join(struct vm_net *n, unsigned flags, struct strbuf *err)
{
	char mtu[16];
	char *up[] = {"ip", "link", "set", NULL, "mtu", mtu, "up", NULL};
	char *const flush[] = {"ip", "-4", "addr", "flush", "dev", n->iface, NULL};

	snprintf(mtu, sizeof(mtu), "%d", n->mtu > 0 ? n->mtu : 1500);
	if (vm_net_tap_open("ltap%d", flags, n, err) < 0)
		return -1;
	up[3] = n->tap;
	unredirect(n->iface); /* what a run killed before it gave the interface back left */
	if (vm_net_cmd(up, "bring the tap up", err) < 0 || redirect(n->iface, n->tap, err) < 0 ||
	    redirect(n->tap, n->iface, err) < 0 || vm_net_cmd(flush, "take the address off the interface", err) < 0) {
		unredirect(n->iface);
		return -1;
	}
	return 0;
}

/* Whether this is the machine's own network namespace: its interface must
 * never be taken, the machine would lose its network while the VM runs.
 * Linux 6.x gives the initial namespace a fixed number; else it is
 * kthreadd's (pid 2 outside a PID namespace). */
static int host_netns(void)
{
	struct stat self, init;
	char *comm = file_read("/proc/2/comm", NULL);
	int kthreadd = comm && !strcmp(comm, "kthreadd\n"), host;

	free(comm);
	if (stat("/proc/self/ns/net", &self) < 0)
		return 0;
	host = self.st_ino == 0xEFFFFFF9U || (kthreadd && stat("/proc/2/ns/net", &init) == 0 &&
					      self.st_ino == init.st_ino && self.st_dev == init.st_dev);
	return host;
}

int vm_net_takeover(const struct vm_net_opts *o, unsigned flags, struct vm_net *n, struct strbuf *err)
{
	(void)o;
	if (!(flags & VM_NET_DRY) && host_netns()) {
		sb_adds(err, "--net container takes over the network namespace's interface, and this is the "
			     "machine's own: run it in a container's (ip netns exec NAME lupine run ...)");
		return -1;
	}
	if (probe(n, err) < 0)
		return -1;
	if (!n->iface) {
		n->mode = VM_NET_USER; /* nothing to take over: --network none */
		return 0;
	}
	n->iface_ip = xstrdup(n->ip);
	for (size_t i = 0; i < n->routes.n; i++)
		strlist_add(&n->iface_routes, n->routes.v[i]);
	if (n->gw) {
		char *d = xasprintf("default via %s", n->gw);
		strlist_add(&n->iface_routes, d);
		free(d);
	}
	if (flags & VM_NET_DRY) {
		n->tap = xstrdup("ltap0");
		free(n->iface); /* nothing to give back */
		n->iface = NULL;
		return 0;
	}
	if (join(n, flags, err) < 0) {
		free(n->iface);
		n->iface = NULL;
		return -1;
	}
	return 0;
}

/* Runs "ip route add ROUTE dev IFACE", ROUTE being "DST [via GW]" split in words. */
static void route_back(const char *iface, const char *route)
{
	char *words = xstrdup(route), *argv[12] = {"ip", "route", "add"}, *next = words, *w;
	struct strbuf err = {0};
	int k = 3;

	while (k < 9 && (w = strsep(&next, " ")))
		argv[k++] = w;
	argv[k++] = "dev";
	argv[k++] = (char *)iface;
	argv[k] = NULL;
	if (vm_net_cmd(argv, "give the interface its route back", &err) < 0)
		warning("%s", err.buf);
	sb_release(&err);
	free(words);
}

void vm_net_giveback(struct vm_net *n)
{
	char *const add[] = {"ip", "addr", "add", n->iface_ip, "dev", n->iface, NULL};
	struct strbuf err = {0};

	unredirect(n->iface);
	if (vm_net_cmd(add, "give the interface its address back", &err) < 0)
		warning("%s", err.buf);
	/* link routes first: a gateway may be reachable only through one */
	for (int via = 0; via < 2; via++)
		for (size_t i = 0; i < n->iface_routes.n; i++)
			if (!!strstr(n->iface_routes.v[i], " via ") == via)
				route_back(n->iface, n->iface_routes.v[i]);
	sb_release(&err);
}
