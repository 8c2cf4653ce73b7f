/* vmm_qemu.c: the QEMU backend: a vm_config as a qemu-system-x86_64 command line on the microvm machine. */
#include "vm/vmm.h"
#include "guest/protocol.h"

#include <stdlib.h>
#include <string.h>

struct argv {
	char **v;
	size_t n;
};

static void add(struct argv *a, char *s) /* takes ownership of s */
{
	a->v = xrealloc(a->v, (a->n + 2) * sizeof(*a->v));
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void adds(struct argv *a, const char *s)
{
	add(a, xstrdup(s));
}

static char *netdev(const struct vm_config *cfg)
{
	struct strbuf sb = {0};
	sb_adds(&sb, "user,id=n0");
	for (size_t i = 0; i < cfg->nports; i++) {
		const struct vm_port *p = &cfg->ports[i];
		sb_addf(&sb, ",hostfwd=tcp:%s:%d-:%d", p->host_ip ? p->host_ip : "127.0.0.1", p->host_port,
			p->guest_port);
	}
	return sb_detach(&sb);
}

char **vmm_qemu_argv(const struct vm_config *cfg, int kvm, const char *ctl_fifo)
{
	struct argv a = {0};
	const char *bin = getenv("LUPINE_QEMU");

	adds(&a, bin && *bin ? bin : "qemu-system-x86_64");
	/* microvm: virtio-mmio, no PCI, no firmware; acpi=off so the mmio devices
	 * reach the kernel through its command line */
	adds(&a, "-M");
	adds(&a, "microvm,acpi=off");
	adds(&a, "-accel");
	adds(&a, kvm ? "kvm" : "tcg");
	/* under TCG, "max" gives the guest RDRAND, so the CRNG is ready at boot
	 * instead of the first getrandom() blocking for a second */
	adds(&a, "-cpu");
	adds(&a, kvm ? "host" : "max");
	adds(&a, "-m");
	add(&a, xasprintf("%d", cfg->mem_mib));
	adds(&a, "-smp");
	adds(&a, "1");
	adds(&a, "-nodefaults");
	adds(&a, "-no-user-config");
	adds(&a, "-display");
	adds(&a, "none");
	adds(&a, "-no-reboot");
	adds(&a, "-serial");
	adds(&a, "stdio");
	adds(&a, "-chardev");
	add(&a, xasprintf("pipe,id=ctl,path=%s", ctl_fifo));
	adds(&a, "-device");
	add(&a, xasprintf("isa-debugcon,iobase=0x%x,chardev=ctl", LUPINE_CTL_PORT));
	adds(&a, "-device");
	add(&a, xasprintf("isa-debug-exit,iobase=0x%x,iosize=4", LUPINE_EXIT_PORT));
	adds(&a, "-kernel");
	adds(&a, cfg->kernel);
	if (cfg->initrd) {
		adds(&a, "-initrd");
		adds(&a, cfg->initrd);
	}
	if (cfg->disk) {
		adds(&a, "-drive");
		add(&a, xasprintf("id=d0,file=%s,format=raw,if=none%s", cfg->disk,
				  cfg->disk_readonly ? ",readonly=on" : ""));
		adds(&a, "-device");
		adds(&a, "virtio-blk-device,drive=d0");
	}
	if (cfg->net) {
		adds(&a, "-netdev");
		add(&a, netdev(cfg));
		adds(&a, "-device");
		adds(&a, "virtio-net-device,netdev=n0");
	}
	/* Under TCG: TSC calibration against the PIT fails at random and hangs
	 * the boot (tsc_early_khz); the TSC is later marked unstable, leaving a
	 * jiffies clock (tsc=reliable); the APIC timer's calibration check
	 * costs ~170 ms and fails anyway (noapictimer). Always: panic=-1
	 * reboot=t turn a panic into a triple fault, which -no-reboot makes an
	 * exit (without reboot=t the kernel hangs trying other resets). */
	adds(&a, "-append");
	add(&a, xasprintf("console=ttyS0 quiet panic=-1 reboot=t %s%s%s",
			  kvm ? "" : "tsc_early_khz=2000000 tsc=reliable noapictimer",
			  cfg->cmdline && *cfg->cmdline ? " " : "", cfg->cmdline ? cfg->cmdline : ""));
	return a.v;
}

void vmm_argv_free(char **argv)
{
	for (char **p = argv; p && *p; p++)
		free(*p);
	free(argv);
}
