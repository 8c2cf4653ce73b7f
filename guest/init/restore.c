/* restore.c: warm start in the guest: stop everything for a snapshot, and make a
 * restored VM a new one (fresh entropy, the time now, a generation) before it goes on.
 *
 * A snapshot copies the kernel's CRNG state and the clock with the RAM:
 * every VM restored from it would draw the same random numbers and live at
 * the snapshot's time. The host sends "thaw" before anything else, and the
 * application's processes stay stopped (SIGSTOP since the freeze) until the
 * init has mixed the host's entropy in and reseeded (RNDADDENTROPY,
 * RNDRESEEDCRNG), stepped the clock and bumped the generation. What stays
 * shared is what the application drew before the snapshot: its own PRNG
 * states and keys (it can watch LUPINE_GENERATION_FILE to renew them). */
#include "init.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SEED_BYTES 32
/* <linux/random.h>'s, which musl lacks */
#define RNDADDENTROPY_ _IOW('R', 0x03, int[2])
#define RNDRESEEDCRNG_ _IO('R', 0x07)

/* Stops every process but this one, waits (at most ~2 s) for the
 * relays to pass on what they had written, and says how much that was. */
static void freeze(void)
{
	const struct timespec tick = {0, 5 * 1000000L};
	unsigned long long now[2] = {0, 0}, before[2] = {1, 1};

	kill(-1, SIGSTOP);
	for (int i = 0; i < 400; i++) {
		int pending = run.stdio_ports && stdio_ports_pending(now);
		if (!pending && now[0] == before[0] && now[1] == before[1])
			break;
		memcpy(before, now, sizeof(now));
		nanosleep(&tick, NULL);
	}
	ctl(LUPINE_CTL_FROZEN " %llu %llu", now[0], now[1]);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A decimal number at *p, up to the next space or the end; -1 when none. */
static long long number(const char **p)
{
	long long v = 0;
	const char *s = *p;

	for (; *s >= '0' && *s <= '9' && v < (1LL << 40); s++)
		v = v * 10 + (*s - '0');
	if (s == *p || (*s && *s != ' '))
		return -1;
	*p = *s ? s + 1 : s;
	return v;
}

/* The host's entropy into the pool, credited, and a reseed of the CRNG. */
static void reseed(const unsigned char seed[SEED_BYTES])
{
	struct {
		int entropy_count, buf_size;
		unsigned char buf[SEED_BYTES];
	} pool = {SEED_BYTES * 8, SEED_BYTES, {0}};
	int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);

	memcpy(pool.buf, seed, SEED_BYTES);
	if (fd < 0 || ioctl(fd, RNDADDENTROPY_, &pool) < 0 || ioctl(fd, RNDRESEEDCRNG_) < 0)
		say("cannot reseed the restored VM's random numbers: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void generation_write(long long gen)
{
	char text[32];
	int fd, n = snprintf(text, sizeof(text), "%lld\n", gen);

	mkdir("/run", 0755);
	mkdir("/run/lupine", 0755);
	fd = open(LUPINE_GENERATION_FILE ".new", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || write(fd, text, (size_t)n) != n || close(fd) < 0 ||
	    rename(LUPINE_GENERATION_FILE ".new", LUPINE_GENERATION_FILE) < 0)
		say("cannot write %s: %s", LUPINE_GENERATION_FILE, strerror(errno));
}

/* "GEN SEC NSEC HEX": ignored whole when any part is malformed. */
static void thaw(const char *arg)
{
	unsigned char seed[SEED_BYTES];
	long long gen = number(&arg), sec = number(&arg), nsec = number(&arg);

	if (gen < 0 || sec < 0 || nsec < 0 || nsec >= 1000000000 || strlen(arg) != 2 * SEED_BYTES)
		return;
	for (int i = 0; i < SEED_BYTES; i++) {
		int hi = hexval(arg[2 * i]), lo = hexval(arg[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return;
		seed[i] = (unsigned char)(hi << 4 | lo);
	}
	reseed(seed);
	struct timespec ts = {(time_t)sec, (long)nsec};
	if (clock_settime(CLOCK_REALTIME, &ts) < 0)
		say("cannot set the restored VM's clock: %s", strerror(errno));
	generation_write(gen);
	if (run.stdio_ports)
		stdio_ports_restart();
	kill(-1, SIGCONT);
}

/* "MAC A.B.C.D/N GW": ignored whole when any part is malformed. */
static void renet(const char *arg)
{
	unsigned char mac[6];
	char ip[16], gw[16];
	unsigned prefix;
	struct in_addr a, g, mask;

	for (int i = 0; i < 6; i++, arg += 3) {
		int hi = hexval(arg[0]), lo = hexval(arg[1]);
		if (hi < 0 || lo < 0 || arg[2] != (i < 5 ? ':' : ' '))
			return;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	if (sscanf(arg, "%15[0-9.]/%u %15[0-9.-]", ip, &prefix, gw) != 3 || prefix > 32 || !inet_aton(ip, &a))
		return;
	mask.s_addr = htonl(prefix ? 0xffffffffU << (32 - prefix) : 0);
	if (strcmp(gw, "-") && !inet_aton(gw, &g))
		return;
	net_readdress(mac, a, mask, strcmp(gw, "-") ? &g : NULL);
}

int warm_command(const char *cmd)
{
	size_t n = strlen(LUPINE_IN_THAW);

	if (!strcmp(cmd, LUPINE_IN_FREEZE))
		freeze();
	else if (!strncmp(cmd, LUPINE_IN_NET " ", strlen(LUPINE_IN_NET) + 1))
		renet(cmd + strlen(LUPINE_IN_NET) + 1);
	else if (!strncmp(cmd, LUPINE_IN_THAW " ", n + 1))
		thaw(cmd + n + 1);
	else
		return 0;
	return 1;
}
