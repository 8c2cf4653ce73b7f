/* proc.h: child processes, the clock, where lupine itself lives.
 *
 * Every program lupine runs (QEMU, make, mke2fs, skopeo, a client check)
 * starts through proc_spawn: argv as a list (never a shell line unless the
 * caller asks for sh -c), the descriptors it gets, its own process group if
 * asked, and death with lupine (PR_SET_PDEATHSIG) unless it must outlive it. */
#ifndef LUPINE_PROC_H
#define LUPINE_PROC_H

#include <sys/types.h>

struct strbuf;

struct proc_opts {
	int in, out, err;  /* the child's stdin, stdout, stderr; -1: lupine's own */
	int own_pgrp;      /* a process group of its own: a terminal's Ctrl-C is lupine's to handle */
	int death_signal;  /* sent to it when lupine dies (0: SIGKILL) */
	int outlive;       /* no death signal: it must outlive lupine (lupine-runc's monitor) */
	int keep;          /* > 2: one more descriptor the child keeps open (a readiness pipe) */
	const char *file;  /* proc_spawn: the program to run, argv[0] only its name (an OCI hook's
			    * path and args); NULL: argv[0], looked up in PATH */
	char *const *env;  /* proc_spawn: the whole environment; NULL: lupine's own */
};
#define PROC_OPTS_INIT {.in = -1, .out = -1, .err = -1}

/* Starts argv (argv[0] looked up in PATH, or opts->file) as opts says, every descriptor
 * above stderr closed in it. The pid, or -1 with errno when fork failed; an
 * exec that fails ends the child with 127 and a line on its stderr. */
pid_t proc_spawn(char *const argv[], const struct proc_opts *opts);
/* Forks a child that runs fn(arg) and _exits with its return value, set up
 * as proc_spawn sets up a program (descriptors, group, death signal). */
pid_t proc_fork(int (*fn)(void *arg), void *arg, const struct proc_opts *opts);
/* Waits for pid: its exit status, 128+N for signal N, or -1. */
int proc_wait(pid_t pid);
/* The same without blocking: 1 with *status when it ended, 0 while it runs, -1. */
int proc_poll(pid_t pid, int *status);
/* proc_spawn + proc_wait; -1 when it could not be started. */
int proc_run(char *const argv[], const struct proc_opts *opts);
/* Runs argv with stdout and stderr appended to out (the first max bytes
 * kept, the rest read and dropped) and stdin /dev/null; its exit status as
 * proc_wait gives it, or -1. */
int proc_capture(char *const argv[], size_t max, struct strbuf *out);
/* Runs argv with stdout and stderr appended to log_fd when log_fd >= 0.
 * Returns the exit status, 128+N for signal N, or -1 when it could not be started. */
int run_cmd(char *const argv[], int log_fd);
/* In a child about to exec: close every descriptor above stderr. Programs
 * must not inherit ours (dash, and so mmdebstrap's hooks, cannot even name
 * a descriptor above 9). */
void proc_close_inherited(void);
/* Seconds since an arbitrary start, monotonic. */
double now_sec(void);
/* Where a command is, as a shell finds it: name itself when it has a '/',
 * else the first executable non-directory NAME in $PATH. NULL if none; caller frees. */
char *path_lookup(const char *name);
/* What /proc/PID/stat says of a process. */
struct proc_stat {
	char comm[64];
	char state;       /* R, S, Z ... */
	int ppid;
	long ticks;       /* utime + stime, in clock ticks */
	unsigned long long start_time; /* clock ticks after boot it started: with its pid, the
					* process itself (a later one reusing the pid starts later) */
};
/* Reads /proc/PID/stat; 0, or -1 when the process is gone or unreadable. */
int proc_stat_read(int pid, struct proc_stat *st);
/* A "Key:   N kB" field of /proc/PID/FILE (status, smaps_rollup) in KiB, or -1. */
long proc_kib(int pid, const char *file, const char *key);
/* Sends sig to pid only when it is still the process that started at start
 * (proc_stat's start_time): never to pid <= 0 (kill's process groups), never
 * to a process that reuses the pid, with no reuse between the check and the
 * signal (a pidfd holds the process). 0, or -1 with errno: ESRCH when that
 * process is gone. */
int proc_signal(pid_t pid, unsigned long long start, int sig);
/* Directory holding the running executable (from /proc/self/exe); caller frees. */
char *exe_dir(void);

#endif
