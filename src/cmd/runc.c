/* runc.c: lupine-runc, an OCI runtime with runc's command line, for containerd's
 * io.containerd.runc.v2 shim (which drives it through go-runc): each container is
 * a Lupine microVM. The global flags and each verb's arguments; the verbs are
 * oci/runtime.h's. Errors go to stderr and, as go-runc wants them, to --log.
 * Notes on what the shim expects: docs/containerd-shim-notes.md. */
#include "cmd/cmds.h"
#include "oci/runtime.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: lupine-runc [--root DIR] [--log FILE] [--log-format text|json] COMMAND [ARGS]\n"
	"\n"
	"An OCI runtime with runc's command line: containerd's io.containerd.runc.v2\n"
	"shim drives it (ctr run --runc-binary lupine-runc ...), and each container\n"
	"runs as a Lupine microVM: its root filesystem becomes an ext4 disk, its\n"
	"process the VM's application, on lupine-general unless the annotation\n"
	"org.lupine.apps=NAME[,NAME] or org.lupine.kernel=SPEC (as 'lupine bench'\n"
	"takes it: redis, redis+kml, microvm) picks another kernel.\n"
	"\n"
	"  create --bundle DIR --pid-file FILE [--console-socket SOCK] ID\n"
	"                            prepare the VM; a monitor process (the pid) waits\n"
	"                            for start; with process.terminal, the master of a\n"
	"                            pty goes to SOCK, as runc sends it\n"
	"  start ID                  boot it\n"
	"  exec [--process FILE] [-t --console-socket SOCK] [-d --pid-file FILE] [--cwd DIR]\n"
	"       [-e K=V]... [-u UID[:GID]] [-g GID]... ID [COMMAND [ARG]...]\n"
	"                            start a process in the running container's VM (its\n"
	"                            monitor passes it to the init); this process, or with\n"
	"                            -d a child left running, stands for it: stdio relayed,\n"
	"                            signals passed on, its exit status (128+N: signal N)\n"
	"  kill [--all] ID [SIGNAL]  send SIGNAL (default 15) to the application\n"
	"  delete [--force] ID       remove a stopped container (--force: kill it first)\n"
	"  state ID                  print its state as JSON\n"
	"  ps --format json ID       the monitor's pid as a JSON list\n"
	"  features, --version\n"
	"\n"
	"Containers are recorded under --root (default " OCI_DEFAULT_ROOT "). config.json's\n"
	"hooks run on the host; the monitor and its QEMU go into linux.cgroupsPath with\n"
	"the memory, CPU and pids limits of linux.resources. Mounts are made in the VM:\n"
	"the kernel's filesystems, host directories over virtio-9p, host files copied.\n"
	"A terminal (process.terminal) is a pty whose master goes to --console-socket.\n"
	"Not supported: pause, resume, update, checkpoint, restore, user namespaces.\n";

static const char *log_path;
static int log_json;

/* What dies goes to --log too, where go-runc reads the shim's error. */
static void log_error(const char *msg)
{
	oci_log(log_path, log_json, "error", msg);
}

/* A hook's failure that does not stop the lifecycle: on stderr and in --log. */
static void warn_lines(struct strbuf *warn)
{
	char *save = NULL;

	for (char *l = warn->buf ? strtok_r(warn->buf, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		fprintf(stderr, "lupine-runc: warning: %s\n", l);
		oci_log(log_path, log_json, "warning", l);
	}
	sb_release(warn);
}

/* A verb's failure: the library's line is the message (the shim matches some). */
static int check(int r, struct strbuf *err)
{
	if (r < 0)
		die("%s", err->buf);
	return 0;
}

static const char *need_id(const char *id)
{
	if (!id)
		die("this command needs a container ID; see 'lupine-runc --help'");
	return id;
}

static int runc_create(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {
		{"bundle", required_argument, 0, 'b'},         {"pid-file", required_argument, 0, 'p'},
		{"console-socket", required_argument, 0, 'c'}, {"no-pivot", no_argument, 0, 'n'},
		{"no-new-keyring", no_argument, 0, 'n'},       {"detach", no_argument, 0, 'n'},
		{"preserve-fds", required_argument, 0, 'n'},   {0, 0, 0, 0}};
	struct oci_create_req req = {.root = root, .bundle = "."};
	struct strbuf err = {0};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b': req.bundle = optarg; break;
		case 'p': req.pid_file = optarg; break;
		case 'c': req.console_socket = optarg; break;
		case 'n': break; /* nothing on the host to pivot, key or preserve: the VM is apart */
		default: die("create: bad arguments; see 'lupine-runc --help'");
		}
	}
	if (optind != argc - 1)
		die("create needs exactly one container ID");
	req.id = argv[optind];
	lupine_quiet = 1; /* stdout and stderr are the container's */
	return check(oci_create(&req, &err), &err);
}

/* runc's exec: options, then the ID, then the command (unless --process gives it). */
static int runc_exec(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {
		{"console-socket", required_argument, 0, 'S'}, {"cwd", required_argument, 0, 'w'},
		{"env", required_argument, 0, 'e'},            {"tty", no_argument, 0, 't'},
		{"user", required_argument, 0, 'u'},           {"additional-gids", required_argument, 0, 'g'},
		{"process", required_argument, 0, 'p'},        {"detach", no_argument, 0, 'd'},
		{"pid-file", required_argument, 0, 'P'},       {"no-new-privs", no_argument, 0, 'N'},
		{"cap", required_argument, 0, 'c'},            {"process-label", required_argument, 0, 'i'},
		{"apparmor", required_argument, 0, 'i'},       {"preserve-fds", required_argument, 0, 'i'},
		{"cgroup", required_argument, 0, 'i'},         {"ignore-paused", no_argument, 0, 'i'},
		{0, 0, 0, 0}};
	struct strlist env = {0}, groups = {0}, caps = {0};
	struct oci_exec_req req = {.root = root, .env = &env, .groups = &groups, .caps = &caps};
	struct strbuf err = {0};
	int c, status = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+e:tu:g:p:dc:", opts, NULL)) != -1) {
		switch (c) {
		case 'S': req.console_socket = optarg; break;
		case 'w': req.cwd = optarg; break;
		case 'e': strlist_add(&env, optarg); break;
		case 't': req.tty = 1; break;
		case 'u': req.user = optarg; break;
		case 'g': strlist_add(&groups, optarg); break;
		case 'p': req.process = optarg; break;
		case 'd': req.detach = 1; break;
		case 'P': req.pid_file = optarg; break;
		case 'N': req.no_new_privs = 1; break;
		case 'c': strlist_add(&caps, optarg); break;
		case 'i': break; /* labels, AppArmor, cgroups and extra fds are the host's; the VM is apart */
		default: die("exec: bad arguments; see 'lupine-runc --help'");
		}
	}
	req.id = need_id(optind < argc ? argv[optind] : NULL);
	req.argv = argv + optind + 1;
	req.argc = argc - optind - 1;
	for (size_t i = 0; i < groups.n; i++)
		if (!*groups.v[i] || strspn(groups.v[i], "0123456789") != strlen(groups.v[i]))
			die("--additional-gids '%s': give a group id number", groups.v[i]);
	check(oci_exec(&req, &status, &err), &err);
	return status;
}

static int runc_kill(const char *root, int argc, char **argv)
{
	struct strbuf err = {0};
	int i = 1, sig = SIGTERM;

	while (i < argc && argv[i][0] == '-')
		i++; /* --all: the monitor is the container's one host process */
	if (i >= argc)
		die("kill needs a container ID; see 'lupine-runc --help'");
	if (i + 1 < argc && (sig = oci_signal_parse(argv[i + 1])) < 0)
		die("unknown signal '%s'", argv[i + 1]);
	return check(oci_kill(root, argv[i], sig, &err), &err);
}

static int runc_delete(const char *root, int argc, char **argv)
{
	struct strbuf err = {0};
	int force = 0, i = 1;

	struct strbuf warn = {0};
	int r;

	for (; i < argc && argv[i][0] == '-'; i++)
		force |= !strcmp(argv[i], "--force") || !strcmp(argv[i], "-f");
	r = oci_delete(root, need_id(i < argc ? argv[i] : NULL), force, &warn, &err);
	warn_lines(&warn);
	return check(r, &err);
}

/* start, state and ps: the container ID is the last argument; state and ps print JSON. */
static int runc_one(const char *root, const char *verb, int argc, char **argv)
{
	const char *id = need_id(argc > 1 && argv[argc - 1][0] != '-' ? argv[argc - 1] : NULL);
	struct strbuf err = {0}, warn = {0};
	char *out;
	int r;

	if (!strcmp(verb, "start")) {
		r = oci_start(root, id, &warn, &err);
		warn_lines(&warn);
		return check(r, &err);
	}
	check((!strcmp(verb, "ps") ? oci_ps : oci_state_print)(root, id, &out, &err), &err);
	puts(out);
	free(out);
	return 0;
}

/* Whether a is the flag name, alone or as name=VALUE. */
static int is_flag(const char *a, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(a, name, n) && (!a[n] || a[n] == '=');
}

/* runc's global flags; one that takes a value has it after '=' or as the next
 * argument. Returns the verb's index (--version and --help count as verbs). */
static int global_flags(int argc, char **argv, const char **root)
{
	int i = 1;

	for (; i < argc && str_starts(argv[i], "--"); i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		const char *val = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(a, "--version") || !strcmp(a, "--help"))
			break;
		if (!strcmp(a, "--debug"))
			continue;
		if (!strcmp(a, "--systemd-cgroup"))
			continue; /* cgroupsPath's form (slice:prefix:name) says it; no systemd unit is made */
		if (is_flag(a, "--root") && !*val)
			die("--root needs a directory (runc's default is %s)", OCI_DEFAULT_ROOT);
		if (is_flag(a, "--root"))
			*root = val;
		else if (is_flag(a, "--log-format"))
			log_json = !strcmp(val, "json");
		else if (is_flag(a, "--log"))
			log_path = val;
		else if (!is_flag(a, "--rootless") && !is_flag(a, "--criu"))
			die("unknown global flag '%s'; see 'lupine-runc --help'", a);
		if (!eq)
			i++;
	}
	return i;
}

int cmd_runc(int argc, char **argv)
{
	const char *root = OCI_DEFAULT_ROOT, *verb;
	int i;

	die_hook = log_error;
	if ((i = global_flags(argc, argv, &root)) >= argc) {
		fputs(usage, stderr);
		return 2;
	}
	verb = argv[i];
	argc -= i;
	argv += i;
	if (!strcmp(verb, "--version"))
		return printf("lupine-runc version dev (Lupine microVMs)\nspec: 1.0.2\n") < 0;
	if (!strcmp(verb, "--help"))
		return fputs(usage, stdout) < 0;
	if (!strcmp(verb, "create"))
		return runc_create(root, argc, argv);
	if (!strcmp(verb, "kill"))
		return runc_kill(root, argc, argv);
	if (!strcmp(verb, "exec"))
		return runc_exec(root, argc, argv);
	if (!strcmp(verb, "delete"))
		return runc_delete(root, argc, argv);
	if (!strcmp(verb, "start") || !strcmp(verb, "state") || !strcmp(verb, "ps"))
		return runc_one(root, verb, argc, argv);
	if (strcmp(verb, "features"))
		die("lupine-runc does not support '%s': a Lupine VM has no pause, update or checkpoint", verb);
	puts(oci_features());
	return 0;
}
