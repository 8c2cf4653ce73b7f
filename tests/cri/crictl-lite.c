/* crictl-lite.c: the CRI calls the kubelet makes for a pod, one per run, for
 * the tests (crictl is not in Debian). Pod and container settings are
 * options, so `create` can send the same sandbox config `runp` did.
 * usage: crictl-lite -r SOCK [options] COMMAND [ID] [-- ARGV...] */
#include "cri.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXKV 16

struct opts {
	const char *sock, *handler, *pod, *logdir, *name, *image, *log;
	long long memory; /* bytes; 0: no limit */
	long long cpus;   /* thousandths of a CPU; 0: no limit */
	char *env[MAXKV], *ann[MAXKV], *mounts[MAXKV];
	int nenv, nann, nmounts, timeout;
	char **argv; /* after -- */
	int argc, end; /* argv[end] is "--", or end is argc */
};

static void usage(void)
{
	fputs("usage: crictl-lite -r SOCK [--timeout S] [--handler H] [--pod NAME] [--logdir DIR]\n"
	      "         [--name N] [--image IMG] [--log PATH] [--env K=V]... [--ann K=V]... [--memory BYTES]\n"
	      "         [--cpus MILLI] [--mount HOST:PATH[:ro]]...\n"
	      "         COMMAND [ID] [-- ARGV]\n"
	      "commands: version, runp, inspectp POD, stopp POD, rmp POD, pull IMG, create POD -- ARGV,\n"
	      "          start ID, inspect ID, exec ID -- ARGV, reopen ID, stop ID, rm ID\n", stderr);
	exit(2);
}

static void add_kv(char **list, int *n, char *kv, char sep)
{
	if (*n == MAXKV || !strchr(kv, sep)) {
		fprintf(stderr, "crictl-lite: bad '%s': K%cV expected (at most %d of each)\n", kv, sep, MAXKV);
		exit(2);
	}
	list[(*n)++] = kv;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"runtime-endpoint", 1, 0, 'r'}, {"timeout", 1, 0, 't'}, {"handler", 1, 0, 'H'},
		{"pod", 1, 0, 'p'}, {"logdir", 1, 0, 'l'}, {"name", 1, 0, 'n'}, {"image", 1, 0, 'i'},
		{"log", 1, 0, 'L'}, {"env", 1, 0, 'e'}, {"ann", 1, 0, 'a'}, {"memory", 1, 0, 'm'}, {"mount", 1, 0, 'M'},
		{"cpus", 1, 0, 'c'},
		{0, 0, 0, 0}};
	int c;
	o->pod = "pod", o->name = "app", o->timeout = 120;
	while ((c = getopt_long(argc, argv, "+r:t:", lo, NULL)) != -1) {
		switch (c) {
		case 'r': o->sock = optarg; break;
		case 't': o->timeout = atoi(optarg); break;
		case 'H': o->handler = optarg; break;
		case 'p': o->pod = optarg; break;
		case 'l': o->logdir = optarg; break;
		case 'n': o->name = optarg; break;
		case 'i': o->image = optarg; break;
		case 'L': o->log = optarg; break;
		case 'e': add_kv(o->env, &o->nenv, optarg, '='); break;
		case 'a': add_kv(o->ann, &o->nann, optarg, '='); break;
		case 'm': o->memory = atoll(optarg); break;
		case 'c': o->cpus = atoll(optarg); break;
		case 'M': add_kv(o->mounts, &o->nmounts, optarg, ':'); break;
		default: usage();
		}
	}
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			o->argv = argv + i + 1, o->argc = argc - i - 1;
			argc = i;
			break;
		}
	o->end = argc;
	if (!o->sock || optind >= argc)
		usage();
	return optind;
}

/* The sandbox config: metadata from --pod, the log directory, a hostname. */
struct podcfg {
	Runtime__V1__PodSandboxConfig cfg;
	Runtime__V1__PodSandboxMetadata md;
	char uid[200];
};

static void podcfg_init(struct podcfg *p, const struct opts *o)
{
	runtime__v1__pod_sandbox_config__init(&p->cfg);
	runtime__v1__pod_sandbox_metadata__init(&p->md);
	snprintf(p->uid, sizeof(p->uid), "%s-uid", o->pod);
	p->md.name = (char *)o->pod, p->md.uid = p->uid, p->md.namespace_ = "default";
	p->cfg.metadata = &p->md;
	p->cfg.hostname = (char *)o->pod;
	p->cfg.log_directory = (char *)(o->logdir ? o->logdir : "");
}

static struct cri conn;

/* One call or exit 1 with the error; the response is the caller's. */
static void *call(const char *method, const void *req, const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *resp;
	if (cri_call(&conn, method, req, d, &resp) < 0) {
		fprintf(stderr, "crictl-lite: %s\n", conn.err);
		exit(1);
	}
	return resp;
}
#define RT(m) "runtime.v1.RuntimeService/" m

static const char *enum_name(const ProtobufCEnumDescriptor *d, int v)
{
	const ProtobufCEnumValue *e = protobuf_c_enum_descriptor_get_value(d, v);
	return e ? e->name : "?";
}

static int cmd_version(void)
{
	Runtime__V1__VersionRequest req = RUNTIME__V1__VERSION_REQUEST__INIT;
	req.version = "v1";
	Runtime__V1__VersionResponse *r = call(RT("Version"), &req, &runtime__v1__version_response__descriptor);
	printf("runtime %s %s api %s\n", r->runtime_name, r->runtime_version, r->runtime_api_version);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}

static int cmd_runp(const struct opts *o)
{
	struct podcfg p;
	Runtime__V1__RunPodSandboxRequest req = RUNTIME__V1__RUN_POD_SANDBOX_REQUEST__INIT;
	podcfg_init(&p, o);
	req.config = &p.cfg;
	req.runtime_handler = (char *)(o->handler ? o->handler : "");
	Runtime__V1__RunPodSandboxResponse *r = call(RT("RunPodSandbox"), &req,
						     &runtime__v1__run_pod_sandbox_response__descriptor);
	printf("%s\n", r->pod_sandbox_id);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}

static int cmd_inspectp(const char *id)
{
	Runtime__V1__PodSandboxStatusRequest req = RUNTIME__V1__POD_SANDBOX_STATUS_REQUEST__INIT;
	req.pod_sandbox_id = (char *)id;
	Runtime__V1__PodSandboxStatusResponse *r = call(RT("PodSandboxStatus"), &req,
							&runtime__v1__pod_sandbox_status_response__descriptor);
	Runtime__V1__PodSandboxStatus *s = r->status;
	if (s)
		printf("state=%s ip=%s handler=%s\n", enum_name(&runtime__v1__pod_sandbox_state__descriptor, s->state),
		       s->network && s->network->ip ? s->network->ip : "", s->runtime_handler);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return s ? 0 : 1;
}

/* The calls that take one id and answer nothing worth printing. */
static int cmd_id(const char *cmd, const char *id, int timeout)
{
	Runtime__V1__StopPodSandboxRequest stopp = RUNTIME__V1__STOP_POD_SANDBOX_REQUEST__INIT;
	Runtime__V1__RemovePodSandboxRequest rmp = RUNTIME__V1__REMOVE_POD_SANDBOX_REQUEST__INIT;
	Runtime__V1__StartContainerRequest start = RUNTIME__V1__START_CONTAINER_REQUEST__INIT;
	Runtime__V1__StopContainerRequest stop = RUNTIME__V1__STOP_CONTAINER_REQUEST__INIT;
	Runtime__V1__RemoveContainerRequest rm = RUNTIME__V1__REMOVE_CONTAINER_REQUEST__INIT;
	Runtime__V1__ReopenContainerLogRequest reopen = RUNTIME__V1__REOPEN_CONTAINER_LOG_REQUEST__INIT;
	ProtobufCMessage *r;
	stopp.pod_sandbox_id = rmp.pod_sandbox_id = (char *)id;
	start.container_id = stop.container_id = rm.container_id = reopen.container_id = (char *)id;
	stop.timeout = timeout;
	if (!strcmp(cmd, "stopp"))
		r = call(RT("StopPodSandbox"), &stopp, &runtime__v1__stop_pod_sandbox_response__descriptor);
	else if (!strcmp(cmd, "rmp"))
		r = call(RT("RemovePodSandbox"), &rmp, &runtime__v1__remove_pod_sandbox_response__descriptor);
	else if (!strcmp(cmd, "start"))
		r = call(RT("StartContainer"), &start, &runtime__v1__start_container_response__descriptor);
	else if (!strcmp(cmd, "stop"))
		r = call(RT("StopContainer"), &stop, &runtime__v1__stop_container_response__descriptor);
	else if (!strcmp(cmd, "rm"))
		r = call(RT("RemoveContainer"), &rm, &runtime__v1__remove_container_response__descriptor);
	else if (!strcmp(cmd, "reopen"))
		r = call(RT("ReopenContainerLog"), &reopen, &runtime__v1__reopen_container_log_response__descriptor);
	else
		usage();
	protobuf_c_message_free_unpacked(r, NULL);
	return 0;
}

static int cmd_pull(const char *image)
{
	Runtime__V1__PullImageRequest req = RUNTIME__V1__PULL_IMAGE_REQUEST__INIT;
	Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
	spec.image = (char *)image;
	req.image = &spec;
	Runtime__V1__PullImageResponse *r = call("runtime.v1.ImageService/PullImage", &req,
						 &runtime__v1__pull_image_response__descriptor);
	printf("%s\n", r->image_ref);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}

/* K=V strings as the protobuf map entries (KeyValue and the *Entry types
 * share one layout: base, key, value); strings are cut at '=' in place. */
static void **kv_entries(char **kv, int n, size_t size, void (*init)(void *))
{
	void **list = calloc(n + 1, sizeof(*list));
	for (int i = 0; i < n; i++) {
		Runtime__V1__KeyValue *e = list[i] = calloc(1, size);
		init(e);
		char *eq = strchr(kv[i], '=');
		*eq = 0;
		e->key = kv[i], e->value = eq + 1;
	}
	return list;
}

/* --mount HOST:PATH[:ro] as CRI mounts (cut at ':' in place; caller frees). */
static Runtime__V1__Mount **mounts(char **spec, int n)
{
	Runtime__V1__Mount **list = calloc(n + 1, sizeof(*list));
	for (int i = 0; i < n; i++) {
		Runtime__V1__Mount *m = list[i] = calloc(1, sizeof(*m));
		runtime__v1__mount__init(m);
		char *c = strchr(spec[i], ':'), *ro = strchr(c + 1, ':');
		*c = 0;
		if (ro)
			*ro = 0;
		m->host_path = spec[i], m->container_path = c + 1, m->readonly = ro && !strcmp(ro + 1, "ro");
	}
	return list;
}

static int cmd_create(const struct opts *o, const char *pod)
{
	struct podcfg p;
	Runtime__V1__CreateContainerRequest req = RUNTIME__V1__CREATE_CONTAINER_REQUEST__INIT;
	Runtime__V1__ContainerConfig cfg = RUNTIME__V1__CONTAINER_CONFIG__INIT;
	Runtime__V1__ContainerMetadata md = RUNTIME__V1__CONTAINER_METADATA__INIT;
	Runtime__V1__ImageSpec img = RUNTIME__V1__IMAGE_SPEC__INIT;
	Runtime__V1__LinuxContainerConfig lx = RUNTIME__V1__LINUX_CONTAINER_CONFIG__INIT;
	Runtime__V1__LinuxContainerResources res = RUNTIME__V1__LINUX_CONTAINER_RESOURCES__INIT;

	if (!o->image || o->argc < 1)
		usage();
	podcfg_init(&p, o);
	md.name = (char *)o->name;
	img.image = (char *)o->image;
	cfg.metadata = &md, cfg.image = &img;
	cfg.command = o->argv, cfg.n_command = o->argc;
	cfg.log_path = (char *)(o->log ? o->log : "");
	res.memory_limit_in_bytes = o->memory;
	if (o->cpus) /* as the kubelet turns a CPU limit into CFS quota over a 100 ms period */
		res.cpu_period = 100000, res.cpu_quota = o->cpus * 100;
	lx.resources = &res;
	cfg.linux = &lx;
	cfg.n_envs = o->nenv;
	cfg.envs = (Runtime__V1__KeyValue **)kv_entries((char **)o->env, o->nenv, sizeof(Runtime__V1__KeyValue),
						       (void (*)(void *))runtime__v1__key_value__init);
	cfg.n_annotations = o->nann;
	cfg.annotations = (Runtime__V1__ContainerConfig__AnnotationsEntry **)kv_entries(
		(char **)o->ann, o->nann, sizeof(Runtime__V1__ContainerConfig__AnnotationsEntry),
		(void (*)(void *))runtime__v1__container_config__annotations_entry__init);
	cfg.n_mounts = o->nmounts;
	cfg.mounts = mounts((char **)o->mounts, o->nmounts);
	req.pod_sandbox_id = (char *)pod, req.config = &cfg, req.sandbox_config = &p.cfg;
	Runtime__V1__CreateContainerResponse *r = call(RT("CreateContainer"), &req,
						       &runtime__v1__create_container_response__descriptor);
	printf("%s\n", r->container_id);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	for (int i = 0; i < o->nenv; i++)
		free(cfg.envs[i]);
	for (int i = 0; i < o->nann; i++)
		free(cfg.annotations[i]);
	for (int i = 0; i < o->nmounts; i++)
		free(cfg.mounts[i]);
	free(cfg.envs), free(cfg.annotations), free(cfg.mounts);
	return 0;
}

static int cmd_inspect(const char *id)
{
	Runtime__V1__ContainerStatusRequest req = RUNTIME__V1__CONTAINER_STATUS_REQUEST__INIT;
	req.container_id = (char *)id;
	Runtime__V1__ContainerStatusResponse *r = call(RT("ContainerStatus"), &req,
						       &runtime__v1__container_status_response__descriptor);
	Runtime__V1__ContainerStatus *s = r->status;
	if (s)
		printf("state=%s exit=%d reason=%s log=%s\n", enum_name(&runtime__v1__container_state__descriptor,
								       s->state),
		       (int)s->exit_code, s->reason, s->log_path);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return s ? 0 : 1;
}

/* ExecSync: its stdout and stderr on ours, its exit code ours. */
static int cmd_exec(const struct opts *o, const char *id)
{
	Runtime__V1__ExecSyncRequest req = RUNTIME__V1__EXEC_SYNC_REQUEST__INIT;
	if (o->argc < 1)
		usage();
	req.container_id = (char *)id;
	req.cmd = o->argv, req.n_cmd = o->argc;
	req.timeout = o->timeout;
	Runtime__V1__ExecSyncResponse *r = call(RT("ExecSync"), &req, &runtime__v1__exec_sync_response__descriptor);
	fwrite(r->stdout.data, 1, r->stdout.len, stdout);
	fwrite(r->stderr.data, 1, r->stderr.len, stderr);
	int code = r->exit_code;
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return code;
}

static int dispatch(const struct opts *o, int argc, char **argv, int i)
{
	const char *cmd = argv[i], *id = i + 1 < argc ? argv[i + 1] : NULL;
	if (!strcmp(cmd, "version"))
		return cmd_version();
	if (!strcmp(cmd, "runp"))
		return cmd_runp(o);
	if (!id)
		usage();
	if (!strcmp(cmd, "inspectp"))
		return cmd_inspectp(id);
	if (!strcmp(cmd, "pull"))
		return cmd_pull(id);
	if (!strcmp(cmd, "create"))
		return cmd_create(o, id);
	if (!strcmp(cmd, "inspect"))
		return cmd_inspect(id);
	if (!strcmp(cmd, "exec"))
		return cmd_exec(o, id);
	return cmd_id(cmd, id, o->timeout);
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	int i = parse(argc, argv, &o);
	if (cri_open(&conn, o.sock, o.timeout + 30) < 0) {
		fprintf(stderr, "crictl-lite: %s\n", conn.err);
		return 1;
	}
	int r = dispatch(&o, o.end, argv, i);
	fflush(stdout);
	cri_close(&conn);
	return r;
}
