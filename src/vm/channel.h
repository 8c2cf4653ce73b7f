/* channel.h (vm/ internal): what comes out of a running guest: the console,
 * with panics spotted, and the init's control lines, from a FIFO (QEMU's
 * debug port) or marked lines inside the console stream (Firecracker). */
#ifndef LUPINE_VM_CHANNEL_H
#define LUPINE_VM_CHANNEL_H

#include "vm/vmm.h"

struct channel {
	const struct vm_config *cfg;
	struct vm_result *res;
	double t0;             /* launch time, now_sec() */
	int ctl_on_console;    /* control lines are marked lines in the console */
	struct strbuf console, ctl, line, panic, hold;
	int in_ctl;            /* inside a marked control line */
	int status_seen, panic_seen, panic_lines;
};

/* Takes console bytes: echoes and records them, takes out control lines. */
void channel_console(struct channel *c, const char *buf, size_t n);
/* Takes bytes from the control FIFO. */
void channel_ctl(struct channel *c, const char *buf, size_t n);
void channel_release(struct channel *c);

#endif
