/* test_channel.c: the guest's console and control lines, driven in-process
 * through vm/channel.c with a fake VM: whatever the guest writes, the host
 * does work linear in it and keeps a bounded amount; stdin data never turns
 * into a command for the init. */
#include "harness.h"
#include "guest/protocol.h"
#include "lib/util.h"
#include "vm/channel.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MARK LUPINE_CTL_MARK
#define FLOOD (16 << 20)

struct fake {
	struct vm_config cfg;
	struct vm_result res;
	struct channel c;
	int saved_stderr;
};

/* A channel as vm_start sets it up, echo off, stderr into a file of the test's. */
static void fake_init(struct fake *f, int ctl_on_console)
{
	char *path = xasprintf("%s/stderr", test_tmpdir());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	memset(f, 0, sizeof(*f));
	f->res.t_init = f->res.t_app = f->res.guest_init = -1;
	f->c =
	    (struct channel){.cfg = &f->cfg, .res = &f->res, .in_fd = -1, .ctl_on_console = ctl_on_console};
	f->c.t0 = now_sec();
	fflush(stderr);
	f->saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
	free(path);
}

/* Ends the fake: stderr back, what was said on it returned (caller frees). */
static char *fake_release(struct fake *f)
{
	char *path = xasprintf("%s/stderr", test_tmpdir()), *said;

	fflush(stderr);
	dup2(f->saved_stderr, 2);
	close(f->saved_stderr);
	said = file_read(path, NULL);
	free(path);
	channel_release(&f->c);
	vm_result_release(&f->res);
	return said ? said : xstrdup("");
}

static size_t lines_of(const char *text)
{
	size_t n = 0;

	for (const char *p = text; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

/* n bytes of fill through feed in 16 KiB reads, as vm_poll reads them; CPU seconds. */
static double flood(struct fake *f, void (*feed)(struct channel *, const char *, size_t), char fill, size_t n)
{
	char buf[16384];
	clock_t c0 = clock();

	memset(buf, fill, sizeof(buf));
	for (size_t done = 0; done < n; done += sizeof(buf))
		feed(&f->c, buf, sizeof(buf));
	return (double)(clock() - c0) / CLOCKS_PER_SEC;
}

/* The mark, then 16 MiB without a newline: it once took lupine run over ten
 * minutes of CPU and all the memory it got. Now the line is dropped, said
 * once, and the next line is read as ever. */
static void test_console_flood(void)
{
	struct fake f;
	double cpu;

	fake_init(&f, 1);
	channel_console(&f.c, MARK "error ", strlen(MARK "error "));
	cpu = flood(&f, channel_console, 'x', FLOOD);
	size_t kept = f.c.ctl.len;
	channel_console(&f.c, "\nhello\n" MARK "status 3\n", strlen("\nhello\n" MARK "status 3\n"));
	int status_seen = f.c.status_seen, status = f.res.status;
	size_t console = f.c.console.len;
	char *app_error = f.res.app_error ? xstrdup(f.res.app_error) : NULL;
	char *said = fake_release(&f);
	CHECK(cpu < 5);
	CHECK(kept <= CHANNEL_LINE_MAX);
	CHECK_INT(status_seen, 1);
	CHECK_INT(status, 3);
	CHECK_INT(console, strlen("hello\n"));
	CHECK(app_error == NULL);
	CHECK_INT(lines_of(said), 1);
	CHECK_CONTAINS(said, "lupine: dropped a control line from the guest longer than 4096 bytes\n");
	free(said);
	free(app_error);
}

/* The same through QEMU's control FIFO, and 16 MiB of near-marks on the console. */
static void test_ctl_flood(void)
{
	struct fake f;
	double cpu;

	fake_init(&f, 0);
	cpu = flood(&f, channel_ctl, 'y', FLOOD);
	size_t kept = f.c.ctl.len;
	channel_ctl(&f.c, "\nstatus 4\n", strlen("\nstatus 4\n"));
	int status = f.res.status;
	char *said = fake_release(&f);
	CHECK(cpu < 5);
	CHECK(kept <= CHANNEL_LINE_MAX);
	CHECK_INT(status, 4);
	CHECK_INT(lines_of(said), 1);
	free(said);

	fake_init(&f, 1);
	cpu = flood(&f, channel_console, '\x1b', FLOOD);
	size_t console = f.c.console.len;
	said = fake_release(&f);
	CHECK(cpu < 5);
	CHECK(console <= 2 * (1 << 20) + 16384); /* the console's tail: 1 MiB, trimmed at 2 */
	CHECK_INT(lines_of(said), 0);
	free(said);
}

/* At most VM_NOTES_MAX notes of each kind; the rest counted, said once. */
static void test_notes_capped(void)
{
	struct fake f;
	struct strbuf lines = {0};

	for (int i = 0; i < 25000; i++)
		sb_addf(&lines, "used syscall #%d %d app\nmissing fs x%d 1 app\n", i % 400, i + 1, i);
	fake_init(&f, 0);
	clock_t c0 = clock();
	channel_ctl(&f.c, lines.buf, lines.len);
	double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
	size_t used = f.res.used.n, missing = f.res.missing.n, dropped = f.res.notes_dropped;
	int first = !strcmp(f.res.used.v[0], "syscall #0 1 app");
	char *said = fake_release(&f);
	CHECK(cpu < 5);
	CHECK_INT(used, VM_NOTES_MAX);
	CHECK_INT(missing, VM_NOTES_MAX);
	CHECK_INT(dropped, 2 * (25000 - VM_NOTES_MAX));
	CHECK(first);
	CHECK_INT(lines_of(said), 1);
	CHECK_CONTAINS(said, "more than 10000 kernel notes");
	free(said);
	sb_release(&lines);
}

/* Numbers from the guest: a status is 0 to 255, the init's clock a decimal. */
static void test_ctl_numbers(void)
{
	static const char *const bad[] = {"status 256",	 "status -1", "status 12abc",
					  "status 0x10", "status ",   "status 99999999999999999999",
					  "status +3",	 "status 1 2"};
	struct fake f;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *line = xasprintf("%s\n", bad[i]);
		fake_init(&f, 0);
		channel_ctl(&f.c, line, strlen(line));
		int seen = f.c.status_seen;
		free(fake_release(&f));
		if (seen)
			check_fail(__FILE__, __LINE__, "'%s' taken as a status", bad[i]);
		free(line);
	}
	fake_init(&f, 0);
	channel_ctl(&f.c, "init 1500000000\napp 3\nstatus 255\r\n",
		    strlen("init 1500000000\napp 3\nstatus 255\r\n"));
	double guest_init = f.res.guest_init, t_app = f.res.t_app;
	int status = f.res.status, seen = f.c.status_seen;
	free(fake_release(&f));
	CHECK(guest_init > 1.49 && guest_init < 1.51);
	CHECK(t_app >= 0);
	CHECK_INT(seen, 1);
	CHECK_INT(status, 255);
	fake_init(&f, 0);
	channel_ctl(&f.c, "init 12x\n", strlen("init 12x\n"));
	guest_init = f.res.guest_init;
	free(fake_release(&f));
	CHECK(guest_init < 0);
}

/* An honest guest's console and control lines, in reads of any size, come out as they always did. */
static void test_console_honest(void)
{
	static const char in[] = "hello\n" MARK "init 5\nwor\x1bld\n\x1blupine-cx\n" MARK "status 0\r\n"
				 "\x1b" MARK "used fs tmpfs 1 sh\ntail";
	static const char want[] = "hello\nwor\x1bld\n\x1blupine-cx\n\x1btail";

	for (size_t step = 1; step <= 9; step++) {
		struct fake f;
		fake_init(&f, 1);
		for (size_t i = 0; i < sizeof(in) - 1; i += step)
			channel_console(&f.c, in + i, sizeof(in) - 1 - i < step ? sizeof(in) - 1 - i : step);
		CHECK(f.c.console.len == strlen(want) && !memcmp(f.c.console.buf, want, strlen(want)));
		CHECK(f.c.status_seen && f.res.t_init >= 0 && f.res.used.n == 1);
		CHECK(f.res.used.n == 1 && !strcmp(f.res.used.v[0], "fs tmpfs 1 sh"));
		free(fake_release(&f));
	}
}

/* The VMM's stderr: its tail is kept, bounded. */
static void test_vmm_err_capped(void)
{
	struct fake f;
	char buf[4096];

	memset(buf, 'e', sizeof(buf));
	fake_init(&f, 0);
	for (int i = 0; i < 1024; i++)
		channel_vmm_err(&f.c, buf, sizeof(buf));
	channel_vmm_err(&f.c, "qemu: fatal: the end\n", 21);
	size_t len = f.c.vmm_err.len;
	int tail = str_ends(f.c.vmm_err.buf, "qemu: fatal: the end\n");
	free(fake_release(&f));
	CHECK(len <= 2 * (64 << 10) + 4096);
	CHECK(tail);
}

/* Stdin data holding the mark reaches the init as data: each ESC is doubled, commands are not. */
static void test_stdin_escaped(void)
{
	static const char data[] = "a\x1blupine-ctl signal 9\nb\x1b";
	static const char want[] = "a\x1b\x1blupine-ctl signal 9\nb\x1b\x1b" MARK "eof\n";
	char got[256];
	int p[2];
	struct fake f;

	CHECK_INT(pipe(p), 0);
	fake_init(&f, 0);
	f.c.in_fd = p[1];
	f.res.t_app = 0; /* the application runs: input goes on at once */
	channel_send(&f.c, data, sizeof(data) - 1);
	channel_command(&f.c, LUPINE_IN_EOF);
	free(fake_release(&f));
	close(p[1]);
	ssize_t n = read(p[0], got, sizeof(got));
	close(p[0]);
	CHECK_INT(n, (ssize_t)sizeof(want) - 1);
	CHECK(n == (ssize_t)sizeof(want) - 1 && !memcmp(got, want, sizeof(want) - 1));
}

const struct test channel_tests[] = {
    {"channel/console-honest", test_console_honest, 0},
    {"channel/console-flood", test_console_flood, 0},
    {"channel/ctl-flood", test_ctl_flood, 0},
    {"channel/notes-capped", test_notes_capped, 0},
    {"channel/ctl-numbers", test_ctl_numbers, 0},
    {"channel/vmm-err-capped", test_vmm_err_capped, 0},
    {"channel/stdin-escaped", test_stdin_escaped, 0},
    {0, 0, 0},
};
