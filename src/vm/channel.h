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
	struct strbuf out;     /* console output of one channel_console call */
	struct strbuf vmm_err; /* the VMM's stderr (its tail, capped) */
	int in_ctl;            /* inside a marked control line */
	int ctl_skip;          /* dropping an overlong control line up to its newline */
	int said_overlong;     /* an overlong control line was said on stderr */
	int status_seen, panic_seen, panic_lines;
	int in_fd;                /* the VMM's stdin: the guest console's input (non-blocking) */
	struct strbuf to_guest;   /* bytes waiting for in_fd */
	double stop_at;           /* when a stop sent SIGTERM, the time to kill the VM; 0: no stop yet */
	/* the application's stdio ports (vm/stdio.c): bytes of stdout and
	 * stderr taken, and what the init said they carried ("stdio OUT ERR") */
	unsigned long long app_bytes[2], app_announced[2];
	int stdio_seen, exit_sent;
	/* warm start (vm/snapshot.c): "freeze" sent, and the init's "frozen OUT ERR" */
	int freeze_sent, frozen_seen;
	unsigned long long frozen[2];
};

/* Everything the guest sends is untrusted (its application is root and
 * owns the console and /dev/kmsg): each call takes time linear in n, and
 * what is kept is bounded: the console's tail (1 MiB), control lines of
 * CHANNEL_LINE_MAX bytes (a longer one is dropped, said once on stderr),
 * VM_NOTES_MAX notes of each kind (the rest counted in res->notes_dropped,
 * said once), the VMM's stderr's tail (64 KiB). */
#define CHANNEL_LINE_MAX 4096

/* Takes console bytes: echoes and records them, takes out control lines. */
void channel_console(struct channel *c, const char *buf, size_t n);
/* Takes bytes the application wrote on its stdout (which 0) or stderr (1)
 * port: to the run's stdout or stderr (or echo_fd) as they come, recorded
 * with the console, byte for byte. */
void channel_app_output(struct channel *c, int which, const char *buf, size_t n);
/* With stdio ports: whether the init has said what its output carried and
 * all of it has come, so the VM may end ("exit"). */
int channel_output_complete(const struct channel *c);
/* Takes bytes from the control FIFO. */
void channel_ctl(struct channel *c, const char *buf, size_t n);
/* Takes bytes of the VMM's stderr. */
void channel_vmm_err(struct channel *c, const char *buf, size_t n);
void channel_release(struct channel *c);
/* Queues stdin data for the guest's console input and writes what it can
 * now; each ESC byte goes twice, so the data never holds LUPINE_CTL_MARK
 * (guest/protocol.h). */
void channel_send(struct channel *c, const char *buf, size_t n);
/* Queues a command for the init ("signal 15", "eof"), behind the mark. */
void channel_command(struct channel *c, const char *cmd);
/* Queues "winsize ROWS COLS" with the size of the terminal on fd, if it is one. */
void channel_winsize(struct channel *c, int fd);
/* Writes what is queued, as far as the VMM takes it now. */
void channel_flush(struct channel *c);

/* result.c: how the VM ended, from the VMM's wait status and what the channel saw. */
void vm_classify(struct channel *c, const struct vmm_ops *ops, int wstatus, int timed_out);
/* 1 with err set when the VMM could not start at all (missing, refused its options), else 0. */
int vm_launch_failed(const struct vmm_ops *ops, const char *bin, int wstatus, struct channel *c,
		     struct strbuf *err);

#endif
