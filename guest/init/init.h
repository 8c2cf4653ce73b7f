/* init.h: the parts of Lupine's PID 1 (guest/init/), sharing one static run configuration.
 *
 * The host writes /lupine/run into the initramfs (guest/protocol.h's one
 * schema, parsed by runfile.c). init.c mounts what the kernel has, setup.c
 * switches to a root disk, configures lo/eth0 and seeds the entropy pool,
 * mounts.c makes config.json's mounts, confine.c applies the VM-wide process
 * spec (sysctl, masked and read-only paths, a read-only root), exec.c forks
 * the application (stdio.c gives it its stdio ports, tty.c a terminal when
 * asked), which process.c confines (rlimits, capabilities, ids, umask,
 * ...), execd.c serves lupine-runc exec (processes beside the application,
 * with "exec port"), and init.c waits with every asynchronous
 * signal blocked, forwarding signals and reaping orphans (after tini).
 * Control lines reach the host through an I/O port or the console; at the
 * end klog.c passes on the kernel's notes of missing (or, recording, used)
 * features; the application's status (0-255, 128+N for signal N) ends the VM. Nothing is
 * allocated: the configuration lives in static buffers. */
#ifndef LUPINE_GUEST_INIT_H
#define LUPINE_GUEST_INIT_H

#include "protocol.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/types.h>

#define RUN_FILE LUPINE_RUN_FILE
#define LIST_MAX 512 /* arguments; environment entries */
#define GROUPS_MAX 64 /* supplementary groups */
#define ROUTES_MAX 32 /* routes on eth0 besides the default one */

struct run_route {
	struct in_addr dst, mask, gw;
	int has_gw; /* via gw; else on eth0's link */
};

/* a list of run file values of the process spec (a key that repeats) */
struct run_list {
	char *v[LUPINE_SPEC_LIST_MAX];
	int n;
};

struct run {
	char *argv[LIST_MAX + 1], *envp[LIST_MAX + 1];
	int argc, envc;
	char *cwd, *hostname, *root_dev, *root_fs, *dns;
	long uid, gid; /* -1: unchanged */
	gid_t groups[GROUPS_MAX]; /* supplementary groups (with uid set) */
	int ngroups;
	int root_ro, has_ip, has_gw;
	int ctl_console; /* control lines on the console (no I/O ports: Firecracker) */
	int stdin_pipe;  /* the application's stdin is what the host sends */
	char *mounts[LUPINE_MOUNT_MAX]; /* "mount" lines, in order (mounts.c) */
	int nmounts;
	int stdio_ports; /* the application's stdio has virtio-console ports (stdio.c) */
	int terminal;    /* ... and is a pty's slave (tty.c), of rows x cols */
	int exec_port;   /* serve lupine-runc exec on the exec port (execd.c) */
	unsigned short rows, cols;
	struct in_addr ip, mask, gw;
	struct run_route routes[ROUTES_MAX];
	int nroutes;
	long mtu; /* 0: the NIC's */
	/* the process spec, as the host wrote it (checked when applied) */
	struct run_list rlimits, sysctls, masked, ropaths;
	char *caps, *umask, *oom_score_adj; /* NULL: unchanged */
	long no_new_privs;                  /* -1: unchanged */
	long root_readonly;                 /* 1: remount / read-only once set up */
};

extern struct run run;
extern char errmsg[512]; /* the last message said */
extern int ports;        /* we may write to the control and exit ports */

/* init.c */
/* Print "init: MSG" on the console; MSG stays in errmsg. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Send one control line to the host; newlines inside it become spaces. */
void ctl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Say MSG and report it as "error MSG"; evaluates to -1. */
#define fail(...) (say(__VA_ARGS__), ctl(LUPINE_CTL_ERROR " %s", errmsg), -1)
long long boottime_ns(void);
void mount_basics(void);

/* runfile.c: read RUN_FILE into run; -1 (reported) when it is bad. */
int run_load(void);
/* The same from fd, an open run file, which it closes. The parser alone
 * builds on the host too (fuzz/fuzz_runfile.c links it with stubs of
 * run, errmsg, say and ctl). */
int run_read(int fd);
/* Parses run file text (changed in place) into run; name is for messages.
 * 0, or -1 (reported). Also an exec's process spec, in its child (execd.c). */
int run_parse(char *text, const char *name);

/* setup.c */
int root_switch(void);
void net_init(void);
void names_init(void);
void entropy_seed(void);
/* A restore on a tap (restore.c): eth0's new MAC, address and default route (gw may be NULL). 0, or -1 (said). */
int net_readdress(const unsigned char mac[6], struct in_addr ip, struct in_addr mask, const struct in_addr *gw);

/* confine.c: in PID 1 after the mounts, for the whole VM: the sysctls, then
 * the masked and read-only paths. -1 (reported, naming a missing kernel
 * option when that is why) when one cannot be applied. */
int confine_system(void);

/* process.c: in the application's child before exec: rlimits,
 * oom_score_adj, umask, the capability sets around the user's ids, and
 * no_new_privs. -1 with errmsg said when one cannot be applied. */
int process_confine(void);

/* exec.c: fork the application (signal mask orig restored in it; fds[i],
 * when >= 0, as its descriptor i); its pid or -1. */
pid_t app_start(const sigset_t *orig, const int fds[3]);
/* In a child whose stdio is in place: drop the I/O ports, confine
 * (process.c), change to run.cwd and exec run.argv; a failure is said and
 * written to errfd, and the child exits 126 or 127. */
_Noreturn void app_become(int errfd);

/* execd.c: with "exec port", lupine-runc exec: open opens the exec port
 * (with the stdio ports: before config.json's mounts, as a tmpfs on /dev
 * hides it), start serves it in a thread of its own (its processes get the
 * signal mask orig); reaped tells it that pid, one of its processes or
 * not, ended with wait status st. */
void execd_open(void);
void execd_start(const sigset_t *orig);
void execd_reaped(pid_t pid, int st);

/* mounts.c: config.json's mounts (run.mounts) in the container's root, in
 * order; 0, or -1 (reported) when one cannot be made. */
int mounts_apply(void);
/* mkdir -p path, the last component a directory (dir) or an empty file (a
 * dangling symlink's target made instead); 0, or -1 (reported). */
int mount_point(const char *path, int dir);
/* mountdev.c: runc's default device nodes and links in a fresh /dev; a
 * host file's contents (base64 b64, decoded in place) on a tmpfs of its own,
 * bound at dest with flags and "mode=,uid=,gid=" from data. 0 or -1 (reported). */
int mounts_dev(void);
int mount_file(char *b64, const char *dest, unsigned long flags, const char *data);

/* klog.c: send the kernel's "lupine-missing"/"lupine-used" notes to the host. */
void klog_report(void);

/* input.c: the console's input, read on SIGIO. input_init returns the
 * descriptor the application gets as stdin (a pipe or /dev/null). */
int input_init(void);
void input_ready(pid_t app);
/* Whether the host said "exit" (it has all of the application's output). */
int input_exit_asked(void);

/* stdio.c: the application's stdio on virtio-console ports, relayed by
 * threads of the init. open: 0 with fds[0..2] the application's ends, or
 * -1 (reported); start: the relays, once it has them; finish: after every
 * holder of its ends is gone, wait for the relays, report "stdio OUT ERR". */
int stdio_ports_open(int fds[3]);
/* With "terminal", after the ports are open and config.json's mounts made:
 * the pty (tty.c) whose slave fds[0..2] become. 0, or -1 (reported). */
int stdio_tty_open(int fds[3]);
void stdio_ports_start(void);
void stdio_ports_finish(void);
/* For a snapshot: 1 while the output relays have bytes to pass on; bytes
 * gets what stdout and stderr carried. restart: the counts start again. */
int stdio_ports_pending(unsigned long long bytes[2]);
void stdio_ports_restart(void);

/* restore.c: warm start's commands from the host ("freeze", "thaw ...",
 * guest/protocol.h). 1 when cmd was one of them (and was done), else 0. */
int warm_command(const char *cmd);
/* The port numbered nr, opened with flags (waiting a moment for it to
 * appear), or -1 (reported); write all of buf to fd: 0 or -1. */
int port_open(int nr, int flags);
int write_full(int fd, const char *buf, size_t n);

/* tty.c: with "terminal", a pty for the application. open: devpts mounted
 * (a new instance), the pair made at run.rows x run.cols: 0 with *master
 * and *slave (close-on-exec), or -1 (reported); attach: in the child, its
 * stdin (the slave) becomes its controlling terminal, in a session of its
 * own; resize: the host's "winsize" (the application gets SIGWINCH). */
int tty_open(int *master, int *slave);
/* A pty pair of rows x cols whose slave belongs to uid and gid (when >= 0),
 * both close-on-exec: 0, or -1 (reported). */
int tty_pair(unsigned rows, unsigned cols, long uid, long gid, int *master, int *slave);
int tty_attach(void);
void tty_resize(unsigned rows, unsigned cols);

#endif
