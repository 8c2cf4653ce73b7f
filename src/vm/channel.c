/* channel.c: the guest's console (echoed, recorded, scanned for panics) and its control lines. */
#include "vm/channel.h"
#include "guest/protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONSOLE_CAP (1 << 20)

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

/* Console bytes that belong to the guest's output. */
static void console_out(struct channel *c, const char *buf, size_t n)
{
	if (!n)
		return;
	if (c->cfg->echo_fd > 0) {
		if (write_all(c->cfg->echo_fd, buf, n) < 0) {
			/* a closed reader loses the echo, not the run */
		}
	} else if (c->cfg->echo) {
		fwrite(buf, 1, n, stdout);
		fflush(stdout);
	}
	if (c->console.len > 2 * CONSOLE_CAP) {
		memmove(c->console.buf, c->console.buf + c->console.len - CONSOLE_CAP, CONSOLE_CAP);
		c->console.len = CONSOLE_CAP;
	}
	sb_add(&c->console, buf, n);
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

static void ctl_line(struct channel *c, char *line)
{
	struct vm_result *res = c->res;
	double t = now_sec() - c->t0;
	size_t len = strlen(line);
	char *arg;

	if (len && line[len - 1] == '\r') /* the console's \r\n */
		line[len - 1] = 0;
	if ((arg = strchr(line, ' ')))
		*arg++ = 0;
	if (!strcmp(line, LUPINE_CTL_INIT) && res->t_init < 0) {
		res->t_init = t;
		if (arg)
			res->guest_init = strtod(arg, NULL) / 1e9;
	} else if (!strcmp(line, LUPINE_CTL_APP) && res->t_app < 0) {
		res->t_app = t;
	} else if (!strcmp(line, LUPINE_CTL_STATUS) && arg) {
		res->status = atoi(arg) & 0xff;
		c->status_seen = 1;
	} else if (!strcmp(line, LUPINE_CTL_ERROR) && arg && !res->app_error) {
		res->app_error = xstrdup(arg);
	} else if (!strcmp(line, LUPINE_CTL_MISSING) && arg) {
		strlist_add(&res->missing, arg);
	} else if (!strcmp(line, LUPINE_CTL_USED) && arg) {
		strlist_add(&res->used, arg);
	}
}

void channel_ctl(struct channel *c, const char *buf, size_t n)
{
	char *nl;

	sb_add(&c->ctl, buf, n);
	while (c->ctl.len && (nl = memchr(c->ctl.buf, '\n', c->ctl.len))) {
		size_t used = (size_t)(nl + 1 - c->ctl.buf);
		*nl = 0;
		ctl_line(c, c->ctl.buf);
		memmove(c->ctl.buf, nl + 1, c->ctl.len - used);
		c->ctl.len -= used;
	}
}

/* With control lines on the console: bytes that could start the mark are
 * held until they do or do not; a marked line goes to the control side. */
void channel_console(struct channel *c, const char *buf, size_t n)
{
	static const char mark[] = LUPINE_CTL_MARK;
	size_t start = 0;

	if (!c->ctl_on_console) {
		console_out(c, buf, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (c->in_ctl) {
			channel_ctl(c, &buf[i], 1);
			c->in_ctl = buf[i] != '\n';
			start = i + 1;
		} else if (buf[i] == mark[c->hold.len]) {
			console_out(c, buf + start, i - start);
			sb_add(&c->hold, &buf[i], 1);
			start = i + 1;
			if (c->hold.len == sizeof(mark) - 1) {
				c->in_ctl = 1;
				c->hold.len = 0;
			}
		} else if (c->hold.len) {
			/* not the mark after all: what was held is output */
			console_out(c, c->hold.buf, c->hold.len);
			c->hold.len = 0;
			i--;
		}
	}
	console_out(c, buf + start, n - start);
}

void channel_flush(struct channel *c)
{
	ssize_t n;

	/* bytes sent before the init has the console in raw mode would be
	 * echoed or lost: hold them until it starts the application */
	while (c->in_fd >= 0 && c->to_guest.len && c->res->t_app >= 0) {
		if ((n = write(c->in_fd, c->to_guest.buf, c->to_guest.len)) <= 0)
			return; /* EAGAIN: the VMM reads on */
		memmove(c->to_guest.buf, c->to_guest.buf + n, c->to_guest.len - (size_t)n);
		c->to_guest.len -= (size_t)n;
	}
}

void channel_send(struct channel *c, const char *buf, size_t n)
{
	sb_add(&c->to_guest, buf, n);
	channel_flush(c);
}

void channel_command(struct channel *c, const char *cmd)
{
	char *line = xasprintf("%s%s\n", LUPINE_CTL_MARK, cmd);

	channel_send(c, line, strlen(line));
	free(line);
}

void channel_release(struct channel *c)
{
	sb_release(&c->to_guest);
	sb_release(&c->console);
	sb_release(&c->ctl);
	sb_release(&c->line);
	sb_release(&c->panic);
	sb_release(&c->hold);
}
