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
#include "oci/spec.h"
#include "oci/state.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
				.workdir = s->cwd, .user = user, .mem_mib = s->memory_mib ? s->memory_mib : 128};
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

/* In the monitor: the network namespace the VM's user-mode network lives in. */
static int enter_netns(const struct oci_spec *s, struct strbuf *err)
{
	int fd;

	if (!s->netns)
		return 0; /* the host's network, as runc gives a container without one */
	if (!s->netns_path) {
		if (unshare(CLONE_NEWNET) < 0) {
			sb_addf(err, "cannot make a network namespace: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if ((fd = open(s->netns_path, O_RDONLY | O_CLOEXEC)) < 0 || setns(fd, CLONE_NEWNET) < 0) {
		sb_addf(err, "cannot enter the network namespace '%s': %s", s->netns_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The monitor: report readiness on ready_fd, wait for start, become lupine run. */
static _Noreturn void monitor(const struct oci_spec *s, const struct oci_state *st, int ready_fd)
{
	char *fifo = oci_state_file(st, "start.fifo"), *vm = oci_state_file(st, "vm"), mem[16], c;
	char *argv[64] = {"lupine", "run", vm, "-i", "--stop-timeout", "10", "-m", mem};
	struct strbuf err = {0};
	int k = 8, fd;

	snprintf(mem, sizeof(mem), "%d", s->memory_mib ? s->memory_mib : 128);
	if (s->readonly)
		argv[k++] = "--ro";
	for (size_t i = 0; i < s->ports.n && k < 60; i++) {
		argv[k++] = "-p";
		argv[k++] = s->ports.v[i];
	}
	argv[k] = NULL;
	if (enter_netns(s, &err) < 0) {
		if (write(ready_fd, err.buf, err.len) < 0)
			_exit(1);
		_exit(1);
	}
	if (write(ready_fd, "", 1) != 1)
		_exit(1);
	close(ready_fd);
	/* blocks until `start` opens the FIFO to write; then one byte says go */
	if ((fd = open(fifo, O_RDONLY | O_CLOEXEC)) < 0 || read(fd, &c, 1) != 1)
		_exit(1);
	close(fd);
	execv("/proc/self/exe", argv);
	_exit(127);
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

/* Forks the monitor and waits until it is ready (in its network namespace). */
static pid_t start_monitor(const struct oci_spec *spec, const struct oci_state *st)
{
	int p[2];
	char buf[512];
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0)
		die("cannot start the container's monitor: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		monitor(spec, st, p[1]);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	if (n != 1 || buf[0]) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		buf[n > 0 ? n : 0] = 0;
		die("%s", n > 0 ? buf : "the container's monitor ended before it was ready");
	}
	return pid;
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
	st.pid = start_monitor(&spec, &st);
	if (oci_state_save(&st, &err) < 0)
		die("%s", err.buf);
	write_pid_file(o.pid_file, st.pid);
	free(fifo);
	free(vm);
	oci_spec_release(&spec);
	oci_state_release(&st);
	return 0;
}
