/* test_cni.c: a pod's network namespace wired by Debian's CNI plugins
 * (bridge + host-local, as a Kubernetes node's would be), the VM answering
 * on the pod IP. The "node" is a namespace the test makes too: the bridge
 * and its gateway address live there, never in the machine's own. */
#include "harness.h"
#include "lib/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CNI_DIR "/usr/lib/cni"

/* Runs the bridge plugin with command (ADD, DEL) inside node for the pod's
 * eth0; its stdout (the CNI result for ADD). */
static struct cmd_out cni(const char *command, const char *node, const char *pod, const char *id)
{
	char *conf = xasprintf("%s/cni.json", test_tmpdir());
	char *text = xasprintf("{\"cniVersion\":\"1.0.0\",\"name\":\"lupine-test\",\"type\":\"bridge\",\"bridge\":\"cni-lt0\","
			       "\"isGateway\":true,\"ipMasq\":false,\"ipam\":{\"type\":\"host-local\",\"ranges\":"
			       "[[{\"subnet\":\"10.99.0.0/24\"}]],\"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dataDir\":"
			       "\"%s/cni-ipam\"}}",
			       test_tmpdir());
	char *cmd = xasprintf("CNI_COMMAND=%s CNI_CONTAINERID=%s CNI_NETNS=/var/run/netns/%s CNI_IFNAME=eth0 "
			      "CNI_PATH=" CNI_DIR " ip netns exec %s " CNI_DIR "/bridge <%s",
			      command, id, pod, node, conf);
	char *const argv[] = {"sh", "-c", cmd, NULL};
	struct cmd_out o;

	CHECK_INT(file_write_atomic(conf, text, strlen(text), 0644), 0);
	o = run_capture(argv, NULL);
	free(cmd);
	free(text);
	free(conf);
	return o;
}

/* The pod's IPv4 address, without its prefix, from a CNI result; caller frees. */
static char *pod_ip(const char *result)
{
	json_t *j = json_loads(result ? result : "", 0, NULL);
	const char *a = json_string_value(json_object_get(json_array_get(json_object_get(j, "ips"), 0), "address"));
	char *ip = a ? xstrndup(a, strcspn(a, "/")) : NULL;

	json_decref(j);
	return ip;
}

static void test_bridge_plugin(void)
{
	char node[32], pod[32], id[32], *ip = NULL, *s;
	struct cmd_out o;

	if (access(CNI_DIR "/bridge", X_OK) < 0) {
		check_fail(__FILE__, __LINE__, "no " CNI_DIR "/bridge: scripts/setup.sh installs containernetworking-plugins");
		return;
	}
	snprintf(node, sizeof(node), "lcni-n%d", (int)getpid());
	snprintf(pod, sizeof(pod), "lcni-p%d", (int)getpid());
	snprintf(id, sizeof(id), "lupine-cni-%d", (int)getpid());
	char *bundle = probe_bundle("cni-probe", "initramfs");
	char *mk = xasprintf("ip netns add %s && ip netns add %s && ip -n %s link set lo up && ip -n %s link set lo up",
			     node, pod, node, pod);
	CHECK_INT(system(mk), 0);
	o = cni("ADD", node, pod, id);
	CHECK_INT(o.status, 0);
	ip = pod_ip(o.out);
	CHECK(ip != NULL);
	cmd_out_free(&o);
	if (!ip)
		goto out;
	char *const args[] = {"run", bundle, "--net", "container", "--timeout", "300", "--", "serve", "7777", NULL};
	struct bg b = bg_lupine_in(pod, args);
	CHECK(wait_log(&b, "probe: serving on", 180));
	s = file_read(b.log, NULL);
	char *want = xasprintf("probe: eth0 ip=%s", ip);
	CHECK_CONTAINS(s, want);
	CHECK_CONTAINS(s, "eth0\t00000000\t0100630A\t0003"); /* default via 10.99.0.1, the bridge */
	free(want);
	free(s);
	/* from the node, as a Service's or a kubelet probe's traffic comes */
	CHECK_INT(probe_talk(node, ip, 7777, "down 2048", 0), 2048);
	CHECK_INT(probe_talk(node, ip, 7777, "quit", 0), 0);
	CHECK_INT(wait_bg(&b, 60), 0);
	free(b.log);
	o = cni("DEL", node, pod, id);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
out:
	free(mk);
	mk = xasprintf("ip netns delete %s && ip netns delete %s", pod, node);
	CHECK_INT(system(mk), 0);
	free(mk);
	free(ip);
	free(bundle);
}

const struct test cni_tests[] = {
	{"cni/bridge-pod-ip", test_bridge_plugin, 1},
	{0, 0, 0},
};
