/* phases.c: a measuring boot's console read into phases, initcalls named. */
#include "bench/phases.h"
#include "lib/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	return (x->addr > y->addr) - (x->addr < y->addr);
}

void ksyms_parse(struct ksyms *s, const char *nm)
{
	size_t cap = s->n;

	for (const char *p = nm; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char type, name[PHASES_NAME_MAX];
		unsigned long long addr;
		if (sscanf(p, "%llx %c %63s", &addr, &type, name) != 3 || (type != 't' && type != 'T'))
			continue;
		if (s->n == cap)
			s->v = xrealloc(s->v, (cap = cap ? 2 * cap : 1024) * sizeof(*s->v));
		s->v[s->n++] = (struct ksym){addr, xstrdup(name)};
	}
	qsort(s->v, s->n, sizeof(*s->v), cmp_ksym);
}

int ksyms_load(struct ksyms *s, const char *vmlinux)
{
	char *argv[] = {"nm", "-n", "--defined-only", (char *)vmlinux, NULL};
	struct strbuf out = {0};
	int rc = proc_capture(argv, 64 << 20, &out);

	if (rc == 0 && out.buf)
		ksyms_parse(s, out.buf);
	sb_release(&out);
	return rc == 0 && s->n ? 0 : -1;
}

const char *ksyms_find(const struct ksyms *s, uint64_t addr)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->v[lo].addr == addr ? s->v[lo].name : NULL;
}

void ksyms_release(struct ksyms *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* "0xffffffff81234567" through syms, or "name+0x0/0x30" cut at the '+';
 * only printable characters, at most PHASES_NAME_MAX - 1 of them. */
static void initcall_name(const char *p, const struct ksyms *syms, char *out)
{
	size_t n = 0;
	const char *sym;

	if (syms && !strncmp(p, "0x", 2) && (sym = ksyms_find(syms, strtoull(p, NULL, 16))))
		p = sym;
	while (p[n] && p[n] != '+' && p[n] != ' ' && isgraph((unsigned char)p[n]) && n < PHASES_NAME_MAX - 1)
		n++;
	memcpy(out, p, n);
	out[n] = 0;
}

/* A kernel log line "<L>[    1.234567] TEXT": 1 with its time and text. */
static int klog_line(const char *line, double *t, const char **text)
{
	const char *open = strchr(line, '['), *close;
	char *end;

	if (!open || open - line > 4 || !(close = strchr(open, ']')))
		return 0;
	*t = strtod(open + 1, &end);
	if (end == open + 1 || *t < 0 || *t > 1e6)
		return 0;
	*text = close + 1 + (close[1] == ' ');
	return 1;
}

struct scan {
	double first_call, last_call, last_end;
	struct initcall_time *calls;
	int n, cap;
};

static void scan_line(struct scan *sc, const char *line, const struct ksyms *syms, double scale)
{
	const char *text;
	double t;

	if (!klog_line(line, &t, &text))
		return;
	if (!strncmp(text, "calling  ", 9)) {
		if (sc->first_call < 0)
			sc->first_call = t;
		sc->last_call = t;
	} else if (!strncmp(text, "initcall ", 9) && strstr(text, " returned ") && sc->last_call >= 0 &&
		   t >= sc->last_call) {
		/* the printk times, not "after N usecs": that is ktime, which
		 * counts jiffies until the TSC clocksource is chosen */
		sc->last_end = t;
		if (sc->n == sc->cap)
			sc->calls = xrealloc(sc->calls, (size_t)(sc->cap = sc->cap ? 2 * sc->cap : 256) * sizeof(*sc->calls));
		initcall_name(text + 9, syms, sc->calls[sc->n].name);
		sc->calls[sc->n++].sec = (t - sc->last_call) * scale;
	}
}

static int cmp_slowest(const void *a, const void *b)
{
	double x = ((const struct initcall_time *)a)->sec, y = ((const struct initcall_time *)b)->sec;
	return (x < y) - (x > y);
}

/* The klog between its markers, line by line. */
static void scan_klog(struct scan *sc, const char *console, const struct ksyms *syms, double scale)
{
	const char *p = strstr(console, "lupine-klog-begin"), *end = p ? strstr(p, "lupine-klog-end") : NULL;
	char line[512];

	if (!end || !(p = strchr(p, '\n')) || p > end)
		return;
	for (p++; p < end;) {
		size_t n = strcspn(p, "\n");
		if (p + n > end)
			n = (size_t)(end - p);
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		scan_line(sc, line, syms, scale);
		p += n + 1;
	}
}

int phases_parse(const char *console, double t_init, const struct phase_clock *clk, const struct ksyms *syms,
		 struct boot_phases *out)
{
	const char *hello = console ? strstr(console, "lupine-hello: reached init as pid 1, boottime ") : NULL;
	double scale = clk->host_tsc_hz > 0 && clk->guest_tsc_hz > 0 ? clk->guest_tsc_hz / clk->host_tsc_hz : 1;
	struct scan sc = {.first_call = -1, .last_call = -1, .last_end = -1};
	unsigned long long tsc;
	double boottime;

	memset(out, 0, sizeof(*out));
	if (!hello || clk->host_tsc_hz <= 0 ||
	    sscanf(hello, "lupine-hello: reached init as pid 1, boottime %lf s, tsc %llu", &boottime, &tsc) != 2)
		return -1;
	scan_klog(&sc, console, syms, scale);
	if (sc.n == 0 || sc.first_call < 0 || sc.last_end < sc.first_call || boottime < sc.last_end) {
		free(sc.calls);
		return -1;
	}
	double vm_to_init = (double)tsc / clk->host_tsc_hz;
	out->total = t_init;
	out->vmm = t_init - vm_to_init;
	out->loader = vm_to_init - boottime * scale;
	out->kernel = sc.first_call * scale;
	out->initcalls = (sc.last_end - sc.first_call) * scale;
	out->to_init = (boottime - sc.last_end) * scale;
	out->ninitcalls = sc.n;
	qsort(sc.calls, (size_t)sc.n, sizeof(*sc.calls), cmp_slowest);
	out->ntop = sc.n < PHASES_TOP ? sc.n : PHASES_TOP;
	memcpy(out->top, sc.calls, (size_t)out->ntop * sizeof(*sc.calls));
	free(sc.calls);
	return 0;
}

static double raw_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double phases_host_tsc_hz(void)
{
#if defined(__x86_64__)
	struct timespec pause = {0, 100 * 1000 * 1000};
	double t0 = raw_now();
	unsigned long long c0 = __builtin_ia32_rdtsc();

	nanosleep(&pause, NULL);
	return (double)(__builtin_ia32_rdtsc() - c0) / (raw_now() - t0);
#else
	return 0;
#endif
}
