/* channel.c: the guest's console (echoed, recorded, scanned for panics) and its control lines. */
#include "vm/channel.h"
#include "guest/protocol.h"
#include "lib/term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONSOLE_CAP (1 << 20)
#define VMM_ERR_CAP (64 << 10)

/* Keeps the last cap bytes of sb once it holds twice that: linear overall. */
static void keep_tail(struct strbuf *sb, size_t cap)
{
	if (sb->len > 2 * cap) {
		memmove(sb->buf, sb->buf + sb->len - cap, cap);
		sb->len = cap;
		sb->buf[cap] = 0;
	}
}

static void console_line(struct channel *c, const char *line)
{
	if (!c->panic_seen && (strstr(line, "Kernel panic") || strstr(line, "BUG: ") ||
			       strstr(line, "Oops: ") || strstr(line, "general protection fault")))
		c->panic_seen = 1;
	if (c->panic_seen && c->panic_lines < 40) {
		sb_addf(&c->panic, "%s\n", line);
		c->panic_lines++;
	}
}

/* Where the guest's bytes are echoed: echo_fd, else (with echo) the
 * application's stdout and stderr to ours, and the console to our stdout,
 * or to our stderr once the application has ports of its own. */
static int echo_to(const struct channel *c, int std_fd)
{
	if (c->cfg->echo_fd > 0)
		return c->cfg->echo_fd;
	return c->cfg->echo ? std_fd : -1;
}

static void record(struct channel *c, const char *buf, size_t n)
{
	keep_tail(&c->console, CONSOLE_CAP);
	sb_add(&c->console, buf, n);
}

void channel_app_output(struct channel *c, int which, const char *buf, size_t n)
{
	int fd = echo_to(c, which ? STDERR_FILENO : STDOUT_FILENO);

	if (fd >= 0 && write_all(fd, buf, n) < 0) {
		/* a closed reader loses the output, not the run */
	}
	record(c, buf, n);
	c->app_bytes[which ? 1 : 0] += n;
}

int channel_output_complete(const struct channel *c)
{
	return c->stdio_seen && c->app_bytes[0] >= c->app_announced[0] && c->app_bytes[1] >= c->app_announced[1];
}

/* Console bytes that belong to the guest's output. */
static void console_out(struct channel *c, const char *buf, size_t n)
{
	int fd = echo_to(c, c->cfg->stdio_ports ? STDERR_FILENO : STDOUT_FILENO);

	if (c->cfg->stdio_ports && c->cfg->echo_fd <= 0 && c->cfg->console_fd)
		fd = c->cfg->echo ? c->cfg->console_fd : -1;

	if (!n)
		return;
	if (fd == STDOUT_FILENO)
		fflush(stdout); /* what lupine printed goes first */
	if (fd >= 0 && write_all(fd, buf, n) < 0) {
		/* a closed reader loses the echo, not the run */
	}
	record(c, buf, n);
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			console_line(c, c->line.buf ? c->line.buf : "");
			c->line.len = 0;
			if (c->line.buf)
				c->line.buf[0] = 0;
		} else if (buf[i] != '\r' && c->line.len < 4096) {
			sb_add(&c->line, &buf[i], 1);
		}
	}
}

/* s as a decimal of 1 to digits digits, no sign, at most max: 0 with *v, or -1. */
static int ctl_number(const char *s, size_t digits, unsigned long long max, unsigned long long *v)
{
	unsigned long long x = 0;
	size_t n = strspn(s, "0123456789");

	if (!n || n > digits || s[n])
		return -1;
	for (size_t i = 0; i < n; i++)
		x = x * 10 + (unsigned)(s[i] - '0');
	*v = x;
	return x <= max ? 0 : -1;
}

/* "OUT ERR": two byte counts. */
static int ctl_pair(char *arg, unsigned long long v[2])
{
	char *second = strchr(arg, ' ');

	if (!second)
		return -1;
	*second++ = 0;
	return ctl_number(arg, 19, ~0ULL, &v[0]) == 0 && ctl_number(second, 19, ~0ULL, &v[1]) == 0 ? 0 : -1;
}

/* A kernel note, while fewer than VM_NOTES_MAX of its kind are kept. */
static void ctl_note(struct channel *c, struct strlist *notes, const char *note)
{
	if (notes->n < VM_NOTES_MAX) {
		strlist_add(notes, note);
		return;
	}
	if (!c->res->notes_dropped++)
		error("the guest sent more than %d kernel notes of a kind: the rest are dropped",
		      VM_NOTES_MAX);
}

static void ctl_line(struct channel *c, char *line)
{
	struct vm_result *res = c->res;
	double t = now_sec() - c->t0;
	size_t len = strlen(line);
	unsigned long long v;
	char *arg;

	if (len && line[len - 1] == '\r') /* the console's \r\n */
		line[len - 1] = 0;
	if ((arg = strchr(line, ' ')))
		*arg++ = 0;
	if (!strcmp(line, LUPINE_CTL_INIT) && res->t_init < 0) {
		res->t_init = t;
		if (arg && ctl_number(arg, 19, ~0ULL, &v) == 0)
			res->guest_init = (double)v / 1e9;
	} else if (!strcmp(line, LUPINE_CTL_APP) && res->t_app < 0) {
		res->t_app = t;
	} else if (!strcmp(line, LUPINE_CTL_STATUS) && arg && ctl_number(arg, 3, 255, &v) == 0) {
		res->status = (int)v;
		c->status_seen = 1;
	} else if (!strcmp(line, LUPINE_CTL_STDIO) && arg && !c->stdio_seen) {
		c->stdio_seen = ctl_pair(arg, c->app_announced) == 0;
	} else if (!strcmp(line, LUPINE_CTL_FROZEN) && arg && c->freeze_sent && !c->frozen_seen) {
		c->frozen_seen = ctl_pair(arg, c->frozen) == 0;
	} else if (!strcmp(line, LUPINE_CTL_ERROR) && arg && !res->app_error) {
		res->app_error = xstrdup(arg);
	} else if (!strcmp(line, LUPINE_CTL_MISSING) && arg) {
		ctl_note(c, &res->missing, arg);
	} else if (!strcmp(line, LUPINE_CTL_USED) && arg) {
		ctl_note(c, &res->used, arg);
	}
}

/* Each byte is looked at once: a line is gathered up to its newline, and
 * one longer than CHANNEL_LINE_MAX is dropped as it comes. */
void channel_ctl(struct channel *c, const char *buf, size_t n)
{
	while (n) {
		const char *nl = memchr(buf, '\n', n);
		size_t take = nl ? (size_t)(nl - buf) : n;
		if (!c->ctl_skip && c->ctl.len + take > CHANNEL_LINE_MAX) {
			c->ctl_skip = 1;
			c->ctl.len = 0;
			if (!c->said_overlong++)
				error("dropped a control line from the guest longer than %d bytes",
				      CHANNEL_LINE_MAX);
		}
		if (!c->ctl_skip)
			sb_add(&c->ctl, buf, take);
		if (nl) {
			if (!c->ctl_skip && c->ctl.len)
				ctl_line(c, c->ctl.buf);
			c->ctl_skip = 0;
			c->ctl.len = 0;
			take++;
		}
		buf += take;
		n -= take;
	}
}

/* With control lines on the console: bytes that could start the mark are
 * held until they do or do not; a marked line goes to the control side.
 * The guest's output is gathered in c->out and goes on in one piece. */
void channel_console(struct channel *c, const char *buf, size_t n)
{
	static const char mark[] = LUPINE_CTL_MARK;
	size_t start = 0;

	if (!c->ctl_on_console) {
		console_out(c, buf, n);
		return;
	}
	c->out.len = 0;
	for (size_t i = 0; i < n; i++) {
		if (c->in_ctl) {
			const char *nl = memchr(buf + i, '\n', n - i);
			size_t end = nl ? (size_t)(nl - buf) + 1 : n;
			channel_ctl(c, buf + i, end - i);
			c->in_ctl = !nl;
			start = end;
			i = end - 1;
		} else if (buf[i] == mark[c->hold.len]) {
			sb_add(&c->out, buf + start, i - start);
			sb_add(&c->hold, &buf[i], 1);
			start = i + 1;
			if (c->hold.len == sizeof(mark) - 1) {
				c->in_ctl = 1;
				c->hold.len = 0;
			}
		} else if (c->hold.len) {
			/* not the mark after all: what was held is output */
			sb_add(&c->out, c->hold.buf, c->hold.len);
			c->hold.len = 0;
			i--;
		}
	}
	sb_add(&c->out, buf + start, n - start);
	console_out(c, c->out.buf, c->out.len);
}

void channel_vmm_err(struct channel *c, const char *buf, size_t n)
{
	keep_tail(&c->vmm_err, VMM_ERR_CAP);
	sb_add(&c->vmm_err, buf, n);
}

void channel_flush(struct channel *c)
{
	ssize_t n;

	/* bytes sent before the init has the console in raw mode would be
	 * echoed or lost: hold them until it starts the application */
	while (c->in_fd >= 0 && c->to_guest.len && (c->res->t_app >= 0 || c->status_seen)) {
		if ((n = write(c->in_fd, c->to_guest.buf, c->to_guest.len)) <= 0)
			return; /* EAGAIN: the VMM reads on */
		memmove(c->to_guest.buf, c->to_guest.buf + n, c->to_guest.len - (size_t)n);
		c->to_guest.len -= (size_t)n;
	}
}

void channel_send(struct channel *c, const char *buf, size_t n)
{
	for (const char *end = buf + n, *esc; buf < end; buf = esc + 1) {
		if (!(esc = memchr(buf, '\x1b', (size_t)(end - buf)))) {
			sb_add(&c->to_guest, buf, (size_t)(end - buf));
			break;
		}
		sb_add(&c->to_guest, buf, (size_t)(esc - buf) + 1);
		sb_add(&c->to_guest, esc, 1);
	}
	channel_flush(c);
}

void channel_command(struct channel *c, const char *cmd)
{
	char *line = xasprintf("%s%s\n", LUPINE_CTL_MARK, cmd);

	sb_adds(&c->to_guest, line);
	channel_flush(c);
	free(line);
}

void channel_winsize(struct channel *c, int fd)
{
	unsigned rows, cols;
	char cmd[64];

	if (term_size(fd, &rows, &cols) < 0)
		return;
	snprintf(cmd, sizeof(cmd), LUPINE_IN_WINSIZE " %u %u", rows, cols);
	channel_command(c, cmd);
}

void channel_release(struct channel *c)
{
	sb_release(&c->to_guest);
	sb_release(&c->console);
	sb_release(&c->ctl);
	sb_release(&c->line);
	sb_release(&c->panic);
	sb_release(&c->hold);
	sb_release(&c->out);
	sb_release(&c->vmm_err);
}
