/* vmm.h: boot a kernel + root filesystem in a microVM and report how it ended.
 * A backend (vmm_qemu.c; Firecracker later) turns a vm_config into a command
 * line; vmm.c runs it, streams the console and reads the control channel. */
#ifndef LUPINE_VMM_H
#define LUPINE_VMM_H

#include <signal.h>

#include "lib/util.h"

enum vm_accel { VM_ACCEL_AUTO, VM_ACCEL_KVM, VM_ACCEL_TCG };

struct vm_port {
	char *host_ip; /* NULL: 127.0.0.1 */
	int host_port, guest_port;
};

struct vm_config {
	const char *kernel;  /* bzImage (or vmlinux for PVH) */
	const char *initrd;  /* may be NULL */
	const char *disk;    /* raw ext4 image attached as virtio-blk, may be NULL */
	int disk_readonly;
	const char *cmdline; /* appended after Lupine's own console/timer options */
	int mem_mib;
	enum vm_accel accel;
	int net;             /* attach a virtio-net device with user networking */
	const struct vm_port *ports;
	size_t nports;
	double timeout;      /* seconds until the VM is killed; 0 for none */
	double init_timeout; /* seconds for the init to say it started; 0 for none */
	volatile sig_atomic_t *stop; /* when it becomes nonzero, the VM is stopped */
	int echo;            /* copy the console to stdout as it comes */
};

enum vm_end {
	VM_EXITED,     /* the init reported the application's status */
	VM_NO_STATUS,  /* the VM stopped without a status (reset, poweroff) */
	VM_PANIC,      /* the kernel panicked */
	VM_TIMEOUT,    /* killed after cfg->timeout */
	VM_KILLED,     /* QEMU died from a signal or failed on its own */
};

struct vm_result {
	enum vm_end end;
	int status;          /* application status when end == VM_EXITED */
	int vmm_status;      /* QEMU's own exit status */
	char *console;       /* everything the guest printed (capped at 1 MiB, tail kept) */
	char *panic;         /* the panic lines when end == VM_PANIC */
	char *app_error;     /* the init's "error" message, if any */
	double t_init;       /* host seconds from launch to the init's first message, -1 if never */
	double t_app;        /* ... to the application start, -1 if never */
	double t_end;        /* ... to the VMM's exit */
	double guest_init;   /* guest CLOCK_BOOTTIME seconds at init start, -1 if unknown */
	const char *accel;   /* "kvm" or "tcg" */
};

/* Whether this host can run KVM guests: vmx/svm in /proc/cpuinfo and a
 * /dev/kvm that answers. (A paravirtual /dev/kvm without them cannot boot
 * an ordinary kernel.) */
int vmm_kvm_usable(void);

/* Boots the VM and waits for it to end. Returns 0 with res filled (whatever
 * way the VM ended), or -1 with err set when it could not be launched at
 * all (QEMU missing, bad files). Free res with vm_result_release. */
int vmm_run(const struct vm_config *cfg, struct vm_result *res, struct strbuf *err);
void vm_result_release(struct vm_result *res);

/* One line for how the VM ended, e.g. "kernel panic" or "timed out after 30s". */
const char *vm_end_describe(const struct vm_result *res, char *buf, size_t n);

/* Backend: builds the VMM's argv (NULL-terminated, caller frees with
 * vmm_argv_free). ctl_fifo receives the control channel. */
char **vmm_qemu_argv(const struct vm_config *cfg, int kvm, const char *ctl_fifo);
void vmm_argv_free(char **argv);

#endif
