/* firecracker.c: the Firecracker backend: a vm_config as the JSON file of
 * `firecracker --no-api --config-file` (boot-source, drives, machine-config,
 * network-interfaces, as Firecracker v1 documents them).
 *
 * Firecracker has no debug ports: the init reports on the console behind
 * LUPINE_CTL_MARK (ctl "console") and ends the VM by a reboot, which its
 * i8042 turns into a clean exit (status 0). It needs KVM and a tap device
 * for networking; lupine does not create the tap or forward ports for it. */
#include "vm/vmm.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* A locally administered MAC for the guest's one NIC. */
#define FC_GUEST_MAC "06:00:ac:10:00:02"

static json_t *boot_source(const struct vm_config *cfg, int kvm)
{
	/* reboot=k: the keyboard controller reset, which Firecracker turns into
	 * its exit; panic=1 reboots (and so ends the VM) a second after a panic */
	char *cmdline = vmm_cmdline(cfg, kvm, "reboot=k panic=1 pci=off");
	json_t *o = json_pack("{s:s, s:s}", "kernel_image_path", cfg->kernel, "boot_args", cmdline);

	if (cfg->initrd)
		json_object_set_new(o, "initrd_path", json_string(cfg->initrd));
	free(cmdline);
	return o;
}

static json_t *drives(const struct vm_config *cfg)
{
	json_t *a = json_array();

	/* not a root device: the init mounts it itself, from the run config */
	if (cfg->disk)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:b}", "drive_id", "rootfs", "path_on_host",
						   cfg->disk, "is_root_device", 0, "is_read_only",
						   cfg->disk_readonly));
	return a;
}

static json_t *config_json(const struct vm_config *cfg, int kvm)
{
	json_t *o = json_object();

	json_object_set_new(o, "boot-source", boot_source(cfg, kvm));
	json_object_set_new(o, "drives", drives(cfg));
	json_object_set_new(o, "machine-config", json_pack("{s:i, s:i, s:b}", "vcpu_count", 1, "mem_size_mib",
							   cfg->mem_mib, "smt", 0));
	json_object_set_new(o, "network-interfaces", json_array());
	if (cfg->net)
		json_array_append_new(json_object_get(o, "network-interfaces"),
				      json_pack("{s:s, s:s, s:s}", "iface_id", "eth0", "host_dev_name",
						cfg->tap ? cfg->tap : "lupine0", "guest_mac", cfg->mac ? cfg->mac : FC_GUEST_MAC));
	return o;
}

static int fc_prepare(const struct vm_config *cfg, int kvm, const char *dir, struct vmm_launch *l,
		      struct strbuf *err)
{
	struct vmm_argv a = {0};
	json_t *j;
	char *text;
	int ret = -1;

	if (cfg->nshares) {
		sb_addf(err, "Firecracker has no virtio-9p, so it cannot share '%s' with the guest: run volumes "
			     "(-v, config.json bind mounts) with --vmm qemu", cfg->shares[0].path);
		return -1;
	}
	j = config_json(cfg, kvm);
	text = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	l->config_file = xasprintf("%s/firecracker.json", dir);
	if (file_write_atomic(l->config_file, text, strlen(text), 0600) < 0) {
		sb_addf(err, "cannot write '%s': %s", l->config_file, strerror(errno));
		goto out;
	}
	vmm_argv_adds(&a, vmm_binary(&vmm_firecracker));
	vmm_argv_adds(&a, "--no-api");
	vmm_argv_adds(&a, "--config-file");
	vmm_argv_adds(&a, l->config_file);
	l->argv = a.v;
	ret = 0;
out:
	free(text);
	return ret;
}

/* A guest reboot ends Firecracker with status 0. */
static int fc_exit_ok(int wstatus)
{
	return WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
}

const struct vmm_ops vmm_firecracker = {
	.name = "firecracker",
	.ctl = "console",
	.bin_env = "LUPINE_FIRECRACKER",
	.bin = "firecracker",
	/* the guest end of a /30 on the tap; the host end (.1) is the gateway */
	.guest_ip = "172.16.0.2/30",
	.guest_gw = "172.16.0.1",
	.install = "Firecracker is not installed (Debian does not package it): put a release binary on PATH "
		   "or name it with LUPINE_FIRECRACKER, or use --vmm qemu",
	.needs_kvm = 1,
	.prepare = fc_prepare,
	.exit_ok = fc_exit_ok,
};
