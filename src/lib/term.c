/* term.c: raw mode for lupine's terminal while an application's terminal runs through it. */
#include "lib/term.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t saved_fd = -1;

void term_restore(void)
{
	int fd = saved_fd;

	if (fd >= 0) {
		saved_fd = -1;
		tcsetattr(fd, TCSANOW, &saved);
	}
}

/* A fatal signal: the terminal back, then the signal's own end (SA_RESETHAND). */
static void on_fatal(int sig)
{
	term_restore();
	raise(sig);
}

/* Fatal signals whose disposition is still the default; lupine's own
 * handlers (stop, forward) end the run normally, which restores. */
static void fatal_signals_catch(void)
{
	static const int sigs[] = {SIGABRT, SIGALRM, SIGBUS, SIGFPE, SIGILL, SIGPIPE, SIGPROF, SIGSEGV,
				   SIGSYS, SIGTRAP, SIGVTALRM, SIGXCPU, SIGXFSZ, SIGQUIT, SIGINT, SIGTERM,
				   SIGHUP, SIGUSR1, SIGUSR2};
	struct sigaction old, sa = {.sa_handler = on_fatal, .sa_flags = SA_RESETHAND | SA_NODEFER};

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
			sigaction(sigs[i], &sa, NULL);
}

int term_raw(int fd)
{
	static int at_exit;
	struct termios t;

	if (!isatty(fd))
		return 0;
	if (saved_fd >= 0)
		return 1;
	if (tcgetattr(fd, &saved) < 0)
		return -1;
	t = saved;
	cfmakeraw(&t);
	if (!at_exit++)
		atexit(term_restore);
	fatal_signals_catch();
	saved_fd = fd;
	if (tcsetattr(fd, TCSANOW, &t) < 0) {
		saved_fd = -1;
		return -1;
	}
	return 1;
}

int term_size(int fd, unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	memset(&ws, 0, sizeof(ws));
	if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
		return -1;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return 0;
}
