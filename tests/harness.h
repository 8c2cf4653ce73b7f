/* harness.h: a small test harness. Tests are plain functions listed in
 * tables; CHECK records a failure and carries on, so one run shows all. */
#ifndef LUPINE_HARNESS_H
#define LUPINE_HARNESS_H

#include <stddef.h>

#define TEST_MANUAL 2

struct test {
	const char *name;
	void (*fn)(void);
	int slow; /* boots VMs or builds kernels; LUPINE_TEST_FAST=1 skips these; TEST_MANUAL:
		   * a measurement run only when named in full (never by make test) */
};

void check_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Marks the running test skipped with a reason; the test should return. */
void test_skip(const char *reason);
/* A fresh temporary directory, removed after the test. */
const char *test_tmpdir(void);

#define CHECK(c) do { if (!(c)) check_fail(__FILE__, __LINE__, "%s", #c); } while (0)
#define CHECK_INT(a, b) do { long long _a = (a), _b = (b); \
	if (_a != _b) check_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, _a, _b); } while (0)
#define CHECK_CONTAINS(hay, needle) do { const char *_h = (hay), *_n = (needle); \
	if (!_h || !strstr(_h, _n)) check_fail(__FILE__, __LINE__, "'%s' not found in: %.2000s", _n, _h ? _h : "(null)"); } while (0)
#define CHECK_NOT_CONTAINS(hay, needle) do { const char *_h = (hay), *_n = (needle); \
	if (_h && strstr(_h, _n)) check_fail(__FILE__, __LINE__, "'%s' unexpectedly in: %.2000s", _n, _h); } while (0)

/* Output of running a command. */
struct cmd_out {
	int status;   /* exit status, 128+N for signal N */
	char *out;    /* stdout */
	char *err;    /* stderr */
	double secs;
};
/* Runs argv (NULL-terminated) with extra "K=V" environment entries (may be
 * NULL), capturing output. */
struct cmd_out run_capture(char *const argv[], char *const env[]);
void cmd_out_free(struct cmd_out *o);
/* A shell command made from fmt, run with system(): its wait status, -1 if it could not be made. */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Path of the lupine binary under test ($LUPINE_BIN, else ./lupine). */
const char *lupine_bin(void);
/* Runs lupine with args (NULL-terminated, at most 30). */
struct cmd_out run_lupine(char *const *args);

/* A directory source (under test_tmpdir()) with the probe test program at
 * /bin/probe and a /work directory; caller frees the path. */
char *probe_tree(void);
/* A bundle NAME (under test_tmpdir()) of the probe tree on lupine-general,
 * with rootfs format rootfs and /bin/probe as its command; caller frees. */
char *probe_bundle(const char *name, const char *rootfs);
/* Entries of dir whose names start with prefix ("" for all; . and .. never count). */
int dir_count(const char *dir, const char *prefix);

/* test_tty.c: the probe's "tty" dialogue on a pty master: what it says at
 * start (start, expected), then a resize to 50x132, a line and a ^C typed;
 * the terminal on slave (>= 0) must be raw meanwhile (no output processing). 0, or -1 when it
 * broke off. tty_wait: pid's status within secs, reading master meanwhile
 * (so nothing blocks on a full pty); -1 if none. */
struct strbuf;
int tty_dialogue(int master, int slave, struct strbuf *seen, const char *start);
int tty_wait(int pid, int master, struct strbuf *seen, double secs);

/* Helpers for tests that run redis in a VM (vmkit.c). */
#include <sys/types.h>
struct bg {
	pid_t pid;
	char *log;
};
int free_port(void);
/* Starts lupine with args (NULL-terminated) and extra environment entries
 * (may be NULL) in the background, output to b.log. */
struct bg bg_lupine(char *const args[], char *const env[]);
/* Whether b's log shows text within secs. */
int wait_log(const struct bg *b, const char *text, double secs);
/* Starts `lupine run BUNDLE -p PORT:6379 -- <redis args>` in the background. */
struct bg run_redis_bg(const char *bundle, int port);
char *redis_cli(int port, const char *a, const char *b, const char *c);
int wait_pong(int port, double secs);
/* The background run's exit status, or -1 (killed) after secs. */
int wait_bg(struct bg *b, double secs);
/* SET then GET key through port. */
void check_redis(int port, const char *key);

/* Network namespaces for the network tests (netkit.c): ns holds the
 * "container" end, a veth eth0 with NETPAIR_IP/24, MTU 1400, a default route
 * via NETPAIR_GW and a route to 10.88.0.0/16 via 10.77.0.9; client holds
 * its peer cl0 with NETPAIR_GW/24. Nothing outside the two. */
#define NETPAIR_IP "10.77.0.2"
#define NETPAIR_GW "10.77.0.1"
struct netpair {
	char ns[32], client[32];
	char mac[18]; /* eth0's MAC */
};
/* 0, or -1 (a failure recorded). */
int netpair_make(struct netpair *p);
void netpair_remove(struct netpair *p);
/* `sh -c cmd` inside ns; its stdout (caller frees). */
char *netns_sh(const char *ns, const char *cmd);
/* lupine with args, inside ns, in the background (as bg_lupine). */
struct bg bg_lupine_in(const char *ns, char *const args[]);
/* A TCP connection to ip:port made from inside ns, tried for secs; -1 if none. */
int ns_connect(const char *ns, const char *ip, int port, double secs);
/* One connection to the probe's serve mode from ns: sends line, then up
 * bytes, and returns the byte count the probe answers (up > 0) or the bytes
 * it sent back ("down N"); -1 when it could not connect. */
long long probe_talk(const char *ns, const char *ip, int port, const char *line, long long up);

extern const struct test unit_tests[];
extern const struct test structure_tests[];
extern const struct test kconfig_tests[];
extern const struct test guest_tests[];
extern const struct test channel_tests[];
extern const struct test image_tests[];
extern const struct test hostile_tests[];
extern const struct test tty_tests[];
extern const struct test volumes_fast_tests[];
extern const struct test volumes_vm_tests[];
extern const struct test hostile_cli_tests[];
extern const struct test kml_tests[];
extern const struct test kernel_tests[];
extern const struct test cache_tests[];
extern const struct test diagnose_tests[];
extern const struct test run_tests[];
extern const struct test vmm_tests[];
extern const struct test lifecycle_tests[];
extern const struct test apps_tests[];
extern const struct test registry_tests[];
extern const struct test kfeature_tests[];
extern const struct test manifest_tests[];
extern const struct test bench_tests[];
extern const struct test oci_tests[];
extern const struct test runc_tests[];
extern const struct test containerd_tests[];
extern const struct test stdio_tests[];
extern const struct test process_tests[];
extern const struct test hooks_tests[];
extern const struct test hooks_runc_tests[];
extern const struct test docker_tests[];
extern const struct test net_tests[];
extern const struct test cni_tests[];
extern const struct test cri_tests[];
extern const struct test exec_tests[];
extern const struct test cri_sandbox_tests[];
extern const struct test warm_tests[];
extern const struct test cri_cold_tests[];

#endif
