/* runc.c: lupine-runc, an OCI runtime with runc's command line, for containerd's
 * io.containerd.runc.v2 shim (which drives it through go-runc): each container is
 * a Lupine microVM. The global flags, and start, kill, delete, state, ps,
 * features; create is in runc_create.c. Notes on what the shim expects:
 * docs/containerd-shim-notes.md. */
#include "cmd/cmds.h"
#include "cmd/runc.h"
#include "oci/runtime.h"
#include "oci/state.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	"  create --bundle DIR --pid-file FILE ID   prepare the VM; a monitor process\n"
	"                                           (the pid) waits for start\n"
	"  start ID                  boot it\n"
	"  kill [--all] ID [SIGNAL]  send SIGNAL (default 15) to the application\n"
	"  delete [--force] ID       remove a stopped container (--force: kill it first)\n"
	"  state ID                  print its state as JSON\n"
	"  ps --format json ID       the monitor's pid as a JSON list\n"
	"  features, --version\n"
	"\n"
	"Containers are recorded under --root (default " RUNC_DEFAULT_ROOT "). Not\n"
	"supported: exec, pause, resume, update, checkpoint, restore, a terminal\n"
	"(process.terminal), host bind mounts, hooks, user namespaces.\n";

static const char *log_path;
static int log_json;

/* go-runc reads the last {"level":"error","msg":...} line of --log for the shim's error. */
static void log_error(const char *msg)
{
	char ts[32];
	time_t now = time(NULL);
	FILE *f;

	if (!log_path || !(f = fopen(log_path, "a")))
		return;
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (log_json) {
		fputs("{\"level\":\"error\",\"msg\":\"", f);
		for (const char *p = msg; *p; p++) {
			if (*p == '"' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
		fprintf(f, "\",\"time\":\"%s\"}\n", ts);
	} else {
		fprintf(f, "%s error: %s\n", ts, msg);
	}
	fclose(f);
}

static void load(const char *root, const char *id, struct oci_state *s)
{
	struct strbuf err = {0};
	if (!id)
		die("this command needs a container ID; see 'lupine-runc --help'");
	if (oci_state_load(root, id, s, &err) < 0)
		die("%s", err.buf);
}

static int cmd_start(const char *root, const char *id)
{
	struct oci_state s;
	char *fifo, *started;
	int fd;

	load(root, id, &s);
	enum oci_status st = oci_state_status(&s);
	if (st != OCI_CREATED)
		die("cannot start container %s: it is %s, not created", id, oci_status_name(st));
	fifo = oci_state_file(&s, "start.fifo");
	started = oci_state_file(&s, "started");
	if (file_write_atomic(started, "", 0, 0600) < 0)
		die("cannot write '%s': %s", started, strerror(errno));
	/* non-blocking: with no monitor reading, this fails instead of waiting forever */
	if ((fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0 || write(fd, "1", 1) != 1)
		die("container %s is not running: its monitor is gone (%s)", id, strerror(errno));
	close(fd);
	free(fifo);
	free(started);
	oci_state_release(&s);
	return 0;
}

static int parse_signal(const char *arg)
{
	int sig = oci_signal_parse(arg);

	if (sig < 0)
		die("unknown signal '%s'", arg);
	return sig;
}

static int cmd_kill(const char *root, int argc, char **argv)
{
	struct oci_state s;
	int i = 1;

	while (i < argc && argv[i][0] == '-')
		i++; /* --all: the monitor is the container's one host process */
	if (i >= argc)
		die("kill needs a container ID; see 'lupine-runc --help'");
	load(root, argv[i], &s);
	int sig = i + 1 < argc ? parse_signal(argv[i + 1]) : SIGTERM;
	/* "container not running": the words containerd's shim takes for "already dead" */
	if (oci_state_status(&s) == OCI_STOPPED || kill(s.pid, sig) < 0)
		die("container not running");
	oci_state_release(&s);
	return 0;
}

static int cmd_delete(const char *root, int argc, char **argv)
{
	struct oci_state s;
	int force = 0, i = 1;

	for (; i < argc && argv[i][0] == '-'; i++)
		force |= !strcmp(argv[i], "--force") || !strcmp(argv[i], "-f");
	load(root, i < argc ? argv[i] : NULL, &s);
	enum oci_status st = oci_state_status(&s);
	if (st == OCI_RUNNING && !force)
		die("cannot delete container %s that is not stopped: stop it, or use --force", s.id);
	if (st != OCI_STOPPED) { /* a created container is deleted as runc does: killed */
		kill(s.pid, SIGKILL);
		for (int t = 0; t < 500 && oci_state_status(&s) != OCI_STOPPED; t++)
			usleep(10000);
	}
	if (rm_rf(s.dir) < 0)
		die("cannot remove '%s': %s", s.dir, strerror(errno));
	oci_state_release(&s);
	return 0;
}

static int cmd_state(const char *root, const char *id, int ps)
{
	struct oci_state s;

	load(root, id, &s);
	if (ps) {
		enum oci_status st = oci_state_status(&s);
		printf(st == OCI_STOPPED ? "[]\n" : "[%d]\n", (int)s.pid);
	} else {
		char *j = oci_state_json(&s);
		puts(j);
		free(j);
	}
	oci_state_release(&s);
	return 0;
}

static int cmd_features(void)
{
	puts("{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"1.0.2\",\"hooks\":[],\"mountOptions\":[],"
	     "\"annotations\":{\"org.lupine.runtime\":\"microVM\"}}");
	return 0;
}

/* The last non-option argument: the container ID of start, state and ps. */
static const char *last_arg(int argc, char **argv)
{
	return argc > 1 && argv[argc - 1][0] != '-' ? argv[argc - 1] : NULL;
}

int cmd_runc(int argc, char **argv)
{
	const char *root = RUNC_DEFAULT_ROOT;
	int i = 1;

	die_hook = log_error;
	for (; i < argc && str_starts(argv[i], "--"); i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		const char *val = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : "";
		int takes = !strncmp(a, "--root", 6) || !strncmp(a, "--log", 5) || !strncmp(a, "--criu", 6);
		if (!strncmp(a, "--root", 6))
			root = val;
		else if (!strncmp(a, "--log-format", 12))
			log_json = !strcmp(val, "json");
		else if (!strncmp(a, "--log", 5))
			log_path = val;
		else if (!strcmp(a, "--systemd-cgroup"))
			die("--systemd-cgroup: a Lupine VM is not a cgroup of this host's; set SystemdCgroup = false");
		else if (!strcmp(a, "--version"))
			return printf("lupine-runc version dev (Lupine microVMs)\nspec: 1.0.2\n") < 0;
		else if (!strcmp(a, "--help"))
			return fputs(usage, stdout) < 0;
		else if (strcmp(a, "--debug") && strncmp(a, "--rootless", 10) && strncmp(a, "--criu", 6))
			die("unknown global flag '%s'; see 'lupine-runc --help'", a);
		if (takes && !eq)
			i++;
	}
	if (i >= argc) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[i];
	argc -= i;
	argv += i;
	if (!strcmp(cmd, "create"))
		return runc_create(root, argc, argv);
	if (!strcmp(cmd, "start"))
		return cmd_start(root, last_arg(argc, argv));
	if (!strcmp(cmd, "kill"))
		return cmd_kill(root, argc, argv);
	if (!strcmp(cmd, "delete"))
		return cmd_delete(root, argc, argv);
	if (!strcmp(cmd, "state") || !strcmp(cmd, "ps"))
		return cmd_state(root, last_arg(argc, argv), !strcmp(cmd, "ps"));
	if (!strcmp(cmd, "features"))
		return cmd_features();
	die("lupine-runc does not support '%s': a Lupine VM runs one application, with no exec, pause, update or "
	    "checkpoint", cmd);
}
