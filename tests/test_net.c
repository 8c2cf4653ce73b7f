/* test_net.c: the VM's NIC on the host (vm/net.h): --net parsed, the run
 * config's routes and MTU, and VMs on the container's interface taken over,
 * on a tap and on a bridge, reached from another namespace, with the
 * throughput of the tap path against user-mode NAT. Every network lives in
 * namespaces the tests make (netkit.c). */
#include "harness.h"
#include "bundle/runconfig.h"
#include "lib/util.h"
#include "vm/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PORT 7777

static void parse_ok(const char *spec, enum vm_net_mode mode, const char *name, const char *ip, const char *gw)
{
	struct vm_net_opts o;
	struct strbuf err = {0};

	CHECK_INT(vm_net_parse(spec, &o, &err), 0);
	CHECK_INT(o.mode, mode);
	CHECK(name ? o.name && !strcmp(o.name, name) : !o.name);
	CHECK(ip ? o.ip && !strcmp(o.ip, ip) : !o.ip);
	CHECK(gw ? o.gw && !strcmp(o.gw, gw) : !o.gw);
	vm_net_opts_release(&o);
	sb_release(&err);
}

static void parse_bad(const char *spec, const char *why)
{
	struct vm_net_opts o;
	struct strbuf err = {0};

	CHECK_INT(vm_net_parse(spec, &o, &err), -1);
	CHECK_CONTAINS(err.buf, why);
	CHECK(!strchr(err.buf ? err.buf : "", '\n'));
	CHECK(!o.name && !o.ip && !o.gw);
	sb_release(&err);
}

static void test_parse(void)
{
	parse_ok("user", VM_NET_USER, NULL, NULL, NULL);
	parse_ok("container", VM_NET_CONTAINER, NULL, NULL, NULL);
	parse_ok("tap:tap0", VM_NET_TAP, "tap0", NULL, NULL);
	parse_ok("tap:tap0,ip=10.1.2.3/24,gw=10.1.2.1", VM_NET_TAP, "tap0", "10.1.2.3/24", "10.1.2.1");
	parse_ok("bridge:br0,ip=10.1.2.3/16", VM_NET_BRIDGE, "br0", "10.1.2.3/16", NULL);
	parse_bad("nat", "expected user, container, tap:NAME or bridge:BRIDGE");
	parse_bad("tap", "expected tap:NAME");
	parse_bad("tap:", "expected tap:NAME");
	parse_bad("tap:a-name-far-too-long", "1-15 characters");
	parse_bad("tap:../x", "expected tap:NAME");
	parse_bad("tap:t0,ip=10.1.2.3", "not an IPv4 address with a prefix");
	parse_bad("tap:t0,ip=10.1.2.3/33", "not an IPv4 address with a prefix");
	parse_bad("tap:t0,gw=10.1.2", "not an IPv4 address");
	parse_bad("tap:t0,mac=x", "expected ip=A.B.C.D/N or gw=A.B.C.D");
	parse_bad("bridge:br0", "give the guest's address");
	parse_bad("user:x", "takes no");
}

static void test_nameserver(void)
{
	char *path = xasprintf("%s/resolv.conf", test_tmpdir());
	const char *text = "# a comment\nsearch example.org\nnameserver 127.0.0.53\nnameserver ::1\n"
			   "nameserver   192.0.2.7\nnameserver 192.0.2.8\n";
	char *ns;

	CHECK_INT(file_write_atomic(path, text, strlen(text), 0644), 0);
	ns = vm_net_nameserver(path);
	CHECK(ns && !strcmp(ns, "192.0.2.7"));
	free(ns);
	text = "nameserver 127.0.0.1\n";
	CHECK_INT(file_write_atomic(path, text, strlen(text), 0644), 0);
	CHECK(vm_net_nameserver(path) == NULL);
	CHECK(vm_net_nameserver("/nonexistent/resolv.conf") == NULL);
	free(path);
}

/* route and mtu in both forms of the run config */
static void test_run_config(void)
{
	struct run_config rc, back;
	struct strbuf err = {0};
	json_t *j;
	char *text;

	run_config_init(&rc);
	strlist_add(&rc.arg, "/bin/probe");
	strlist_add(&rc.routes, "169.254.1.1/32");
	strlist_add(&rc.routes, "10.88.0.0/16 via 10.77.0.9");
	rc.mtu = 1400;
	text = run_config_render(&rc);
	CHECK_CONTAINS(text, "route 169.254.1.1/32\nroute 10.88.0.0/16 via 10.77.0.9\n");
	CHECK_CONTAINS(text, "mtu 1400\n");
	free(text);
	j = run_config_to_json(&rc);
	run_config_init(&back);
	CHECK_INT(run_config_from_json(j, &back, &err), 0);
	CHECK_INT(back.routes.n, 2);
	CHECK_INT(back.mtu, 1400);
	json_decref(j);
	run_config_release(&back);
	rc.mtu = -1; /* not set: not written */
	text = run_config_render(&rc);
	CHECK_NOT_CONTAINS(text, "mtu");
	free(text);
	run_config_release(&rc);
	sb_release(&err);
}

/* --net errors are one line, before anything runs */
static void test_refused(void)
{
	const char *specs[][2] = {{"bogus", "expected user, container"}, {"bridge:br0", "give the guest's address"}};

	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		char *const args[] = {"run", "/nonexistent-bundle", "--net", (char *)specs[i][0], NULL};
		struct cmd_out o = run_lupine(args);
		CHECK_INT(o.status, 125);
		CHECK_CONTAINS(o.err, specs[i][1]);
		CHECK_INT((long long)(strchr(o.err, '\n') - o.err) + 1, (long long)strlen(o.err));
		cmd_out_free(&o);
	}
}

/* A probe bundle's serve mode in ns with extra run options; the run's log once it serves. */
static struct bg serve_in(const char *ns, const char *bundle, const char *opt1, const char *opt2)
{
	char *const args[] = {"run", (char *)bundle, "--timeout", "300", (char *)opt1, (char *)opt2, "--", "serve",
			      "7777", NULL};
	char *const bare[] = {"run", (char *)bundle, "--timeout", "300", "--", "serve", "7777", NULL};
	struct bg b = bg_lupine_in(ns, opt1 ? args : bare);

	CHECK(wait_log(&b, "probe: serving on", 180));
	return b;
}

/* Ends the probe ("quit") and checks the run's status is its 0. */
static void serve_end(struct bg *b, const char *ns, const char *ip, int port)
{
	CHECK_INT(probe_talk(ns, ip, port, "quit", 0), 0);
	CHECK_INT(wait_bg(b, 60), 0);
	if (getenv("LUPINE_TEST_VERBOSE")) {
		char *log = file_read(b->log, NULL);
		fprintf(stderr, "%s", log ? log : "");
		free(log);
	}
	free(b->log);
}

/* The container's veth taken over: the guest has its address, MAC, MTU and
 * routes, is reached from the other namespace, and the veth gets it all back. */
static void test_takeover(void)
{
	struct netpair p;
	char *bundle = probe_bundle("net-probe", "initramfs"), *log, *s;

	if (netpair_make(&p) < 0)
		goto out;
	struct bg b = serve_in(p.ns, bundle, "--net", "container");
	log = file_read(b.log, NULL);
	CHECK_CONTAINS(log, "probe: eth0 ip=" NETPAIR_IP);
	s = xasprintf("probe: eth0 mac=%s", p.mac);
	CHECK_CONTAINS(log, s);
	free(s);
	CHECK_CONTAINS(log, "probe: eth0 mtu=1400");
	/* /proc/net/route: default via 10.77.0.1, 10.88.0.0/16 via 10.77.0.9 (little-endian hex) */
	CHECK_CONTAINS(log, "eth0\t00000000\t01004D0A\t0003");
	CHECK_CONTAINS(log, "eth0\t0000580A\t09004D0A\t0003");
	free(log);
	/* the guest owns the address now; the veth only carries its frames */
	s = netns_sh(p.ns, "ip -4 addr show dev eth0; tc filter show dev eth0 ingress");
	CHECK_NOT_CONTAINS(s, "inet ");
	CHECK_CONTAINS(s, "mirred (Egress Redirect to device ltap");
	free(s);
	CHECK_INT(probe_talk(p.client, NETPAIR_IP, PORT, "down 1000", 0), 1000);
	CHECK_INT(probe_talk(p.client, NETPAIR_IP, PORT, "up", 3 << 20), 3 << 20);
	serve_end(&b, p.client, NETPAIR_IP, PORT);
	s = netns_sh(p.ns, "ip -4 addr show dev eth0; ip route; ip link; tc qdisc show dev eth0");
	CHECK_CONTAINS(s, "inet " NETPAIR_IP "/24");
	CHECK_CONTAINS(s, "default via " NETPAIR_GW " dev eth0");
	CHECK_CONTAINS(s, "10.88.0.0/16 via 10.77.0.9 dev eth0");
	CHECK_NOT_CONTAINS(s, "ltap");
	CHECK_NOT_CONTAINS(s, "ingress");
	free(s);
	netpair_remove(&p);
out:
	free(bundle);
}

/* --net tap:NAME: a tap lupine makes (gateway address on it, gone after),
 * then one the user made (used as it is, left after). */
static void test_tap(void)
{
	struct netpair p;
	char *bundle = probe_bundle("net-probe", "initramfs"), *log, *s;

	if (netpair_make(&p) < 0)
		goto out;
	struct bg b = serve_in(p.ns, bundle, "--net", "tap:ltest0");
	log = file_read(b.log, NULL);
	CHECK_CONTAINS(log, "probe: eth0 ip=172.16.0.2");
	CHECK_CONTAINS(log, "probe: eth0 mac=52:54:00:");
	CHECK_CONTAINS(log, "eth0\t00000000\t010010AC\t0003"); /* default via 172.16.0.1 */
	free(log);
	s = netns_sh(p.ns, "ip -4 addr show dev ltest0");
	CHECK_CONTAINS(s, "inet 172.16.0.1/30");
	free(s);
	CHECK_INT(probe_talk(p.ns, "172.16.0.2", PORT, "down 4096", 0), 4096);
	serve_end(&b, p.ns, "172.16.0.2", PORT);
	s = netns_sh(p.ns, "ip link");
	CHECK_NOT_CONTAINS(s, "ltest0");
	free(s);

	free(netns_sh(p.ns, "ip tuntap add dev utap0 mode tap && ip addr add 10.66.0.1/24 dev utap0 && "
			    "ip link set utap0 up"));
	b = serve_in(p.ns, bundle, "--net", "tap:utap0,ip=10.66.0.2/24");
	CHECK_INT(probe_talk(p.ns, "10.66.0.2", PORT, "down 4096", 0), 4096);
	serve_end(&b, p.ns, "10.66.0.2", PORT);
	s = netns_sh(p.ns, "ip -4 addr show dev utap0");
	CHECK_CONTAINS(s, "inet 10.66.0.1/24");
	free(s);
	netpair_remove(&p);
out:
	free(bundle);
}

/* --net bridge:BR: the guest on a bridge, reached from its other port. */
static void test_bridge(void)
{
	struct netpair p;
	char *bundle = probe_bundle("net-probe", "initramfs"), *s;

	if (netpair_make(&p) < 0)
		goto out;
	/* the container end's veth becomes a bridge port; the client reaches the guest through it */
	free(netns_sh(p.ns, "ip addr flush dev eth0 && ip link add br0 type bridge && ip link set eth0 master br0 && "
			    "ip link set br0 up"));
	struct bg b = serve_in(p.ns, bundle, "--net", "bridge:br0,ip=10.77.0.5/24,gw=" NETPAIR_GW);
	s = netns_sh(p.ns, "ip link show master br0");
	CHECK_CONTAINS(s, "ltap");
	free(s);
	CHECK_INT(probe_talk(p.client, "10.77.0.5", PORT, "down 4096", 0), 4096);
	serve_end(&b, p.client, "10.77.0.5", PORT);
	s = netns_sh(p.ns, "ip link");
	CHECK_NOT_CONTAINS(s, "ltap");
	free(s);
	netpair_remove(&p);
out:
	free(bundle);
}

/* --dry-run shows the NIC each --net makes and changes nothing; -p with a tap is refused */
static void test_dry_run(void)
{
	struct netpair p;
	char *bundle = probe_bundle("net-probe", "initramfs"), *s;

	char *const tap[] = {"run", bundle, "--net", "tap:tq0", "--dry-run", NULL};
	struct cmd_out o = run_lupine(tap);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "-netdev tap,id=n0,ifname=tq0,script=no,downscript=no,vhost=off ");
	CHECK_CONTAINS(o.out, "-device virtio-net-device,netdev=n0,mac=52:54:00:");
	cmd_out_free(&o);
	char *const fc[] = {"run", bundle, "--vmm", "firecracker", "--tap", "tq0", "--dry-run", NULL};
	o = run_lupine(fc);
	CHECK_CONTAINS(o.out, "\"host_dev_name\": \"tq0\"");
	cmd_out_free(&o);
	char *const ports[] = {"run", bundle, "--net", "tap:tq0", "-p", "7000:7000", NULL};
	o = run_lupine(ports);
	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "-p forwards ports through user-mode networking");
	cmd_out_free(&o);
	if (netpair_make(&p) < 0)
		goto out;
	char *const ctr[] = {"run", bundle, "--net", "container", "--dry-run", NULL};
	struct bg b = bg_lupine_in(p.ns, ctr);
	CHECK_INT(wait_bg(&b, 60), 0);
	s = file_read(b.log, NULL);
	CHECK_CONTAINS(s, "-device virtio-net-device,netdev=n0,mac=");
	CHECK_CONTAINS(s, p.mac);
	free(s);
	free(b.log);
	s = netns_sh(p.ns, "ip -4 addr show dev eth0; ip link; tc qdisc show dev eth0");
	CHECK_CONTAINS(s, "inet " NETPAIR_IP "/24");
	CHECK_NOT_CONTAINS(s, "ltap");
	CHECK_NOT_CONTAINS(s, "ingress");
	free(s);
	netpair_remove(&p);
out:
	free(bundle);
}

/* MB/s of n bytes each way, best of reps; 0 when a transfer came short. */
static void measure(const char *ns, const char *ip, int port, long long n, int reps, double mbs[2])
{
	char line[32];

	snprintf(line, sizeof(line), "down %lld", n);
	mbs[0] = mbs[1] = 0;
	for (int r = 0; r < reps; r++) {
		double t = now_sec(), d;
		long long got = probe_talk(ns, ip, port, line, 0);
		d = now_sec() - t;
		CHECK_INT(got, n);
		mbs[0] = got == n && n / d / 1e6 > mbs[0] ? n / d / 1e6 : mbs[0];
		t = now_sec();
		got = probe_talk(ns, ip, port, "up", n);
		d = now_sec() - t;
		CHECK_INT(got, n);
		mbs[1] = got == n && n / d / 1e6 > mbs[1] ? n / d / 1e6 : mbs[1];
	}
}

/* Bulk TCP both ways: the client namespace to the taken-over veth, against
 * user-mode NAT (a forwarded port on the namespace's 127.0.0.1). */
static void test_throughput(void)
{
	const long long n = 32 << 20;
	const int reps = 3;
	struct netpair p;
	char *bundle = probe_bundle("net-probe", "initramfs");
	double tap[2], user[2];

	if (netpair_make(&p) < 0)
		goto out;
	struct bg b = serve_in(p.ns, bundle, "--net", "container");
	measure(p.client, NETPAIR_IP, PORT, n, reps, tap);
	serve_end(&b, p.client, NETPAIR_IP, PORT);
	b = serve_in(p.ns, bundle, "-p", "7778:7777");
	measure(p.ns, "127.0.0.1", 7778, n, reps, user);
	serve_end(&b, p.ns, "127.0.0.1", 7778);
	fprintf(stderr, "  throughput, %lld MiB best of %d, guest->client / client->guest MB/s: tap %.1f / %.1f, "
			"user-mode %.1f / %.1f, tap/user %.2fx / %.2fx\n",
		n >> 20, reps, tap[0], tap[1], user[0], user[1], user[0] > 0 ? tap[0] / user[0] : 0,
		user[1] > 0 ? tap[1] / user[1] : 0);
	CHECK(tap[0] > 0 && tap[1] > 0 && user[0] > 0 && user[1] > 0);
	netpair_remove(&p);
out:
	free(bundle);
}

const struct test net_tests[] = {
	{"net/parse", test_parse, 0},
	{"net/nameserver", test_nameserver, 0},
	{"net/run-config", test_run_config, 0},
	{"net/refused", test_refused, 0},
	{"net/dry-run", test_dry_run, 1},
	{"net/takeover", test_takeover, 1},
	{"net/tap", test_tap, 1},
	{"net/bridge", test_bridge, 1},
	{"net/throughput", test_throughput, 1},
	{0, 0, 0},
};
