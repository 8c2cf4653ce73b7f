/* backend.c: what the VMM backends share: finding and checking them, the KVM probe,
 * building a command line, the kernel command line every backend starts with. */
#include "vm/vmm.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int vmm_kvm_usable(void)
{
	char *cpuinfo = file_read("/proc/cpuinfo", NULL);
	int has_virt = cpuinfo && (strstr(cpuinfo, " vmx") || strstr(cpuinfo, " svm"));
	int fd, ok = 0;

	free(cpuinfo);
	if (!has_virt)
		return 0;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (ioctl(fd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION) {
		int vm = ioctl(fd, KVM_CREATE_VM, 0);
		ok = vm >= 0;
		if (vm >= 0)
			close(vm);
	}
	close(fd);
	return ok;
}

const struct vmm_ops *vmm_find(const char *name)
{
	static const struct vmm_ops *const all[] = {&vmm_qemu, &vmm_firecracker};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

const char *vmm_binary(const struct vmm_ops *ops)
{
	const char *bin = getenv(ops->bin_env);

	return bin && *bin ? bin : ops->bin;
}

/* Whether name runs: an executable path, or a command found in PATH. */
static int runnable(const char *name)
{
	char *p = path_lookup(name);

	free(p);
	return p != NULL;
}

int vmm_check(const struct vmm_ops *ops, enum vm_accel accel, struct strbuf *err)
{
	if (!runnable(vmm_binary(ops))) {
		sb_addf(err, "cannot run '%s': %s", vmm_binary(ops), ops->install);
		return -1;
	}
	if (accel == VM_ACCEL_KVM && !vmm_kvm_usable()) {
		sb_adds(err, "--accel kvm: this host has no usable KVM (no vmx/svm or /dev/kvm); use --accel tcg");
		return -1;
	}
	if (ops->needs_kvm && (accel == VM_ACCEL_TCG || !vmm_kvm_usable())) {
		sb_addf(err, "%s needs KVM, which this host does not have (no vmx/svm or a working /dev/kvm); "
			"use --vmm qemu, which falls back to software emulation", ops->name);
		return -1;
	}
	return 0;
}

void vmm_argv_add(struct vmm_argv *a, char *s)
{
	a->v = xrealloc(a->v, (a->n + 2) * sizeof(*a->v));
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void vmm_argv_adds(struct vmm_argv *a, const char *s)
{
	vmm_argv_add(a, xstrdup(s));
}

void vmm_argv_free(char **argv)
{
	for (char **p = argv; p && *p; p++)
		free(*p);
	free(argv);
}

/* Under TCG: TSC calibration against the PIT fails at random and hangs the
 * boot (tsc_early_khz); the TSC is later marked unstable, leaving a jiffies
 * clock (tsc=reliable); the APIC timer's calibration check costs ~170 ms and
 * fails anyway (noapictimer); the IO-APIC timer check counts ticks in a
 * busy loop and, on a loaded host, panics the boot (no_timer_check). */
char *vmm_cmdline(const struct vm_config *cfg, int kvm, const char *vmm_specific)
{
	const char *extra = cfg->cmdline ? cfg->cmdline : "";

	return xasprintf("console=ttyS0 quiet %s%s%s%s", vmm_specific,
			 kvm ? "" : " tsc_early_khz=2000000 tsc=reliable noapictimer no_timer_check", *extra ? " " : "", extra);
}
