/* input.c: the console's input side: commands from the host (signal, eof, winsize) and,
 * with "stdin pipe", the application's standard input. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static int in_fd = -1;  /* our own open of the console: O_NONBLOCK|O_ASYNC, SIGIO on input */
static int pipe_w = -1; /* the write end of the application's stdin, or -1 */
static size_t held;     /* bytes of LUPINE_CTL_MARK matched so far */
static int in_cmd;      /* inside a command line */
static char cmd[256]; /* "thaw" is the longest */
static size_t cmd_len;
static int exit_asked;  /* the host said "exit" */

/* Raw input: no echo, no line editing, no ^C; bytes arrive as sent. Output is left alone. */
static void raw_input(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | ISIG | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(ICRNL | INLCR | IGNCR | IXON | ISTRIP | BRKINT);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(fd, TCSANOW, &t);
}

int input_init(void)
{
	int p[2], null;

	/* a description of its own: O_NONBLOCK must not reach the application's stdout */
	in_fd = open("/dev/console", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (in_fd >= 0) {
		raw_input(in_fd);
		fcntl(in_fd, F_SETOWN, getpid());
		fcntl(in_fd, F_SETFL, O_NONBLOCK | O_ASYNC);
	}
	/* with ports, stdin has its own (stdio.c): the console carries commands only */
	if (!run.stdin_pipe || run.stdio_ports || in_fd < 0 || pipe2(p, O_CLOEXEC) < 0) {
		null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		return null;
	}
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	pipe_w = p[1];
	return p[0];
}

static void data(const char *buf, size_t n)
{
	while (pipe_w >= 0 && n) {
		ssize_t w = write(pipe_w, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) { /* the application closed its stdin: drop what it will not read */
			close(pipe_w);
			pipe_w = -1;
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

/* "ROWS COLS": the terminal's new size; anything else is ignored. */
static void winsize(const char *p)
{
	unsigned v[2] = {0, 0};

	for (int i = 0; i < 2; i++, p++) {
		for (; *p >= '0' && *p <= '9' && v[i] <= 65535; p++)
			v[i] = v[i] * 10 + (unsigned)(*p - '0');
		if (*p != (i ? '\0' : ' '))
			return;
	}
	tty_resize(v[0], v[1]);
}

static void command(pid_t app)
{
	cmd[cmd_len < sizeof(cmd) ? cmd_len : sizeof(cmd) - 1] = '\0';
	if (!strncmp(cmd, LUPINE_IN_SIGNAL " ", strlen(LUPINE_IN_SIGNAL) + 1)) {
		int sig = 0;
		for (const char *p = cmd + strlen(LUPINE_IN_SIGNAL) + 1; *p >= '0' && *p <= '9'; p++)
			sig = sig * 10 + (*p - '0');
		if (sig == SIGTERM)
			klog_report(); /* the notes so far, in case the stop ends in a kill */
		if (sig > 0 && sig < 65 && app > 0)
			kill(app, sig);
	} else if (!strncmp(cmd, LUPINE_IN_WINSIZE " ", strlen(LUPINE_IN_WINSIZE) + 1)) {
		winsize(cmd + strlen(LUPINE_IN_WINSIZE) + 1);
	} else if (warm_command(cmd)) {
		/* restore.c did it */
	} else if (!strcmp(cmd, LUPINE_IN_EXIT)) {
		exit_asked = 1;
	} else if (!strcmp(cmd, LUPINE_IN_EOF) && pipe_w >= 0) {
		close(pipe_w);
		pipe_w = -1;
	}
}

/* One byte of input: the mark is held until it is complete or broken. The
 * host sends each ESC of stdin data twice (guest/protocol.h): ESC ESC is
 * one ESC of data, so the data cannot hold the mark. */
static void input_byte(char ch, pid_t app)
{
	static const char mark[] = LUPINE_CTL_MARK;

	if (in_cmd) {
		if (ch == '\n') {
			command(app);
			in_cmd = 0;
			cmd_len = 0;
		} else if (cmd_len < sizeof(cmd)) {
			cmd[cmd_len++] = ch;
		}
	} else if (held == 1 && ch == mark[0]) {
		data(mark, 1);
		held = 0;
	} else if (ch == mark[held]) {
		if (++held == sizeof(mark) - 1) {
			in_cmd = 1;
			held = 0;
		}
	} else {
		data(mark, held); /* not the mark after all */
		held = 0;
		if (ch == mark[0])
			held = 1;
		else
			data(&ch, 1);
	}
}

void input_ready(pid_t app)
{
	char buf[4096];
	ssize_t n;

	while (in_fd >= 0 && (n = read(in_fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN: all read */
		for (ssize_t i = 0; i < n; i++)
			input_byte(buf[i], app);
	}
}

int input_exit_asked(void)
{
	return exit_asked;
}
