/* launch.h: a bundle as a VM: the run's own config (the bundle's, with the
 * command line's overrides and the VMM's network), the per-run initramfs,
 * the root filesystem's boot, filled into a vm_config. */
#ifndef LUPINE_BUNDLE_LAUNCH_H
#define LUPINE_BUNDLE_LAUNCH_H

#include "bundle/bundle.h"
#include "rootfs/rootfs.h"
#include "vm/net.h"
#include "vm/vmm.h"

struct launch_opts {
	const struct vmm_ops *vmm;  /* the VMM the run will use */
	const struct strlist *env;  /* -e KEY=VALUE over the bundle's */
	const struct strlist *args; /* replace the application's arguments (empty: keep) */
	int mem_mib;                /* 0: the bundle's */
	int ro, persist;            /* rootfs options */
	const char *tmpdir;         /* private directory for this run's files */
	const char *ctl;            /* how the init reports (NULL: the VMM's way) */
	const char *stdin_mode;     /* "pipe": the application reads what lupine forwards (NULL: /dev/null) */
	const struct vm_net *net;   /* the NIC's host side, set up (NULL or user mode: the VMM's own network) */
	int terminal;               /* the application's stdio is a pty in the guest (needs stdio ports) */
	unsigned rows, cols;        /* ... of this size */
	const struct strlist *mounts; /* run-config "mount" lines after the bundle's (bundle/volume.h);
				       * their shares go in the run's vm_config; NULL: none */
	int exec;                   /* serve lupine-runc exec on the exec port (needs stdio ports) */
	int record;                 /* boot with lupine_record: the kernel notes every feature used */
	int describe;               /* only to show the VMM's command line: it names the bundle's own
				     * files (run --dry-run); they are checked all the same */
};

/* Files a launch made or holds; release after the VM has ended. */
struct launch {
	char *kernel, *initrd;
	char *cmdline; /* the bundle's command line with this run's additions, or NULL */
	struct rootfs_boot boot;
	int fds[2], nfds; /* the bundle's kernel and rootfs, checked and pinned */
};

/* Prepares a run of the bundle b loaded from dir (b's run config is
 * changed to this run's) and fills cfg's kernel, initrd, disk, cmdline,
 * memory and network. The bundle's kernel and rootfs are opened first
 * (bundle_file_open: regular files of the bundle, nothing else) and held
 * until launch_release; the VMM and the run's copies open them through
 * fd_path(), so what they read or write is what was checked, whatever is
 * put at the bundle's paths meanwhile. 0, or -1 with a one-line err. */
int bundle_launch(const char *dir, struct bundle *b, const struct launch_opts *o, struct vm_config *cfg,
		  struct launch *l, struct strbuf *err);
void launch_release(struct launch *l);

#endif
