/* vmm.h: boot a kernel + root filesystem in a microVM and report how it ended.
 *
 * vm/ owns the VMMs: a backend (qemu.c, firecracker.c) turns a vm_config
 * into a command line behind struct vmm_ops; vmm.c runs it, streams the
 * console and reads the control channel (guest/protocol.h). vm/ calls only
 * lib/ (and rootfs/cpio for the smoke boot); it knows nothing of bundles. */
#ifndef LUPINE_VMM_H
#define LUPINE_VMM_H

#include <signal.h>
#include <sys/types.h>

#include "lib/util.h"

enum vm_accel { VM_ACCEL_AUTO, VM_ACCEL_KVM, VM_ACCEL_TCG };

struct vm_port {
	char *host_ip; /* NULL: 127.0.0.1 */
	int host_port, guest_port;
};

/* A host directory shared with the guest (virtio-9p), which the init
 * mounts by its tag (guest/protocol.h's "9p" mount). */
struct vm_share {
	char *path; /* the host directory, absolute */
	char *tag;  /* LUPINE_9P_PREFIX + a number */
	int readonly;
};

struct vmm_ops;

/* Warm start (vm/snapshot.h): a VM whose RAM is a file, so it can be
 * saved, and a VM restored from such a file and a saved device state. */
struct vm_warm {
	const char *mem_path; /* the guest's RAM is this file (NULL: anonymous memory) */
	int mem_shared;       /* ... mapped shared, so the file is the RAM (a VM to snapshot);
			       * else privately, copy-on-write (a restore: the file is never written) */
	const char *incoming; /* restore: the device state file (a QEMU migration stream) */
	const char *qemu;     /* ... the QEMU version it was saved by; another one is refused */
	unsigned generation;  /* ... the restored guest's generation (the init's "thaw") */
	int disk_overlay;     /* the disk's writes go to a temporary overlay, never to cfg->disk */
	int disk_qcow2;       /* cfg->disk is a qcow2 image (a snapshot's delta), not raw */
	const char *ip, *gw;  /* restore on a tap: the guest's new address "A.B.C.D/N" and gateway
			       * (the init's "net", with cfg->mac) */
	volatile sig_atomic_t *freeze; /* set to 1: the init stops the application for a snapshot;
					* it becomes 2 once it has, and its output has all come */
};

struct vm_config {
	const struct vmm_ops *vmm; /* NULL: QEMU */
	const char *kernel;  /* bzImage (or vmlinux for PVH) */
	const char *initrd;  /* may be NULL */
	const char *disk;    /* raw ext4 image attached as virtio-blk, may be NULL */
	int disk_readonly;
	const char *cmdline; /* appended after Lupine's own console/timer options */
	int mem_mib;
	enum vm_accel accel;
	int net;             /* attach a virtio-net device */
	const char *tap;     /* the host tap device for the NIC: Firecracker's (NULL:
			      * lupine0), QEMU's when tap_fd is not given (NULL: user mode) */
	int tap_fd;          /* > 2: QEMU's NIC is this open tap (vm/net.h); ports are not forwarded */
	const char *mac;     /* the guest NIC's MAC (NULL: the VMM's default) */
	const struct vm_port *ports;
	size_t nports;
	const struct vm_share *shares; /* host directories for the guest (QEMU only) */
	size_t nshares;
	double timeout;      /* seconds until the VM is stopped; 0 for none */
	double stop_timeout; /* a stop sends SIGTERM to the application, then kills
			      * the VM after this many seconds (0: 10) */
	int forward_stdin;   /* copy lupine's stdin to the application (run config "stdin pipe") */
	double init_timeout; /* seconds for the init to say it started; 0 for none */
	volatile sig_atomic_t *stop; /* when it becomes nonzero, the VM is stopped, as by
				      * timeout: SIGTERM to the application through the init,
				      * the VM killed after stop_timeout (at once before the
				      * init runs); a signal handler's or another thread's flag */
	volatile sig_atomic_t *forward; /* when nonzero N: signal N goes to the application, and it is reset */
	int terminal;        /* the application has a pty (run config "terminal"): when *resize
			      * becomes nonzero, the size of lupine's stdin's terminal goes to
			      * it ("winsize"), and it is reset */
	volatile sig_atomic_t *resize;
	int echo;            /* copy the console to stdout as it comes */
	int echo_fd;         /* > 0: copy it to this descriptor instead */
	int ctl_console;     /* the init reports on the console even where the VMM
			      * has a control port (run --ctl console) */
	int console_fd;      /* with stdio_ports and echo: where the console (the kernel's and
			      * the init's messages) goes: 0 stderr, -1 nowhere, else this fd */
	int stdio_ports;     /* the application's stdio on ports of its own (run config
			      * "stdio ports"; the VMM must have them: ops->stdio_ports) */
	const char *exec_sock; /* with stdio_ports: a unix socket someone listens on, which the
				* VMM connects the exec port (guest/protocol.h) to; NULL: none */
	struct vm_warm warm; /* snapshots and restores (vm/snapshot.h; QEMU only) */
};

/* What a backend prepares for one launch. */
struct vmm_launch {
	char **argv;       /* NULL-terminated */
	char *ctl_fifo;    /* the FIFO control lines arrive on; NULL: they come on the console */
	char *config_file; /* a file the VMM reads (Firecracker's JSON), or NULL */
	char *stdio_socks[3]; /* with cfg->stdio_ports: the unix sockets the VMM connects the
			       * application's stdin, stdout and stderr ports to (vm/stdio.h) */
	char *qmp;         /* QEMU's QMP socket (warm start), or NULL */
	char **env;        /* the VMM's environment (NULL: lupine's own) */
};

struct vmm_ops {
	const char *name;       /* "qemu", "firecracker" */
	const char *ctl;        /* how the init reports: "port" or "console" (a run config value) */
	const char *bin_env;    /* environment variable naming the binary, e.g. LUPINE_QEMU */
	const char *bin;        /* the binary, looked up in PATH */
	const char *install;    /* what to tell the user when the binary is missing */
	int needs_kvm;          /* cannot run under software emulation */
	int stdio_ports;        /* gives the application stdio ports of its own (else: the console) */
	/* the guest's network as the VMM provides it (run config ip, gw, dns) */
	const char *guest_ip, *guest_gw, *guest_dns;
	/* Fills l for cfg in the private directory dir. 0 or -1 with err set. */
	int (*prepare)(const struct vm_config *cfg, int kvm, const char *dir, struct vmm_launch *l,
		       struct strbuf *err);
	/* Whether the VMM's wait status means the guest ended the VM itself. */
	int (*exit_ok)(int wstatus);
};

extern const struct vmm_ops vmm_qemu, vmm_firecracker;

/* The backend named name ("qemu", "firecracker"), or NULL. */
const struct vmm_ops *vmm_find(const char *name);
/* The backend's binary: its environment override, else its name. */
const char *vmm_binary(const struct vmm_ops *ops);
/* Whether ops can run here with accel: its binary is found and KVM is
 * there if it needs it. 0, or -1 with a one-line err saying what to do. */
int vmm_check(const struct vmm_ops *ops, enum vm_accel accel, struct strbuf *err);

enum vm_end {
	VM_EXITED,     /* the init reported the application's status */
	VM_NO_STATUS,  /* the VM stopped without a status (reset, poweroff) */
	VM_PANIC,      /* the kernel panicked */
	VM_TIMEOUT,    /* killed after cfg->timeout */
	VM_KILLED,     /* the VMM died from a signal or failed on its own */
};

struct vm_result {
	enum vm_end end;
	int status;          /* application status when end == VM_EXITED */
	int vmm_status;      /* the VMM's own exit status */
	char *console;       /* everything the guest printed (capped at 1 MiB, tail kept) */
	char *panic;         /* the panic lines when end == VM_PANIC */
	char *app_error;     /* the init's "error" message, if any */
	double t_init;       /* host seconds from launch to the init's first message, -1 if never */
	double t_app;        /* ... to the application start, -1 if never */
	double t_end;        /* ... to the VMM's exit */
	double guest_init;   /* guest CLOCK_BOOTTIME seconds at init start, -1 if unknown */
	const char *accel;   /* "kvm" or "tcg" */
	int stop_sent;       /* a stop (signal or timeout) sent SIGTERM to the application */
	int stop_expired;    /* ... which did not end in time: the VM was killed */
	/* the kernel's feature notes, "KIND NAME TGID COMM" (guest/protocol.h) */
	struct strlist missing; /* features processes reached for and the kernel leaves out */
	struct strlist used;    /* first uses, when the kernel recorded (lupine_record) */
	size_t notes_dropped;   /* notes past VM_NOTES_MAX of a list, not kept */
};

/* The most notes a vm_result keeps of each kind: a kernel makes a few
 * hundred, and the guest's application can add lines of its own. */
#define VM_NOTES_MAX 10000

/* Whether this host can run KVM guests: vmx/svm in /proc/cpuinfo and a
 * /dev/kvm that answers. (A paravirtual /dev/kvm without them cannot boot
 * an ordinary kernel.) */
int vmm_kvm_usable(void);

/* A running VM: vm_start launches it, vm_poll serves it (console, control
 * lines, stdin, deadlines) a little at a time, vm_wait serves it to its end.
 * One thread serves a VM; another may stop it through cfg->stop. cfg must
 * outlive the VM. The VMM dies with lupine (PR_SET_PDEATHSIG: with the
 * thread that called vm_start). */
struct vm;
/* 0 with *vm, or -1 with err set when it could not be started (bad files). */
int vm_start(const struct vm_config *cfg, struct vm **vm, struct strbuf *err);
/* Serves the VM for up to ms milliseconds: 1 while the VMM runs, 0 once its output ended. */
int vm_poll(struct vm *vm, int ms);
/* Waits for the VM to end and frees it. 0 with res filled (whatever way the
 * VM ended), or -1 with err set when the VMM could not start at all (missing,
 * refused its options). Free res with vm_result_release. */
int vm_wait(struct vm *vm, struct vm_result *res, struct strbuf *err);
/* The VMM's pid (for measuring it). */
pid_t vm_pid(const struct vm *vm);
/* The VMM's QMP socket (with cfg->warm.mem_path), or NULL. */
const char *vm_qmp(const struct vm *vm);

/* vm_start + vm_wait. */
int vmm_run(const struct vm_config *cfg, struct vm_result *res, struct strbuf *err);
/* The VMM command line (and its config file, if any) for cfg, without
 * running it; out gets a shell-quoted command line and the file's text. */
int vmm_describe(const struct vm_config *cfg, struct strbuf *out, struct strbuf *err);
void vm_result_release(struct vm_result *res);

/* One line for how the VM ended, e.g. "kernel panic" or "timed out after 30s". */
const char *vm_end_describe(const struct vm_result *res, char *buf, size_t n);

/* Backends' helpers (vmm.c): argv building, the kernel command line every
 * backend starts with. */
struct vmm_argv {
	char **v;
	size_t n;
};
void vmm_argv_add(struct vmm_argv *a, char *s); /* takes ownership of s */
void vmm_argv_adds(struct vmm_argv *a, const char *s);
void vmm_argv_free(char **argv);
/* "console=ttyS0 ... " + the options software emulation needs + extra. Caller frees. */
char *vmm_cmdline(const struct vm_config *cfg, int kvm, const char *vmm_specific);

/* Parses "[IP:]HOSTPORT:GUESTPORT". 0, or -1 with err naming the spec. */
int vm_port_parse(const char *spec, struct vm_port *p, struct strbuf *err);
/* Whether the host side can be bound now. 0, or -1 with err saying why not. */
int vm_port_check_free(const struct vm_port *p, struct strbuf *err);
void vm_port_release(struct vm_port *p);
/* A TCP port on 127.0.0.1 that nothing uses now, or -1. */
int vm_port_unused(void);

#endif
