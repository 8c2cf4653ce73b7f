/* run.c: `lupine run` boots a bundle, streams its console and exits with the application's status.
 * Options and validation only; bundle/launch.c and vm/ do the work. */
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "bundle/launch.h"
#include "lib/guard.h"
#include "manifest/features.h"
#include "manifest/knotes.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lupine run's own exit statuses, kept apart from common application ones */
enum {
	EXIT_NO_STATUS = 122, /* the VM ended without the init reporting (VMM killed, reset) */
	EXIT_PANIC = 123,     /* the kernel panicked */
	EXIT_TIMEOUT = 124,   /* --timeout ran out, or init was not reached in time */
	EXIT_LAUNCH = 125,    /* could not start: bad bundle, VMM missing, port in use */
};

static const char usage[] =
	"usage: lupine run BUNDLE [-p [IP:]HOSTPORT:GUESTPORT]... [-m MiB] [-e KEY=VAL]...\n"
	"                  [-i] [--accel auto|kvm|tcg] [--vmm qemu|firecracker] [--timeout SEC]\n"
	"                  [--stop-timeout SEC] [--record-features FILE] [--dry-run] [-v]\n"
	"                  [-- ARGS...]\n"
	"\n"
	"Boots a bundle made by 'lupine build' in a microVM, streams the console to\n"
	"stdout and exits with the application's exit status (128+N for a death by\n"
	"signal N). SIGTERM or SIGINT (Ctrl-C) to lupine run, or --timeout, stop the\n"
	"application as 'docker stop' does: SIGTERM to it inside the guest, then the VM\n"
	"is killed after --stop-timeout; the init syncs and remounts the root read-only\n"
	"before the VM ends. SIGUSR1, SIGUSR2, SIGQUIT and SIGWINCH to lupine run go\n"
	"to the application.\n"
	"\n"
	"When the application fails (non-zero exit) or the VM does, lupine names each\n"
	"kernel feature a process reached for that this kernel leaves out, and the\n"
	"option that builds it, e.g. 'postgres (pid 31) called signalfd4(), which this\n"
	"kernel leaves out: it needs CONFIG_SIGNALFD'.\n"
	"\n"
	"  -p [IP:]HOST:GUEST  forward a TCP port from the host (IP default 127.0.0.1)\n"
	"  -m MiB              guest memory (default: the bundle's, normally 128); less\n"
	"                      than the kernel needs to unpack itself (~16 MiB for\n"
	"                      Lupine's kernels, 45 for microvm) is refused\n"
	"  -e KEY=VAL          set an environment variable for the application\n"
	"  -i, --interactive   send this standard input to the application (default:\n"
	"                      its stdin is /dev/null)\n"
	"  --accel MODE        auto (KVM if the host has hardware virtualisation, else\n"
	"                      software emulation), kvm or tcg (default auto)\n"
	"  --vmm VMM           qemu (default: QEMU's microvm machine) or firecracker\n"
	"                      (needs KVM and the firecracker binary on PATH; its NIC is\n"
	"                      the tap named by --tap, which you set up and forward)\n"
	"  --tap NAME          firecracker: the host tap device for the NIC (default lupine0)\n"
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
	"  -v, --verbose       name missing features after every run, libc's harmless\n"
	"                      start-up probes (rseq, set_robust_list) included\n"
	"  -- ARGS             replace the application's arguments\n"
	"\n"
	"exit status: the application's, or 122 the VM stopped without a status,\n"
	"123 kernel panic, 124 timed out, 125 could not start the VM.\n";

struct run_opts {
	struct vm_config cfg;
	struct launch_opts lo;
	struct strlist env, args;
	struct vm_port *ports;
	const char *bundle;
	const char *features; /* --record-features FILE */
	int dry_run, verbose;
};

static volatile sig_atomic_t stop_signal, forward_signal;
static void on_stop(int sig)
{
	stop_signal = sig;
}

/* Signals that mean something to the application, not to lupine: passed on. */
static void on_forward(int sig)
{
	forward_signal = sig;
}

static void parse_option(struct run_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'p': opt_port(arg, &o->ports, &o->cfg.nports); break;
	case 'm': o->lo.mem_mib = opt_memory(arg); break;
	case 'e': opt_env(arg, &o->env); break;
	case 'a':
		if (!strcmp(arg, "kvm"))
			o->cfg.accel = VM_ACCEL_KVM;
		else if (!strcmp(arg, "tcg"))
			o->cfg.accel = VM_ACCEL_TCG;
		else if (strcmp(arg, "auto"))
			die("--accel '%s': expected auto, kvm or tcg", arg);
		break;
	case 'V':
		if (!(o->lo.vmm = vmm_find(arg)))
			die("--vmm '%s': expected qemu or firecracker", arg);
		break;
	case 'T': o->cfg.tap = arg; break;
	case 't': o->cfg.timeout = opt_seconds("--timeout", arg); break;
	case 'S': o->cfg.stop_timeout = opt_seconds("--stop-timeout", arg); break;
	case 'i':
		o->cfg.forward_stdin = 1;
		o->lo.stdin_mode = "pipe";
		break;
	case 'b': o->cfg.init_timeout = opt_seconds("--boot-timeout", arg); break;
	case 'P': o->lo.persist = 1; break;
	case 'R': o->lo.ro = 1; break;
	case 'c':
		if (strcmp(arg, "port") && strcmp(arg, "console"))
			die("--ctl '%s': expected port or console", arg);
		o->lo.ctl = arg;
		break;
	case 'n': o->dry_run = 1; break;
	case 'v': o->verbose = 1; break;
	case 'F':
		o->features = arg;
		o->lo.record = 1;
		break;
	}
}

static void parse(struct run_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{"publish", required_argument, 0, 'p'}, {"memory", required_argument, 0, 'm'},
		{"env", required_argument, 0, 'e'},     {"accel", required_argument, 0, 'a'},
		{"vmm", required_argument, 0, 'V'},     {"tap", required_argument, 0, 'T'},
		{"timeout", required_argument, 0, 't'}, {"boot-timeout", required_argument, 0, 'b'},
		{"persist", no_argument, 0, 'P'},       {"ro", no_argument, 0, 'R'},
		{"ctl", required_argument, 0, 'c'},     {"dry-run", no_argument, 0, 'n'},
		{"interactive", no_argument, 0, 'i'},   {"stop-timeout", required_argument, 0, 'S'},
		{"verbose", no_argument, 0, 'v'},       {"record-features", required_argument, 0, 'F'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	int c, nopts = opt_split(argc, argv, &o->args);

	while ((c = getopt_long(nopts, argv, "p:m:e:ihv", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			exit(0);
		}
		if (c == '?') {
			fputs(usage, stderr);
			exit(EXIT_LAUNCH);
		}
		parse_option(o, c, optarg);
	}
	if (optind >= nopts)
		die("no bundle given; see 'lupine run --help'");
	if (optind + 1 < nopts)
		die("unexpected argument '%s'; the application's arguments go after --", argv[optind + 1]);
	o->bundle = argv[optind];
}

/* The exit status for how the VM ended, with a line saying why when it is not the app's. */
static int finish(const struct vm_result *r, double timeout)
{
	switch (r->end) {
	case VM_EXITED:
		return r->status;
	case VM_PANIC:
		fprintf(stderr, "lupine: the guest kernel panicked:\n%s", r->panic ? r->panic : "");
		return EXIT_PANIC;
	case VM_TIMEOUT:
		if (r->stop_expired)
			fprintf(stderr, "lupine: the application did not end within the stop timeout after --timeout %.0f s; killed the VM\n", timeout);
		else if (r->t_init < 0)
			fprintf(stderr, "lupine: the kernel did not reach init within the boot timeout; the console above shows how far it got\n");
		else
			fprintf(stderr, "lupine: stopped the VM after --timeout %.0f s\n", timeout);
		return EXIT_TIMEOUT;
	case VM_KILLED:
		fprintf(stderr, "lupine: the VMM ended abnormally (status %d)%s%s\n", r->vmm_status,
			r->panic ? ": " : "", r->panic ? r->panic : "");
		return EXIT_NO_STATUS;
	case VM_NO_STATUS:
		fprintf(stderr, "lupine: the VM stopped without the init reporting a status%s\n",
			r->t_init < 0 ? " (the kernel never started the init)" : "");
		return EXIT_NO_STATUS;
	}
	return EXIT_NO_STATUS;
}

/* After a failed run (or any, verbose): the features the kernel left out
 * that a process reached for, with the option each needs. */
static void diagnose(const struct vm_result *r, int verbose)
{
	struct strbuf err = {0}, out = {0};
	struct knotes k;

	if (!r->missing.n || (!verbose && r->end == VM_EXITED && r->status == 0))
		return;
	if (knotes_resolve(NULL, &r->missing, NULL, &k, &err) < 0) {
		fprintf(stderr, "lupine: the kernel left out features a process reached for (%s), but %s\n",
			r->missing.v[0], err.buf);
	} else {
		knotes_diagnose(&k, verbose, &out);
		fputs(out.buf ? out.buf : "", stderr);
		knotes_release(&k);
	}
	sb_release(&err);
	sb_release(&out);
}

/* Everything a run checks before it makes any file. */
static void validate(struct run_opts *o, const struct bundle *b)
{
	struct strbuf err = {0};

	if (!o->dry_run && vmm_check(o->lo.vmm, o->cfg.accel, &err) < 0)
		die("%s", err.buf);
	for (size_t i = 0; !o->dry_run && o->lo.vmm == &vmm_qemu && i < o->cfg.nports; i++)
		if (vm_port_check_free(&o->ports[i], &err) < 0)
			die("%s", err.buf);
	if (o->cfg.nports && !b->net)
		die("-p: this bundle's kernel has no network (CONFIG_VIRTIO_NET); build it with an app manifest that has one, e.g. --app redis");
	if (o->cfg.nports && o->lo.vmm != &vmm_qemu)
		note("firecracker: lupine does not forward ports; route them to %s on tap '%s' yourself",
		     o->lo.vmm->guest_ip, o->cfg.tap ? o->cfg.tap : "lupine0");
}

static int boot(struct run_opts *o, struct strbuf *err)
{
	struct vm_result r;
	int ret;

	if (o->dry_run) {
		struct strbuf out = {0};
		if (vmm_describe(&o->cfg, &out, err) < 0)
			return -1;
		fputs(out.buf, stdout);
		sb_release(&out);
		return 0;
	}
	/* Ctrl-C reaches the VMM too (same process group); either way we end as 128+N */
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGHUP, on_stop);
	signal(SIGUSR1, on_forward);
	signal(SIGUSR2, on_forward);
	signal(SIGQUIT, on_forward);
	signal(SIGWINCH, on_forward);
	if (vmm_run(&o->cfg, &r, err) < 0)
		return -1;
	diagnose(&r, o->verbose);
	/* --record-features: every note the kernel made, as the init sent them */
	if (o->features && features_write(o->features, &r.used, &r.missing) < 0)
		fprintf(stderr, "lupine: cannot write '%s': %s\n", o->features, strerror(errno));
	if (stop_signal && r.end != VM_EXITED) {
		if (r.stop_expired)
			fprintf(stderr, "lupine: the application did not end within the stop timeout; killed the VM\n");
		ret = 128 + stop_signal;
	} else {
		ret = finish(&r, o->cfg.timeout);
	}
	vm_result_release(&r);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {.cfg = {.accel = VM_ACCEL_AUTO, .init_timeout = 120, .echo = 1, .stop = &stop_signal,
				     .forward = &forward_signal},
			     .lo = {.vmm = &vmm_qemu}};
	struct strbuf err = {0};
	struct launch l = {0};
	struct bundle b;
	char *tmpl;
	int ret;

	die_status = EXIT_LAUNCH;
	parse(&o, argc, argv);
	if (bundle_load(o.bundle, &b, &err) < 0)
		die("%s", err.buf);
	validate(&o, &b);
	o.cfg.ports = o.ports;
	o.cfg.ctl_console = o.lo.ctl && !strcmp(o.lo.ctl, "console");
	o.lo.env = &o.env;
	o.lo.args = &o.args;
	/* whatever ends this run, kill -9 included, its files go with it (and the
	 * VMM too: it dies with us, PR_SET_PDEATHSIG) */
	guard_start();
	if (!(tmpl = tmp_dir("run")))
		die("cannot create a temporary directory: %s", strerror(errno));
	o.lo.tmpdir = tmpl;
	ret = bundle_launch(o.bundle, &b, &o.lo, &o.cfg, &l, &err) < 0 ? -1 : boot(&o, &err);
	launch_release(&l);
	rm_rf(tmpl);
	free(tmpl);
	if (ret < 0)
		die("%s", err.buf);
	bundle_release(&b);
	strlist_release(&o.env);
	strlist_release(&o.args);
	for (size_t i = 0; i < o.cfg.nports; i++)
		vm_port_release(&o.ports[i]);
	free(o.ports);
	return ret;
}
