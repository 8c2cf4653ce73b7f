/* crienv.c: containerd's CRI plugin and a CNI bridge inside a network
 * namespace the test makes (crienv.h). */
#include "crienv.h"
#include "imagekit.h"
#include "lib/proc.h"
#include "lib/util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CRICTL "build/crictl-lite"

int crienv_sh(struct crienv *e, const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		cmd = NULL;
	va_end(ap);
	if (!cmd)
		return -1;
	char *argv[] = {"ip", "netns", "exec", e->netns, "sh", "-c", cmd, NULL};
	struct cmd_out o = run_capture(argv, NULL);
	int r = o.status;
	cmd_out_free(&o);
	free(cmd);
	return r;
}

struct cmd_out cri(struct crienv *e, ...)
{
	char *argv[40] = {CRICTL, "-r", e->sock};
	int k = 3;
	va_list ap;
	va_start(ap, e);
	for (char *a; k < 39 && (a = va_arg(ap, char *));)
		argv[k++] = a;
	va_end(ap);
	argv[k] = NULL;
	return run_capture(argv, NULL);
}

/* The bridge (its gateway) and host-local's leases live in the namespace
 * and the directory; containerd adds the loopback itself. */
static int write_cni(struct crienv *e)
{
	char *dir = xasprintf("%s/cni", e->dir), *f = xasprintf("%s/10-lupine.conflist", dir);
	char *text = xasprintf("{\"cniVersion\": \"0.4.0\", \"name\": \"lupine-test\", \"plugins\": [{\"type\": \"bridge\","
			       " \"bridge\": \"lupcni0\", \"isGateway\": true, \"ipMasq\": false, \"ipam\": {\"type\":"
			       " \"host-local\", \"dataDir\": \"%s/ipam\", \"ranges\": [[{\"subnet\": \"10.201.7.0/24\"}]]}}]}\n",
			       e->dir);
	mkdir_p(dir, 0755);
	int r = file_write_atomic(f, text, strlen(text), 0644);
	free(dir), free(f), free(text);
	return r;
}

/* restrict_oom_score_adj: the sandbox asks for -998, and lowering a score
 * needs CAP_SYS_RESOURCE, which a host that is itself a container may lack;
 * the test's registry is plain HTTP on the namespace's loopback; Lupine's
 * annotations reach lupine-runc only when the runtime lets them through */
static int write_config(struct crienv *e, const char *cfg)
{
	const char *P = "[plugins.\"io.containerd.grpc.v1.cri\"";
	char *text = xasprintf(
		"version = 2\nroot = \"%s/root\"\nstate = \"%s/state\"\n[grpc]\n  address = \"%s\"\n"
		"%s]\n  sandbox_image = \"" CRIENV_PAUSE "\"\n  restrict_oom_score_adj = true\n"
		"%s.containerd]\n  snapshotter = \"native\"\n  default_runtime_name = \"runc\"\n"
		"%s.containerd.runtimes.runc]\n  runtime_type = \"io.containerd.runc.v2\"\n"
		"%s.containerd.runtimes.lupine]\n  runtime_type = \"io.containerd.runc.v2\"\n"
		"  pod_annotations = [\"org.lupine.*\"]\n  container_annotations = [\"org.lupine.*\"]\n"
		"%s.containerd.runtimes.lupine.options]\n  BinaryName = \"%s\"\n"
		"%s.cni]\n  bin_dir = \"/usr/lib/cni\"\n  conf_dir = \"%s/cni\"\n"
		"%s.registry.mirrors.\"" CRIENV_REGISTRY "\"]\n  endpoint = [\"http://" CRIENV_REGISTRY "\"]\n",
		e->dir, e->dir, e->sock, P, P, P, P, P, e->runc, P, e->dir, P);
	int r = file_write_atomic(cfg, text, strlen(text), 0644);
	free(text);
	return r;
}

/* containerd entered into the namespace with nsenter (ip netns exec would
 * remount /sys); 0 once the CRI answers Version. */
static int start_containerd(struct crienv *e)
{
	char *cfg = xasprintf("%s/config.toml", e->dir), *net = xasprintf("--net=/run/netns/%s", e->netns);
	char *const argv[] = {"nsenter", net, "containerd", "--config", cfg, NULL};
	struct proc_opts o = PROC_OPTS_INIT;
	int r = -1;

	if (write_cni(e) < 0 || write_config(e, cfg) < 0)
		goto out;
	o.out = o.err = open(e->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	o.in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	o.death_signal = SIGTERM; /* a test killed midway still stops its containerd */
	e->pid = proc_spawn(argv, &o);
	close(o.out), close(o.in);
	for (int i = 0; i < 100 && e->pid > 0 && r < 0; i++) {
		struct cmd_out v = cri(e, "version", NULL);
		r = v.status == 0 && v.out && strstr(v.out, "runtime containerd") ? 0 : -1;
		cmd_out_free(&v);
		if (r < 0)
			usleep(200000);
	}
out:
	free(cfg), free(net);
	return r;
}

/* The probe tree as a docker-save archive tagged tag, with cmd, imported. */
static int import(struct crienv *e, const char *tree, const char *tag, const char *cmd)
{
	/* the archive named without the tag's ':' (skopeo's docker-archive:PATH:REF) */
	char *layer = kit_layer_tree(e->dir, tag, tree), *tar = xasprintf("%s/%.*s.tar", e->dir, (int)strcspn(tag, ":"), tag);
	char *cfg = xasprintf("{\"Cmd\":%s}", cmd);
	const char *layers[] = {layer};
	struct kit_image img = {.layers = layers, .nlayers = 1, .config_json = cfg, .tag = tag};
	int r = kit_docker_archive(tar, &img);
	if (r == 0) {
		char *argv[] = {"ctr", "--address", e->sock, "-n", "k8s.io", "images", "import", "--snapshotter",
				"native", tar, NULL};
		struct cmd_out o = run_capture(argv, NULL);
		r = o.status;
		if (r)
			fprintf(stderr, "    ctr images import: %s%s\n", o.out, o.err);
		cmd_out_free(&o);
	}
	free(layer), free(tar), free(cfg);
	return r;
}

char *crienv_log_data(size_t *n)
{
	struct strbuf b = {0};
	char c;
	for (int v = 0; v < 256; v++) /* every byte value but the newline */
		if (v != '\n')
			c = (char)v, sb_add(&b, &c, 1);
	sb_adds(&b, "\n");
	for (int i = 0; i < 40000; i++) /* longer than the CRI's 16 KiB line: split as partial lines */
		c = (char)('a' + i % 26), sb_add(&b, &c, 1);
	sb_adds(&b, "\ntail\n");
	*n = b.len;
	return sb_detach(&b);
}

int crienv_start(struct crienv *e)
{
	char cwd[4096], *tree;

	memset(e, 0, sizeof(*e));
	e->dir = xasprintf("%s/cri", test_tmpdir());
	e->netns = xasprintf("lupine-cri%d", (int)getpid());
	e->sock = xasprintf("%s/c.sock", e->dir);
	e->log = xasprintf("%s/containerd.log", e->dir);
	/* absolute, not resolved: the name lupine-runc is what makes it the runtime */
	e->runc = lupine_bin()[0] == '/' ? xasprintf("%s-runc", lupine_bin()) :
		xasprintf("%s/%s-runc", getcwd(cwd, sizeof(cwd)) ? cwd : ".", lupine_bin());
	mkdir_p(e->dir, 0755);
	if (!path_exists(CRICTL)) {
		check_fail(__FILE__, __LINE__, "no %s: make build/crictl-lite (scripts/setup.sh installs what it needs)",
			   CRICTL);
		return -1;
	}
	CHECK_INT(test_sh("ip netns add %s && ip -n %s link set lo up", e->netns, e->netns), 0);
	if (start_containerd(e) < 0) {
		char *log = file_read(e->log, NULL);
		check_fail(__FILE__, __LINE__, "containerd's CRI did not answer; its log: %s", log ? log : "(none)");
		free(log);
		return -1;
	}
	tree = probe_tree();
	size_t n;
	char *data = crienv_log_data(&n), *path = xasprintf("%s%s", tree, CRIENV_LOG_DATA);
	CHECK_INT(file_write_atomic(path, data, n, 0644), 0);
	free(data), free(path);
	int r = import(e, tree, "lupine-pause:1", "[\"/bin/probe\",\"wait\"]");
	if (r == 0)
		r = import(e, tree, "lupine-probe:cri", "[\"/bin/probe\"]");
	CHECK_INT(r, 0);
	free(tree);
	return r;
}

int crienv_registry(struct crienv *e)
{
	char *conf = xasprintf("%s/registry.yml", e->dir), *log = xasprintf("%s/registry.log", e->dir);
	char *text = xasprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/registry\n"
			       "http:\n  addr: " CRIENV_REGISTRY "\n", e->dir);
	char *net = xasprintf("--net=/run/netns/%s", e->netns);
	char *const argv[] = {"nsenter", net, "docker-registry", "serve", conf, NULL};
	struct proc_opts o = PROC_OPTS_INIT;
	int r = -1;

	if (file_write_atomic(conf, text, strlen(text), 0644) < 0)
		goto out;
	o.out = o.err = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	o.in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	o.death_signal = SIGTERM;
	e->registry = proc_spawn(argv, &o);
	close(o.out), close(o.in);
	for (int i = 0; i < 100 && e->registry > 0 && r != 0; i++)
		if ((r = crienv_sh(e, "curl -sf -o /dev/null http://" CRIENV_REGISTRY "/v2/")) != 0)
			usleep(100000);
	if (r == 0)
		r = crienv_sh(e, "skopeo copy --quiet --dest-tls-verify=false docker-archive:%s/lupine-probe.tar "
			      "docker://" CRIENV_PULLED, e->dir);
out:
	free(conf), free(log), free(text), free(net);
	return r;
}

/* Shims the test's containerd started and left (their command line names
 * its socket), ended by pid. */
static void kill_shims(struct crienv *e)
{
	char *cmd = xasprintf("pgrep -f -- '[-]address %s'", e->sock);
	char *argv[] = {"sh", "-c", cmd, NULL};
	struct cmd_out o = run_capture(argv, NULL);
	for (char *p = o.out, *end; p && *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 1)
			kill((pid_t)pid, SIGKILL);
	}
	cmd_out_free(&o);
	free(cmd);
}

void crienv_stop(struct crienv *e)
{
	int st;
	if (e->pid > 0) {
		kill(e->pid, SIGTERM);
		for (int i = 0; i < 100 && proc_poll(e->pid, &st) == 0; i++)
			usleep(100000);
		if (proc_poll(e->pid, &st) == 0) {
			kill(e->pid, SIGKILL);
			proc_wait(e->pid);
		}
	}
	if (e->sock)
		kill_shims(e);
	if (e->registry > 0) {
		kill(e->registry, SIGTERM);
		proc_wait(e->registry);
	}
	if (e->dir)
		test_sh("grep -o ' %s/[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null", e->dir);
	if (e->netns)
		test_sh("ip netns del %s 2>/dev/null", e->netns);
	free(e->dir), free(e->netns), free(e->sock), free(e->runc), free(e->log);
	memset(e, 0, sizeof(*e));
}
