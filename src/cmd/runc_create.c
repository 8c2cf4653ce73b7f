/* runc_create.c: `lupine-runc create`: config.json becomes a Lupine bundle
 * (the root filesystem an ext4 disk, the process its command), and a monitor
 * process waits for `start`, then becomes `lupine run` of that bundle. The
 * monitor's pid goes in the pid file: forked here, it is reparented to the
 * shim (a subreaper) when create exits, and its exit status, which lupine run
 * makes the application's, is the container's. It holds the shim's stdio:
 * the application's stdin, stdout and stderr. */
#include "bundle/bundle.h"
#include "bundle/make.h"
#include "cmd/options.h"
#include "cmd/runc.h"
#include "oci/monitor.h"
#include "oci/spec.h"
#include "oci/state.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct create_opts {
	const char *bundle, *pid_file, *id;
};

static void parse(int argc, char **argv, struct create_opts *o)
{
	static const struct option opts[] = {
		{"bundle", required_argument, 0, 'b'},         {"pid-file", required_argument, 0, 'p'},
		{"console-socket", required_argument, 0, 'c'}, {"no-pivot", no_argument, 0, 'n'},
		{"no-new-keyring", no_argument, 0, 'n'},       {"detach", no_argument, 0, 'n'},
		{"preserve-fds", required_argument, 0, 'n'},   {0, 0, 0, 0}};
	int c;

	o->bundle = ".";
	optind = 1;
	while ((c = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b': o->bundle = optarg; break;
		case 'p': o->pid_file = optarg; break;
		case 'c': die("--console-socket: lupine-runc gives no terminal yet; run without -t");
		case 'n': break; /* nothing on the host to pivot, key or preserve: the VM is apart */
		default: die("create: bad arguments; see 'lupine-runc --help'");
		}
	}
	if (optind != argc - 1)
		die("create needs exactly one container ID");
	o->id = argv[optind];
	if (!oci_id_valid(o->id))
		die("invalid container id '%s': letters, digits, '_', '.' and '-' only", o->id);
}

/* The kernel: org.lupine.kernel (a bench SPEC), org.lupine.apps, else lupine-general. */
static void kernel_spec(const struct oci_spec *s, struct kspec *ks)
{
	if (s->kernel) {
		kspec_parse(ks, s->kernel);
	} else if (s->apps) {
		char *copy = xstrdup(s->apps), *save = NULL;
		for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
			kspec_add_app(ks, w);
		free(copy);
	} else {
		ks->general = 1;
	}
}

/* The Lupine bundle DIR/vm from the container's root and process. */
static void make_vm(const struct oci_spec *s, const char *out)
{
	char *source = xasprintf("dir:%s", s->root), *user = xasprintf("%u:%u", s->uid, s->gid);
	struct strlist none = {0};
	struct kspec ks = {0};
	struct build_req req = {.source = source, .out = out, .spec = &ks, .rootfs = "ext4", .env = &s->env,
				.cmd = &s->args, .args = &none, .add_host = &none, .add_guest = &none,
				.workdir = s->cwd, .user = user, .mem_mib = s->memory_mib ? s->memory_mib : OCI_DEFAULT_MEMORY_MIB};
	struct build_res res;
	struct strbuf err = {0};
	struct bundle b;

	kernel_spec(s, &ks);
	if (bundle_build(&req, &res, &err) < 0)
		die("%s", err.buf);
	build_res_release(&res);
	if (s->hostname) {
		if (bundle_load(out, &b, &err) < 0)
			die("%s", err.buf);
		run_config_set(&b.run.hostname, s->hostname);
		if (bundle_write_json(out, &b, &err) < 0)
			die("%s", err.buf);
		bundle_release(&b);
	}
	kspec_release(&ks);
	free(source);
	free(user);
}

static void write_pid_file(const char *path, pid_t pid)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%d", (int)pid); /* no newline: go-runc's Atoi takes no space */

	if (path && file_write_atomic(path, num, (size_t)n, 0644) < 0)
		die("cannot write the pid file '%s': %s", path, strerror(errno));
}

static void now_rfc3339(char *out, size_t n)
{
	time_t now = time(NULL);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
}

static struct oci_state *cleanup_state;
static void (*log_hook)(const char *msg);
static void remove_on_failure(const char *msg)
{
	if (log_hook)
		log_hook(msg);
	if (cleanup_state) /* a failed create leaves nothing: nobody calls delete after it */
		rm_rf(cleanup_state->dir);
}

int runc_create(const char *root, int argc, char **argv)
{
	struct create_opts o = {0};
	struct oci_spec spec;
	struct oci_state st = {0};
	struct strbuf err = {0};
	char created[32], *fifo, *vm, *bundle;

	parse(argc, argv, &o);
	lupine_quiet = 1; /* stdout and stderr are the container's */
	if (!(bundle = realpath(o.bundle, NULL)))
		die("bundle '%s': %s", o.bundle, strerror(errno));
	if (oci_spec_load(bundle, &spec, &err) < 0)
		die("%s", err.buf);
	if (mkdir_p(root, 0700) < 0)
		die("cannot create '%s': %s", root, strerror(errno));
	st.dir = xasprintf("%s/%s", root, o.id);
	if (mkdir(st.dir, 0700) < 0)
		die(errno == EEXIST ? "container %s already exists" : "cannot create '%s': %s",
		    errno == EEXIST ? o.id : st.dir, strerror(errno));
	cleanup_state = &st;
	log_hook = die_hook;
	die_hook = remove_on_failure;
	st.id = xstrdup(o.id);
	st.bundle = bundle;
	now_rfc3339(created, sizeof(created));
	st.created = xstrdup(created);
	fifo = oci_state_file(&st, "start.fifo");
	vm = oci_state_file(&st, "vm");
	if (oci_state_save(&st, &err) < 0 || mkfifo(fifo, 0600) < 0)
		die("%s", err.len ? err.buf : strerror(errno));
	make_vm(&spec, vm);
	if ((st.pid = oci_monitor_start(&spec, &st, &err)) < 0)
		die("%s", err.buf);
	if (oci_state_save(&st, &err) < 0)
		die("%s", err.buf);
	write_pid_file(o.pid_file, st.pid);
	free(fifo);
	free(vm);
	oci_spec_release(&spec);
	oci_state_release(&st);
	return 0;
}
