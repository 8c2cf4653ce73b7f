/* proc.h: child processes, the clock, where lupine itself lives. */
#ifndef LUPINE_PROC_H
#define LUPINE_PROC_H

/* Runs argv (argv[0] looked up in PATH) with stdout and stderr appended to
 * log_fd when log_fd >= 0. Returns the exit status, 128+N for signal N, or -1
 * when it could not be started. */
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
};
/* Reads /proc/PID/stat; 0, or -1 when the process is gone or unreadable. */
int proc_stat_read(int pid, struct proc_stat *st);
/* Directory holding the running executable (from /proc/self/exe); caller frees. */
char *exe_dir(void);

#endif
