/* run.c: `lupine run` boots a bundle, streams its console and exits with the application's status.
 * Options and validation only; bundle/launch.c and vm/ do the work. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "bundle/run.h"
#include "bundle/volume.h"
#include "manifest/features.h"
#include "manifest/knotes.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: lupine run BUNDLE [-p [IP:]HOSTPORT:GUESTPORT]... [-v HOST:GUEST[:ro]]...\n"
	"       lupine run --from SNAP [-p [IP:]HOSTPORT:GUESTPORT]... [--timeout SEC] [--stop-timeout SEC]\n"
	"                  [-m MiB] [-e KEY=VAL]... [--net user|tap:NAME|bridge:BR|container]\n"
	"                  [-i] [-t] [--accel auto|kvm|tcg] [--vmm qemu|firecracker] [--timeout SEC]\n"
	"                  [--stop-timeout SEC] [--record-features FILE] [--dry-run] [--verbose]\n"
	"                  [-- ARGS...]\n"
	"\n"
	"Boots a bundle made by 'lupine build' in a microVM, streams the console to\n"
	"stdout and exits with the application's exit status (128+N for a death by\n"
	"signal N). SIGTERM or SIGINT (Ctrl-C) to lupine run, or --timeout, stop the\n"
	"application as 'docker stop' does: SIGTERM to it inside the guest, then the VM\n"
	"is killed after --stop-timeout; the init syncs and remounts the root read-only\n"
	"before the VM ends. SIGUSR1, SIGUSR2, SIGQUIT and SIGWINCH (with -t: a resize\n"
	"of its terminal) to lupine run go to the application.\n"
	"\n"
	"When the application fails (non-zero exit) or the VM does, lupine names each\n"
	"kernel feature a process reached for that this kernel leaves out, and the\n"
	"option that builds it, e.g. 'postgres (pid 31) called signalfd4(), which this\n"
	"kernel leaves out: it needs CONFIG_SIGNALFD'.\n"
	"\n"
	"  --from SNAP         restore a snapshot made by 'lupine snapshot' instead of\n"
	"                      booting: a new VM from the ready application (fresh\n"
	"                      entropy, the clock set to now, a disk of its own);\n"
	"                      its command, environment, memory and mounts are the\n"
	"                      snapshot's, and a changed bundle, kernel or QEMU is refused\n"
	"  -p [IP:]HOST:GUEST  forward a TCP port from the host (IP default 127.0.0.1;\n"
	"                      user-mode networking only)\n"
	"  --net user          QEMU's user-mode NAT: no privilege needed (the default)\n"
	"  --net tap:NAME[,ip=A.B.C.D/N][,gw=A.B.C.D]\n"
	"                      the NIC on the tap NAME (root): one you made is used as\n"
	"                      it is; else lupine makes it, gives it the gateway's\n"
	"                      address and removes it after (default guest address\n"
	"                      172.16.0.2/30, gateway 172.16.0.1)\n"
	"  --net bridge:BR,ip=A.B.C.D/N[,gw=A.B.C.D]\n"
	"                      the NIC on a tap lupine joins to the bridge BR (root)\n"
	"                      with the guest's address ip on it\n"
	"  --net container     take over this network namespace's interface as Kata\n"
	"                      does (root): its MAC, IPv4 address, routes and MTU go\n"
	"                      to the guest, tc redirects its traffic to a tap, and it\n"
	"                      gets its address back after; user mode when it has none;\n"
	"                      never in the machine's own namespace\n"
	"  -v, --volume HOST:GUEST[:ro]\n"
	"                      bind the host directory HOST at GUEST in the guest\n"
	"                      (shared with virtio-9p: each side sees the other's\n"
	"                      writes; :ro refuses the guest's), or a host file (its\n"
	"                      contents as they are now; the guest's writes stay in\n"
	"                      the VM); QEMU only\n"
	"  -m MiB              guest memory (default: the bundle's, normally 128); less\n"
	"                      than the kernel needs to unpack itself (~16 MiB for\n"
	"                      Lupine's kernels, 45 for microvm) is refused\n"
	"  -e KEY=VAL          set an environment variable for the application\n"
	"  -i, --interactive   send this standard input to the application (default:\n"
	"                      its stdin is /dev/null)\n"
	"  -t, --tty           give the application a terminal: a pty in the guest, its\n"
	"                      stdin, stdout and stderr and controlling terminal, all\n"
	"                      on lupine's stdout (implies -i); lupine's terminal is\n"
	"                      raw for the run, and its size and resizes go to the pty\n"
	"  --accel MODE        auto (KVM if the host has hardware virtualisation, else\n"
	"                      software emulation), kvm or tcg (default auto)\n"
	"  --vmm VMM           qemu (default: QEMU's microvm machine) or firecracker\n"
	"                      (needs KVM and the firecracker binary on PATH; it has no\n"
	"                      user mode: without --net its NIC is the tap lupine0,\n"
	"                      which you set up and forward)\n"
	"  --tap NAME          the same as --net tap:NAME\n"
	"  --timeout SEC       stop the application after SEC seconds (default: never)\n"
	"  --stop-timeout SEC  after a stop, kill the VM if the application has not\n"
	"                      ended within SEC seconds (default 10)\n"
	"  --boot-timeout SEC  give up if the init has not started after SEC (default 120)\n"
	"  --persist           ext4 bundles: write to the bundle's disk itself (default:\n"
	"                      a fresh copy per run, so a run never alters the bundle)\n"
	"  --ro                ext4 bundles: mount the root filesystem read-only\n"
	"  --ctl port|console  how the init reports to lupine (default: the VMM's way; a\n"
	"                      port on QEMU, the console on Firecracker)\n"
	"  --record-features FILE\n"
	"                      boot with lupine_record: the kernel notes the first use\n"
	"                      of every system call, socket family and filesystem, and\n"
	"                      FILE gets them (\"used KIND NAME PID COMM\" lines, and\n"
	"                      \"missing ...\" ones); what 'lupine manifest' reads\n"
	"  --dry-run           print the VMM command line (and config file) and exit\n"
	"  --verbose           name missing features after every run, libc's harmless\n"
	"                      start-up probes (rseq, set_robust_list) included\n"
	"  -- ARGS             replace the application's arguments\n"
	"\n"
	"exit status: the application's, or 122 the VM stopped without a status,\n"
	"123 kernel panic, 124 timed out, 125 could not start the VM.\n";

struct run_opts {
	struct run_req rq;
	struct strlist env, args;
	struct vm_port *ports;
	struct volumes vol;   /* -v */
	const char *features; /* --record-features FILE */
	int dry_run, verbose;
};

/* --net SPEC (the last one counts) */
static void parse_net(struct run_opts *o, const char *spec)
{
	struct strbuf err = {0};

	vm_net_opts_release(&o->rq.net);
	if (vm_net_parse(spec, &o->rq.net, &err) < 0)
		die("%s", err.buf);
}

/* -v HOST:GUEST[:ro] into vol, or die. */
static void opt_volume(const char *arg, struct volumes *vol)
{
	struct strbuf err = {0};

	if (volumes_add_spec(vol, arg, &err) < 0)
		die("%s", err.buf);
}

static void parse_option(struct run_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'p': opt_port(arg, &o->ports, &o->rq.cfg.nports); break;
	case 'm': o->rq.lo.mem_mib = opt_memory(arg); break;
	case 'e': opt_env(arg, &o->env); break;
	case 'a':
		if (!strcmp(arg, "kvm"))
			o->rq.cfg.accel = VM_ACCEL_KVM;
		else if (!strcmp(arg, "tcg"))
			o->rq.cfg.accel = VM_ACCEL_TCG;
		else if (strcmp(arg, "auto"))
			die("--accel '%s': expected auto, kvm or tcg", arg);
		break;
	case 'V':
		if (!(o->rq.lo.vmm = vmm_find(arg)))
			die("--vmm '%s': expected qemu or firecracker", arg);
		break;
	case 'N': parse_net(o, arg); break;
	case 'T': {
		char *spec = xasprintf("tap:%s", arg);
		parse_net(o, spec);
		free(spec);
		break;
	}
	case 'O': o->rq.cfg.timeout = opt_seconds("--timeout", arg); break;
	case 'S': o->rq.cfg.stop_timeout = opt_seconds("--stop-timeout", arg); break;
	case 't':
		/* a terminal takes input: -i too */
		o->rq.lo.terminal = o->rq.cfg.terminal = 1;
		/* fall through */
	case 'i':
		o->rq.cfg.forward_stdin = 1;
		o->rq.lo.stdin_mode = "pipe";
		break;
	case 'b': o->rq.cfg.init_timeout = opt_seconds("--boot-timeout", arg); break;
	case 'P': o->rq.lo.persist = 1; break;
	case 'R': o->rq.lo.ro = 1; break;
	case 'c':
		if (strcmp(arg, "port") && strcmp(arg, "console"))
			die("--ctl '%s': expected port or console", arg);
		o->rq.lo.ctl = arg;
		break;
	case 'n': o->dry_run = 1; break;
	case 'v': opt_volume(arg, &o->vol); break;
	case 'Y': o->verbose = 1; break;
	case 'f': o->rq.from = arg; break;
	case 'F':
		o->features = arg;
		o->rq.lo.record = 1;
		break;
	}
}

static void parse(struct run_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{"publish", required_argument, 0, 'p'}, {"memory", required_argument, 0, 'm'},
		{"env", required_argument, 0, 'e'},     {"accel", required_argument, 0, 'a'},
		{"vmm", required_argument, 0, 'V'},     {"tap", required_argument, 0, 'T'},
		{"timeout", required_argument, 0, 'O'}, {"boot-timeout", required_argument, 0, 'b'},
		{"persist", no_argument, 0, 'P'},       {"ro", no_argument, 0, 'R'},
		{"ctl", required_argument, 0, 'c'},     {"dry-run", no_argument, 0, 'n'},
		{"interactive", no_argument, 0, 'i'},   {"stop-timeout", required_argument, 0, 'S'},
		{"verbose", no_argument, 0, 'Y'},       {"record-features", required_argument, 0, 'F'},
		{"volume", required_argument, 0, 'v'},  {"help", no_argument, 0, 'h'},
		{"net", required_argument, 0, 'N'},     {"from", required_argument, 0, 'f'},
		{"tty", no_argument, 0, 't'},           {0, 0, 0, 0}};
	int c, nopts = opt_split(argc, argv, &o->args);

	while ((c = getopt_long(nopts, argv, "p:m:e:v:ith", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			exit(0);
		}
		if (c == '?') {
			fputs(usage, stderr);
			exit(RUN_EXIT_LAUNCH);
		}
		parse_option(o, c, optarg);
	}
	if (o->rq.from && o->dry_run)
		die("--dry-run does not apply to --from: a restore has no boot to show");
	if (o->rq.from && optind == nopts)
		return; /* the bundle is the snapshot's */
	if (o->rq.from)
		die("--from restores a snapshot of its own bundle: give no BUNDLE with it");
	if (optind >= nopts)
		die("no bundle given; see 'lupine run --help'");
	if (optind + 1 < nopts)
		die("unexpected argument '%s'; the application's arguments go after --", argv[optind + 1]);
	o->rq.bundle = argv[optind];
}

/* Boots the bundle and waits for it; the exit status, or -1 with err. */
static int boot(struct run_opts *o, struct strbuf *err)
{
	struct strbuf msg = {0};
	struct vm_result r;
	int ret;

	run_signals_install(&o->rq.cfg);
	if (bundle_run(&o->rq, &r, err) < 0)
		return -1;
	knotes_after_run(&r, o->verbose, &msg);
	fputs(msg.buf ? msg.buf : "", stderr);
	sb_release(&msg);
	/* --record-features: every note the kernel made, as the init sent them */
	if (o->features && features_write(o->features, &r.used, &r.missing) < 0)
		fprintf(stderr, "lupine: cannot write '%s': %s\n", o->features, strerror(errno));
	ret = run_exit_status(&r, o->rq.cfg.timeout, run_signals_stopped(), &msg);
	fputs(msg.buf ? msg.buf : "", stderr);
	sb_release(&msg);
	vm_result_release(&r);
	return ret;
}

/* --dry-run: the VMM command line, and its config file. */
static int describe(struct run_opts *o, struct strbuf *err)
{
	struct strbuf out = {0};

	if (bundle_run_describe(&o->rq, &out, err) < 0)
		return -1;
	fputs(out.buf, stdout);
	sb_release(&out);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {.rq = {.cfg = {.accel = VM_ACCEL_AUTO, .init_timeout = RUN_INIT_TIMEOUT, .echo = 1}}};
	struct strbuf err = {0};
	int ret;

	die_status = RUN_EXIT_LAUNCH;
	parse(&o, argc, argv);
	o.rq.cfg.ports = o.ports;
	o.rq.cfg.ctl_console = o.rq.lo.ctl && !strcmp(o.rq.lo.ctl, "console");
	o.rq.lo.env = &o.env;
	o.rq.lo.args = &o.args;
	o.rq.lo.mounts = &o.vol.mounts;
	o.rq.cfg.shares = o.vol.shares;
	o.rq.cfg.nshares = o.vol.nshares;
	ret = o.dry_run ? describe(&o, &err) : boot(&o, &err);
	if (ret < 0)
		die("%s", err.buf);
	strlist_release(&o.env);
	strlist_release(&o.args);
	for (size_t i = 0; i < o.rq.cfg.nports; i++)
		vm_port_release(&o.ports[i]);
	free(o.ports);
	vm_net_opts_release(&o.rq.net);
	volumes_release(&o.vol);
	return ret;
}
