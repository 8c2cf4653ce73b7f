/* net.h: the host side of the VM's NIC, in the network namespace lupine runs in.
 *
 * user       QEMU's user-mode NAT, ports forwarded with -p (the default: no
 *            privilege needed)
 * tap:NAME   the tap NAME: one the user made (left as it is), or one made
 *            here, given the guest's gateway address, gone after the run
 * bridge:BR  a tap made here and joined to the bridge BR
 * container  the namespace's own interface (the veth Docker or a CNI plugin
 *            put there) taken over as Kata does: a tap beside it, tc
 *            mirred redirects every frame between the two both ways, the
 *            guest gets the interface's MAC, IPv4 address, routes and MTU,
 *            and the interface gives its address up while the VM runs (its
 *            stack would never see a frame anyway: the redirect takes them
 *            all). A namespace with no such interface (docker --network
 *            none) falls back to user mode, which there reaches nothing but
 *            the namespace's own loopback.
 *
 * Everything is done with iproute2's ip and tc (lib/proc.h), and the tap is
 * opened on /dev/net/tun: QEMU gets that descriptor, so a tap made here
 * disappears with the VM whatever ends it. Firecracker opens taps by name:
 * for it a made tap is persistent and vm_net_release deletes it. */
#ifndef LUPINE_VM_NET_H
#define LUPINE_VM_NET_H

#include "lib/util.h"

enum vm_net_mode { VM_NET_USER, VM_NET_TAP, VM_NET_BRIDGE, VM_NET_CONTAINER };

/* What the run asks for (run --net, lupine-runc's container). */
struct vm_net_opts {
	enum vm_net_mode mode;
	char *name;          /* tap: the tap; bridge: the bridge */
	char *ip, *gw;       /* tap, bridge: the guest's "A.B.C.D/N" and gateway (NULL: the default) */
	const char *resolv;  /* the nameserver's resolv.conf (NULL: /etc/resolv.conf) */
};

/* Parses "user", "container", "tap:NAME[,ip=A.B.C.D/N][,gw=A.B.C.D]" or
 * "bridge:BR,ip=A.B.C.D/N[,gw=A.B.C.D]" into o (zeroed first). 0, or -1
 * with err naming the problem. Release with vm_net_opts_release. */
int vm_net_parse(const char *spec, struct vm_net_opts *o, struct strbuf *err);
void vm_net_opts_release(struct vm_net_opts *o);

/* What a setup made: the NIC the VMM gets and the guest's addressing. */
struct vm_net {
	enum vm_net_mode mode; /* as asked, but VM_NET_USER when container found no interface */
	int tap_fd;            /* > 2: the tap, open (QEMU gets this descriptor); else none */
	char *tap;             /* the tap's name */
	int tap_made;          /* a persistent tap made here: vm_net_release deletes it */
	char mac[18];          /* the guest NIC's MAC ("" for user mode) */
	char *ip, *gw, *dns;   /* the guest's address "A.B.C.D/N", default gateway, nameserver */
	struct strlist routes; /* its other routes, "A.B.C.D/N [via GW]" */
	int mtu;               /* 0: the NIC's default */
	/* container: the interface taken over and what it had, given back by vm_net_release */
	char *iface, *iface_ip;
	struct strlist iface_routes;
};

enum {
	VM_NET_BY_NAME = 1, /* the VMM opens the tap by name (Firecracker): make it persistent */
	VM_NET_DRY = 2,     /* change nothing (run --dry-run): only read what is there */
	VM_NET_PLAIN = 4,   /* a tap without virtio-net headers: a restored NIC was saved without them */
};

/* Sets up the host side of o in the current network namespace (flags:
 * VM_NET_*). 0 with n filled, or -1 with a one-line err and nothing left
 * changed. Then vm_net_release(n) once the VM has ended. */
int vm_net_setup(const struct vm_net_opts *o, unsigned flags, struct vm_net *n, struct strbuf *err);
void vm_net_release(struct vm_net *n);

/* Shared by net.c and netns.c. */
/* Runs ip or tc (argv); 0, or -1 with err "cannot WHAT: ARGV: ITS FIRST LINE". */
int vm_net_cmd(char *const argv[], const char *what, struct strbuf *err);
/* Opens (making it if needed) the tap name ("ltap%d": the kernel picks),
 * its actual name in n->tap, the descriptor in n->tap_fd. 0, or -1 with err. */
int vm_net_tap_open(const char *name, unsigned flags, struct vm_net *n, struct strbuf *err);
/* The container mode's setup (netns.c). */
int vm_net_takeover(const struct vm_net_opts *o, unsigned flags, struct vm_net *n, struct strbuf *err);
/* Gives the interface taken over back what it had (netns.c). */
void vm_net_giveback(struct vm_net *n);
/* The first IPv4 nameserver of resolv.conf path that is not a loopback one, or NULL; caller frees. */
char *vm_net_nameserver(const char *path);

#endif
