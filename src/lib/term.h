/* term.h: the terminal lupine runs in, for a run whose application has a
 * terminal of its own (`lupine run -t`, lupine-runc's console): raw for the
 * run, restored however lupine ends, and its size. */
#ifndef LUPINE_TERM_H
#define LUPINE_TERM_H

/* Puts the terminal on fd in raw mode (no echo, no line editing, no
 * signal keys, no output processing: bytes pass as they are), once; it is
 * restored by term_restore, at exit, and on a fatal signal lupine does not
 * handle itself (the signal then does what it would have). 1 when raw now,
 * 0 when fd is no terminal, -1 with errno. */
int term_raw(int fd);
/* Restores what term_raw changed; safe in a signal handler, and to repeat. */
void term_restore(void);
/* The size of the terminal on fd; 0 with *rows and *cols, or -1 when fd is
 * no terminal. */
int term_size(int fd, unsigned *rows, unsigned *cols);

#endif
