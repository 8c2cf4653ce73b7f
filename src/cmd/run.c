/* run.c: `lupine run` boots a bundle, streams its console and exits with the application's status. */
#include "cmd/cmds.h"
#include "bundle/bundle.h"
#include "bundle/runfile.h"
#include "vm/vmm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* lupine run's own exit statuses, kept apart from common application ones */
enum {
	EXIT_NO_STATUS = 122, /* the VM ended without the init reporting (QEMU killed, reset) */
	EXIT_PANIC = 123,     /* the kernel panicked */
	EXIT_TIMEOUT = 124,   /* --timeout ran out, or init was not reached in time */
	EXIT_LAUNCH = 125,    /* could not start: bad bundle, QEMU missing, port in use */
};

static const char usage[] =
	"usage: lupine run BUNDLE [-p [IP:]HOSTPORT:GUESTPORT]... [-m MiB] [-e KEY=VAL]...\n"
	"                  [--accel auto|kvm|tcg] [--timeout SEC] [-- ARGS...]\n"
	"\n"
	"Boots a bundle made by 'lupine build' in a QEMU microvm, streams the console to\n"
	"stdout and exits with the application's exit status (128+N for a death by\n"
	"signal N).\n"
	"\n"
	"  -p [IP:]HOST:GUEST  forward a TCP port from the host (IP default 127.0.0.1)\n"
	"  -m MiB              guest memory (default: the bundle's, normally 128)\n"
	"  -e KEY=VAL          set an environment variable for the application\n"
	"  --accel MODE        auto (KVM if the host has hardware virtualisation, else\n"
	"                      software emulation), kvm or tcg (default auto)\n"
	"  --timeout SEC       stop the VM after SEC seconds (default: never)\n"
	"  --boot-timeout SEC  give up if the init has not started after SEC (default 120)\n"
	"  --persist           ext4 bundles: write to the bundle's disk itself (default:\n"
	"                      a fresh copy per run, so a run never alters the bundle)\n"
	"  --ro                ext4 bundles: mount the root filesystem read-only\n"
	"  -- ARGS             replace the application's arguments\n"
	"\n"
	"exit status: the application's, or 122 the VM stopped without a status,\n"
	"123 kernel panic, 124 timed out, 125 could not start the VM.\n";

static void parse_port(const char *s, struct vm_port *p)
{
	char *copy = xstrdup(s), *last = strrchr(copy, ':'), *end;
	if (!last)
		goto bad;
	*last = 0;
	p->guest_port = (int)strtol(last + 1, &end, 10);
	if (*end || p->guest_port <= 0 || p->guest_port > 65535)
		goto bad;
	char *mid = strrchr(copy, ':');
	if (mid) {
		*mid = 0;
		p->host_ip = xstrdup(copy);
		p->host_port = (int)strtol(mid + 1, &end, 10);
	} else {
		p->host_port = (int)strtol(copy, &end, 10);
	}
	if (*end || p->host_port <= 0 || p->host_port > 65535)
		goto bad;
	free(copy);
	return;
bad:
	fprintf(stderr, "lupine: -p '%s': expected [IP:]HOSTPORT:GUESTPORT, e.g. -p 8080:80\n", s);
	exit(EXIT_LAUNCH);
}

/* QEMU would fail later and less clearly: check the host port is free now. */
static void check_port_free(const struct vm_port *p)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p->host_port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (inet_pton(AF_INET, p->host_ip ? p->host_ip : "127.0.0.1", &a.sin_addr) != 1) {
		fprintf(stderr, "lupine: -p: '%s' is not an IPv4 address\n", p->host_ip);
		exit(EXIT_LAUNCH);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "lupine: host port %d is not available (%s); choose another with -p\n",
			p->host_port, strerror(errno));
		exit(EXIT_LAUNCH);
	}
	close(fd);
}

static void fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "lupine: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(EXIT_LAUNCH);
}

static volatile sig_atomic_t stop_signal;
static void on_stop(int sig)
{
	stop_signal = sig;
}

static int finish(const struct vm_result *r, double timeout)
{
	switch (r->end) {
	case VM_EXITED:
		return r->status;
	case VM_PANIC:
		fprintf(stderr, "lupine: the guest kernel panicked:\n%s", r->panic ? r->panic : "");
		return EXIT_PANIC;
	case VM_TIMEOUT:
		if (r->t_init < 0)
			fprintf(stderr, "lupine: the kernel did not reach init within the boot timeout; the console above shows how far it got\n");
		else
			fprintf(stderr, "lupine: stopped the VM after --timeout %.0f s\n", timeout);
		return EXIT_TIMEOUT;
	case VM_KILLED:
		fprintf(stderr, "lupine: QEMU ended abnormally (status %d)%s%s\n", r->vmm_status,
			r->panic ? ": " : "", r->panic ? r->panic : "");
		return EXIT_NO_STATUS;
	case VM_NO_STATUS:
		fprintf(stderr, "lupine: the VM stopped without the init reporting a status%s\n",
			r->t_init < 0 ? " (the kernel never started the init)" : "");
		return EXIT_NO_STATUS;
	}
	return EXIT_NO_STATUS;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"publish", required_argument, 0, 'p'}, {"memory", required_argument, 0, 'm'},
		{"env", required_argument, 0, 'e'},     {"accel", required_argument, 0, 'a'},
		{"timeout", required_argument, 0, 't'}, {"boot-timeout", required_argument, 0, 'b'},
		{"persist", no_argument, 0, 'P'},       {"ro", no_argument, 0, 'R'},
		{"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
	struct vm_port *ports = NULL;
	struct vm_config cfg = {.accel = VM_ACCEL_AUTO, .init_timeout = 120, .echo = 1, .stop = &stop_signal};
	struct strlist env = {0}, args = {0};
	struct bundle b;
	struct strbuf err = {0};
	struct vm_result r;
	int c, nopts = argc, mem = 0, ret, persist = 0, ro = 0;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			nopts = i;
			break;
		}
	while ((c = getopt_long(nopts, argv, "p:m:e:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			ports = xrealloc(ports, (cfg.nports + 1) * sizeof(*ports));
			memset(&ports[cfg.nports], 0, sizeof(*ports));
			parse_port(optarg, &ports[cfg.nports++]);
			break;
		case 'm':
			if ((mem = atoi(optarg)) < 16)
				fail("-m '%s': memory must be a number of MiB, at least 16", optarg);
			break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				fail("-e '%s': expected KEY=VALUE", optarg);
			strlist_add(&env, optarg);
			break;
		case 'a':
			if (!strcmp(optarg, "kvm"))
				cfg.accel = VM_ACCEL_KVM;
			else if (!strcmp(optarg, "tcg"))
				cfg.accel = VM_ACCEL_TCG;
			else if (strcmp(optarg, "auto"))
				fail("--accel '%s': expected auto, kvm or tcg", optarg);
			break;
		case 't': cfg.timeout = atof(optarg); break;
		case 'b': cfg.init_timeout = atof(optarg); break;
		case 'P': persist = 1; break;
		case 'R': ro = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return EXIT_LAUNCH;
		}
	}
	if (optind >= nopts)
		fail("%s", "no bundle given; see 'lupine run --help'");
	if (optind + 1 < nopts)
		fail("unexpected argument '%s'; the application's arguments go after --", argv[optind + 1]);
	if (bundle_load(argv[optind], &b, &err) < 0)
		fail("%s", err.buf);
	if (cfg.accel == VM_ACCEL_KVM && !vmm_kvm_usable())
		fail("%s", "--accel kvm: this host has no usable KVM (no vmx/svm or /dev/kvm); use --accel tcg");
	for (size_t i = 0; i < cfg.nports; i++)
		check_port_free(&ports[i]);
	if (cfg.nports && !b.net)
		fail("%s", "-p: this bundle's kernel has no network (CONFIG_VIRTIO_NET); build it with an app manifest that has one, e.g. --app redis");

	/* the application's command and environment for this run */
	if (nopts + 1 < argc) {
		strlist_add(&args, b.argv.v[0]);
		for (int i = nopts + 1; i < argc; i++)
			strlist_add(&args, argv[i]);
	}
	for (size_t i = 0; i < env.n; i++)
		env_set(&b.env, env.v[i]);
	struct runfile rf = {.argv = args.n ? &args : &b.argv, .env = &b.env, .cwd = b.workdir,
			     .uid = b.uid, .gid = b.gid, .hostname = "lupine"};
	if (b.net) {
		rf.ip = "10.0.2.15/24"; /* QEMU user networking's fixed guest addresses */
		rf.gw = "10.0.2.2";
		rf.dns = "10.0.2.3";
	}
	char tmpl[] = "/tmp/lupine-run-XXXXXX";
	if (!mkdtemp(tmpl))
		fail("cannot create a temporary directory: %s", strerror(errno));
	char *initrd = xasprintf("%s/initrd", tmpl), *base = xasprintf("%s/%s", argv[optind], b.rootfs);
	char *kernel = xasprintf("%s/%s", argv[optind], b.kernel), *disk = NULL;
	int ext4 = !strcmp(b.rootfs_format, "ext4");
	if (ext4) {
		/* the init mounts the disk and switches into it */
		rf.root_dev = "/dev/vda";
		rf.root_fs = "ext4";
		rf.root_ro = ro;
		disk = ro || persist ? xstrdup(base) : xasprintf("%s/disk.ext4", tmpl);
		if (!ro && !persist && file_copy(base, disk, 0644) < 0) {
			rm_rf(tmpl);
			fail("cannot copy the bundle's disk: %s", strerror(errno));
		}
	} else if (ro || persist) {
		rm_rf(tmpl);
		fail("%s", "--ro and --persist apply to bundles with an ext4 root (lupine build --rootfs ext4)");
	}
	if (runfile_initramfs(&rf, ext4 ? NULL : base, initrd, &err) < 0) {
		rm_rf(tmpl);
		fail("%s", err.buf);
	}
	cfg.disk = disk;
	cfg.disk_readonly = ro;
	cfg.kernel = kernel;
	cfg.initrd = initrd;
	cfg.cmdline = b.cmdline;
	cfg.mem_mib = mem ? mem : b.memory_mib;
	cfg.net = b.net;
	cfg.ports = ports;
	/* Ctrl-C reaches QEMU too (same process group); either way we end as 128+N */
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGHUP, on_stop);
	if (vmm_run(&cfg, &r, &err) < 0) {
		rm_rf(tmpl);
		fail("%s", err.buf);
	}
	rm_rf(tmpl);
	ret = stop_signal && r.end != VM_EXITED ? 128 + stop_signal : finish(&r, cfg.timeout);
	vm_result_release(&r);
	bundle_release(&b);
	strlist_release(&env);
	strlist_release(&args);
	free(initrd);
	free(disk);
	free(base);
	free(kernel);
	for (size_t i = 0; i < cfg.nports; i++)
		free(ports[i].host_ip);
	free(ports);
	return ret;
}
