/* qemu.c: the QEMU backend: a vm_config as a qemu-system-x86_64 command line on the microvm machine. */
#include "vm/vmm.h"
#include "guest/protocol.h"
#include "lib/bzimage.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* QEMU splits option values at commas; a path with one must double it. */
static char *qemu_escape(const char *s)
{
	struct strbuf sb = {0};

	for (; *s; s++)
		sb_adds(&sb, *s == ',' ? ",," : (char[]){*s, 0});
	return sb_detach(&sb);
}

static char *netdev(const struct vm_config *cfg)
{
	struct strbuf sb = {0};

	/* vhost=off: no /dev/vhost-net needed, and TCG gains nothing from it */
	if (cfg->tap_fd > 2)
		return xasprintf("tap,id=n0,fd=%d,vhost=off", cfg->tap_fd);
	if (cfg->tap) {
		char *esc = qemu_escape(cfg->tap);
		sb_addf(&sb, "tap,id=n0,ifname=%s,script=no,downscript=no,vhost=off", esc);
		free(esc);
		return sb_detach(&sb);
	}
	sb_adds(&sb, "user,id=n0");
	/* a restore forwards its ports once the guest runs (vm/snapshot.c): a
	 * connection made while it loads would stall for seconds of retransmits */
	for (size_t i = 0; !cfg->warm.incoming && i < cfg->nports; i++) {
		const struct vm_port *p = &cfg->ports[i];
		sb_addf(&sb, ",hostfwd=tcp:%s:%d-:%d", p->host_ip ? p->host_ip : "127.0.0.1", p->host_port,
			p->guest_port);
	}
	return sb_detach(&sb);
}

static void add_pair(struct vmm_argv *a, const char *opt, char *value)
{
	vmm_argv_adds(a, opt);
	vmm_argv_add(a, value);
}

/* The application's stdin, stdout and stderr: a virtio-serial device with
 * a named port each, whose chardev connects to a socket of lupine's. */
static void add_stdio(struct vmm_argv *a, const struct vm_config *cfg, struct vmm_launch *l)
{
	static const char *const names[] = {LUPINE_PORT_STDIN, LUPINE_PORT_STDOUT, LUPINE_PORT_STDERR};
	static const int nr[] = {LUPINE_PORT_STDIN_NR, LUPINE_PORT_STDOUT_NR, LUPINE_PORT_STDERR_NR};

	add_pair(a, "-device", xstrdup("virtio-serial-device,id=vs0,max_ports=8"));
	for (int i = 0; i < 3; i++) {
		char *esc = qemu_escape(l->stdio_socks[i]);
		add_pair(a, "-chardev", xasprintf("socket,id=std%d,path=%s,server=off", i, esc));
		add_pair(a, "-device", xasprintf("virtserialport,bus=vs0.0,nr=%d,chardev=std%d,name=%s", nr[i], i,
						 names[i]));
		free(esc);
	}
	if (cfg->exec_sock) { /* lupine-runc's monitor serves it (oci/execmux.c) */
		char *esc = qemu_escape(cfg->exec_sock);
		add_pair(a, "-chardev", xasprintf("socket,id=exec,path=%s,server=off", esc));
		add_pair(a, "-device", xasprintf("virtserialport,bus=vs0.0,nr=%d,chardev=exec,name=%s",
						 LUPINE_PORT_EXEC_NR, LUPINE_PORT_EXEC));
		free(esc);
	}
}

/* virtio-9p, one device a directory. passthrough keeps the real owners both
 * ways (an app's files keep its uid on the host) and needs QEMU to be root;
 * not root, "none" is the same but lets a chown fail unreported. */
static void add_shares(struct vmm_argv *a, const struct vm_config *cfg)
{
	for (size_t i = 0; i < cfg->nshares; i++) {
		char *esc = qemu_escape(cfg->shares[i].path);
		add_pair(a, "-fsdev", xasprintf("local,id=fs%zu,path=%s,security_model=%s,multidevs=remap%s", i, esc,
						geteuid() == 0 ? "passthrough" : "none",
						cfg->shares[i].readonly ? ",readonly=on" : ""));
		add_pair(a, "-device", xasprintf("virtio-9p-device,fsdev=fs%zu,mount_tag=%s", i, cfg->shares[i].tag));
		free(esc);
	}
}

static void add_devices(struct vmm_argv *a, const struct vm_config *cfg, struct vmm_launch *l, const char *fifo)
{
	char *esc = qemu_escape(fifo);

	add_pair(a, "-chardev", xasprintf("pipe,id=ctl,path=%s", esc));
	free(esc);
	add_pair(a, "-device", xasprintf("isa-debugcon,iobase=0x%x,chardev=ctl", LUPINE_CTL_PORT));
	add_pair(a, "-device", xasprintf("isa-debug-exit,iobase=0x%x,iosize=4", LUPINE_EXIT_PORT));
	if (cfg->stdio_ports)
		add_stdio(a, cfg, l);
	if (cfg->disk) {
		esc = qemu_escape(cfg->disk);
		/* snapshot=on: writes go to a temporary qcow2 overlay (in TMPDIR: the VM's directory) */
		add_pair(a, "-drive", xasprintf("id=d0,file=%s,format=%s,if=none%s%s", esc,
						 cfg->warm.disk_qcow2 ? "qcow2" : "raw",
						 cfg->disk_readonly ? ",readonly=on" : "",
						 cfg->warm.disk_overlay ? ",snapshot=on" : ""));
		free(esc);
		add_pair(a, "-device", xstrdup("virtio-blk-device,drive=d0"));
	}
	if (cfg->net) {
		add_pair(a, "-netdev", netdev(cfg));
		add_pair(a, "-device", xasprintf("virtio-net-device,netdev=n0%s%s", cfg->mac ? ",mac=" : "",
						  cfg->mac ? cfg->mac : ""));
	}
	add_shares(a, cfg);
}

/* A VM smaller than the kernel's load address + init_size stops before the
 * kernel prints a line; say so instead of "the kernel never started". QEMU
 * puts the initrd at the top of memory, where the unpacking kernel must not
 * reach it, so it counts too. */
static int check_memory(const struct vm_config *cfg, struct strbuf *err)
{
	struct bzimage b;
	struct stat st;
	uint64_t initrd = cfg->initrd && stat(cfg->initrd, &st) == 0 ? (uint64_t)st.st_size : 0, need;
	double mib = 1048576.0;

	if (bzimage_read(cfg->kernel, &b) != 1)
		return 0;
	need = bzimage_min_mib(&b, initrd);
	if (need <= (uint64_t)cfg->mem_mib)
		return 0;
	if (need > INT_MAX) {
		sb_addf(err, "this kernel's boot header asks for more memory than any VM has (it unpacks at %#llx and "
			     "needs %u bytes from there); is it a damaged bzImage?",
			(unsigned long long)b.pref_address, (unsigned)b.init_size);
		return -1;
	}
	sb_addf(err, "-m %d is too small for this kernel: it unpacks itself at %.0f MiB and needs %.1f MiB from there",
		cfg->mem_mib, b.pref_address / mib, b.init_size / mib);
	if (initrd >= 1 << 20)
		sb_addf(err, ", and the initrd %.1f MiB above that", initrd / mib);
	else if (initrd)
		sb_addf(err, ", and the initrd %.0f KiB above that", initrd / 1024.0);
	sb_addf(err, "; give it -m %llu or more", (unsigned long long)need);
	return -1;
}

/* microvm has 8 virtio-mmio slots; past them QEMU stops with "No 'virtio-bus' bus found". */
static int check_slots(const struct vm_config *cfg, struct strbuf *err)
{
	/* every virtio device add_devices makes counts */
	size_t used = (cfg->disk != NULL) + (cfg->net != 0) + (cfg->stdio_ports != 0);

	if (used + cfg->nshares <= 8)
		return 0;
	sb_addf(err, "%zu host directories to share, and QEMU's microvm machine has room for %zu more virtio devices "
		     "(8 in all; the disk, network and stdio ports take theirs): bind fewer directories, or their parent",
		cfg->nshares, 8 - used);
	return -1;
}

/* Warm start (vm/snapshot.h): the RAM as a file, a monitor to drive the
 * save or the load, and for a restore, no boot but a state to come. */
static void add_warm(struct vmm_argv *a, const struct vm_config *cfg, const char *dir, struct vmm_launch *l)
{
	char *esc = qemu_escape(cfg->warm.mem_path), *qmp;
	extern char **environ;
	struct vmm_argv env = {0};

	add_pair(a, "-object", xasprintf("memory-backend-file,id=mem0,size=%dM,mem-path=%s,share=%s", cfg->mem_mib,
					 esc, cfg->warm.mem_shared ? "on" : "off"));
	free(esc);
	l->qmp = xasprintf("%s/qmp.sock", dir);
	qmp = qemu_escape(l->qmp);
	add_pair(a, "-qmp", xasprintf("unix:%s,server=on,wait=off", qmp));
	free(qmp);
	if (cfg->warm.incoming)
		add_pair(a, "-incoming", xstrdup("defer"));
	/* a snapshot taken on user-mode networking carries its slirp state: a
	 * restore on a tap needs somewhere to load it, unattached and cut off */
	if (cfg->warm.incoming && cfg->net && (cfg->tap_fd > 2 || cfg->tap))
		add_pair(a, "-netdev", xstrdup("user,id=slirp0,restrict=on"));
	if (!cfg->warm.disk_overlay)
		return;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "TMPDIR=", 7))
			vmm_argv_adds(&env, *e);
	vmm_argv_add(&env, xasprintf("TMPDIR=%s", dir));
	l->env = env.v;
}

static int qemu_prepare(const struct vm_config *cfg, int kvm, const char *dir, struct vmm_launch *l,
			struct strbuf *err)
{
	struct vmm_argv a = {0};

	if (check_memory(cfg, err) < 0 || check_slots(cfg, err) < 0)
		return -1;
	l->ctl_fifo = xasprintf("%s/ctl", dir);
	if (mkfifo(l->ctl_fifo, 0600) < 0) {
		sb_addf(err, "cannot create '%s': %s", l->ctl_fifo, strerror(errno));
		return -1;
	}
	vmm_argv_adds(&a, vmm_binary(&vmm_qemu));
	/* microvm: virtio-mmio, no PCI, no firmware; acpi=off so the mmio devices
	 * reach the kernel through its command line */
	add_pair(&a, "-M", xstrdup(cfg->warm.mem_path ? "microvm,acpi=off,memory-backend=mem0" : "microvm,acpi=off"));
	add_pair(&a, "-accel", xstrdup(kvm ? "kvm" : "tcg"));
	/* under TCG, "max" gives the guest RDRAND, so the CRNG is ready at boot
	 * instead of the first getrandom() blocking for a second */
	add_pair(&a, "-cpu", xstrdup(kvm ? "host" : "max"));
	add_pair(&a, "-m", xasprintf("%d", cfg->mem_mib));
	add_pair(&a, "-smp", xstrdup("1"));
	vmm_argv_adds(&a, "-nodefaults");
	vmm_argv_adds(&a, "-no-user-config");
	add_pair(&a, "-display", xstrdup("none"));
	vmm_argv_adds(&a, "-no-reboot");
	add_pair(&a, "-serial", xstrdup("stdio"));
	for (int i = 0; cfg->stdio_ports && i < 3; i++)
		l->stdio_socks[i] = xasprintf("%s/std%d.sock", dir, i);
	add_devices(&a, cfg, l, l->ctl_fifo);
	if (cfg->warm.mem_path)
		add_warm(&a, cfg, dir, l);
	add_pair(&a, "-kernel", xstrdup(cfg->kernel));
	if (cfg->initrd)
		add_pair(&a, "-initrd", xstrdup(cfg->initrd));
	/* panic=-1 reboot=t turn a panic into a triple fault, which -no-reboot
	 * makes an exit (without reboot=t the kernel hangs trying other resets) */
	add_pair(&a, "-append", vmm_cmdline(cfg, kvm, "panic=-1 reboot=t"));
	l->argv = a.v;
	return 0;
}

/* isa-debug-exit: a guest write of v exits with 2v+1, always odd */
static int qemu_exit_ok(int wstatus)
{
	return WIFEXITED(wstatus) && (WEXITSTATUS(wstatus) & 1);
}

const struct vmm_ops vmm_qemu = {
	.name = "qemu",
	.ctl = "port",
	.stdio_ports = 1,
	.bin_env = "LUPINE_QEMU",
	.bin = "qemu-system-x86_64",
	/* user networking's fixed addresses */
	.guest_ip = "10.0.2.15/24",
	.guest_gw = "10.0.2.2",
	.guest_dns = "10.0.2.3",
	.install = "is QEMU installed? (scripts/setup.sh installs qemu-system-x86)",
	.prepare = qemu_prepare,
	.exit_ok = qemu_exit_ok,
};
