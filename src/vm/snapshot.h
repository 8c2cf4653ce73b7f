/* snapshot.h: warm start on QEMU: save a running VM, restore it later.
 *
 * A VM to snapshot runs with its RAM in a file mapped shared
 * (cfg->warm.mem_path, mem_shared) and a QMP socket. Once its application
 * is ready, cfg->warm.freeze asks the init to stop every process and drain
 * their output ("freeze", guest/protocol.h); vm_snapshot_save then has QEMU
 * write its device state (migration with x-ignore-shared: the RAM is not
 * streamed, the file already is the RAM) and leaves it paused, its disk
 * flushed. A restore starts QEMU with the same devices, the RAM file mapped
 * privately (copy-on-write: the file is never written, and clones share
 * its page cache) and "-incoming defer"; vm_start loads the state through
 * QMP, refuses another QEMU version, and sends the init "thaw" with fresh
 * host entropy, the time and the generation before anything else. */
#ifndef LUPINE_VM_SNAPSHOT_H
#define LUPINE_VM_SNAPSHOT_H

#include "vm/vmm.h"

/* Saves the device state of vm (frozen: *cfg->warm.freeze == 2) to the new
 * file state; QEMU stays paused, its disk flushed. *qemu gets QEMU's
 * version (caller frees). 0, or -1 with err. */
int vm_snapshot_save(struct vm *vm, const char *state, char **qemu, struct strbuf *err);
/* Ends QEMU at once through its monitor (after a save): the VM ends without a status. */
int vm_quit(struct vm *vm, struct strbuf *err);

/* vm/ internal: the freeze handshake, from vmm.c's watch (c is its channel). */
struct channel;
void vm_warm_watch(struct channel *c, const struct vm_config *cfg);
/* vm/ internal, from vm_start with cfg->warm.incoming: loads the state into
 * the QEMU at pid through its monitor qmp, has it run, and queues "thaw"
 * on c. 0, or -1 with err (QEMU is then killed by the caller). */
int vm_warm_restore(const char *qmp, pid_t pid, const struct vm_config *cfg, struct channel *c,
		    struct strbuf *err);

#endif
