/* progress.h: run a long command (a kernel build) with its output logged and progress shown. */
#ifndef LUPINE_PROGRESS_H
#define LUPINE_PROGRESS_H

/* Runs argv with stdout and stderr appended to log_fd. While it runs, shows
 * "LABEL: 1m 23s, 412 steps" on one updating stderr line on a terminal, or a
 * plain line every 30 s otherwise. A step is an output line is_step accepts
 * (NULL: every line). Returns the exit status as run_cmd does; *steps gets
 * the final count. */
int progress_run(char *const argv[], int log_fd, const char *label, int (*is_step)(const char *line), long *steps);
/* progress_run (every line a step) with the output in log, created or
 * truncated first; label NULL: no progress line, the command just runs.
 * Returns the exit status as run_cmd does. */
int progress_run_logged(char *const argv[], const char *log, const char *label);
/* kbuild's quiet output: two spaces, an upper-case verb, spaces, a target ("  CC  x.o"). */
int progress_kbuild_step(const char *line);

#endif
