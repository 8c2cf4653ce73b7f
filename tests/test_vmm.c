/* test_vmm.c: the VMM backends: the Firecracker config lupine writes, checked against the
 * fields Firecracker documents; a missing Firecracker; the console control channel the
 * Firecracker path relies on, proven on QEMU. */
#include "harness.h"
#include "lib/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fields Firecracker v1 reads from --config-file (src/vmm/src/vmm_config/ and
 * its swagger spec): each section's allowed keys, with the JSON type of each. */
static const struct field {
	const char *section, *key;
	json_type type;
	int required;
} fc_fields[] = {
	{"boot-source", "kernel_image_path", JSON_STRING, 1},
	{"boot-source", "boot_args", JSON_STRING, 0},
	{"boot-source", "initrd_path", JSON_STRING, 0},
	{"drives", "drive_id", JSON_STRING, 1},
	{"drives", "is_root_device", JSON_TRUE, 1},
	{"drives", "is_read_only", JSON_TRUE, 1},
	{"drives", "path_on_host", JSON_STRING, 1},
	{"drives", "partuuid", JSON_STRING, 0},
	{"drives", "cache_type", JSON_STRING, 0},
	{"drives", "io_engine", JSON_STRING, 0},
	{"machine-config", "vcpu_count", JSON_INTEGER, 1},
	{"machine-config", "mem_size_mib", JSON_INTEGER, 1},
	{"machine-config", "smt", JSON_TRUE, 0},
	{"machine-config", "track_dirty_pages", JSON_TRUE, 0},
	{"network-interfaces", "iface_id", JSON_STRING, 1},
	{"network-interfaces", "host_dev_name", JSON_STRING, 1},
	{"network-interfaces", "guest_mac", JSON_STRING, 0},
};

static int same_type(json_t *v, json_type t)
{
	return t == JSON_TRUE ? json_is_boolean(v) : json_typeof(v) == t;
}

/* Checks one object of a section against fc_fields. */
static void check_object(const char *section, json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		size_t i;
		for (i = 0; i < sizeof(fc_fields) / sizeof(fc_fields[0]); i++)
			if (!strcmp(fc_fields[i].section, section) && !strcmp(fc_fields[i].key, k))
				break;
		if (i == sizeof(fc_fields) / sizeof(fc_fields[0]))
			check_fail(__FILE__, __LINE__, "%s: '%s' is not a Firecracker field", section, k);
		else if (!same_type(v, fc_fields[i].type))
			check_fail(__FILE__, __LINE__, "%s.%s has the wrong JSON type", section, k);
	}
	for (size_t i = 0; i < sizeof(fc_fields) / sizeof(fc_fields[0]); i++)
		if (!strcmp(fc_fields[i].section, section) && fc_fields[i].required && !json_object_get(o, fc_fields[i].key))
			check_fail(__FILE__, __LINE__, "%s lacks required '%s'", section, fc_fields[i].key);
}

/* The config file text from `lupine run --dry-run` output. */
static json_t *dry_run_config(const char *bundle, const char *extra1, const char *extra2)
{
	char *const args[] = {"run", (char *)bundle, "--vmm", "firecracker", "--dry-run", (char *)extra1,
			      (char *)extra2, NULL};
	struct cmd_out o = run_lupine(args);
	const char *start = o.out ? strstr(o.out, "--- ") : NULL;
	json_t *j = NULL;

	CHECK_INT(o.status, 0);
	CHECK(o.out && str_starts(o.out, "firecracker --no-api --config-file "));
	if (start && (start = strchr(start, '\n')))
		j = json_loads(start + 1, JSON_DISABLE_EOF_CHECK, NULL);
	CHECK(j != NULL);
	cmd_out_free(&o);
	return j;
}

static void test_firecracker_config(void)
{
	char *b = probe_bundle("fc-ext4.lupine", "ext4");
	json_t *j = dry_run_config(b, "--tap", "tap7"), *v;
	const char *k;
	size_t i;

	if (!j)
		goto out;
	json_object_foreach(j, k, v) {
		if (!strcmp(k, "boot-source") || !strcmp(k, "machine-config"))
			check_object(k, v);
		else if (!strcmp(k, "drives") || !strcmp(k, "network-interfaces"))
			for (i = 0; i < json_array_size(v); i++)
				check_object(k, json_array_get(v, i));
		else
			check_fail(__FILE__, __LINE__, "unexpected section '%s'", k);
	}
	json_t *boot = json_object_get(j, "boot-source"), *drive = json_array_get(json_object_get(j, "drives"), 0);
	CHECK(json_object_get(j, "drives") != NULL); /* required, even when empty */
	CHECK_CONTAINS(json_string_value(json_object_get(boot, "boot_args")), "reboot=k");
	CHECK_CONTAINS(json_string_value(json_object_get(boot, "boot_args")), "console=ttyS0");
	CHECK(json_object_get(boot, "initrd_path") != NULL); /* the init and the run config */
	CHECK(drive && json_is_false(json_object_get(drive, "is_root_device")));
	CHECK_INT(json_integer_value(json_object_get(json_object_get(j, "machine-config"), "mem_size_mib")), 128);
	/* lupine-general has virtio-net: one NIC, on the tap asked for */
	json_t *nic = json_array_get(json_object_get(j, "network-interfaces"), 0);
	CHECK_INT(json_array_size(json_object_get(j, "network-interfaces")), 1);
	CHECK(nic && !strcmp(json_string_value(json_object_get(nic, "host_dev_name")), "tap7"));
	json_decref(j);
out:
	free(b);
}

static void test_firecracker_missing(void)
{
	char *b = probe_bundle("fc.lupine", "initramfs");
	char *const args[] = {(char *)lupine_bin(), "run", b, "--vmm", "firecracker", NULL};
	char *const env[] = {"LUPINE_FIRECRACKER=/nonexistent/firecracker", NULL};
	struct cmd_out o = run_capture(args, env);

	CHECK_INT(o.status, 125);
	CHECK_CONTAINS(o.err, "Firecracker is not installed");
	CHECK(o.err && strchr(o.err, '\n') == strrchr(o.err, '\n')); /* one line */
	cmd_out_free(&o);
	free(b);
}

/* The init's console channel, as under Firecracker, on QEMU: statuses arrive,
 * and no control line leaks into the application's output. */
static void test_console_control(void)
{
	char *b = probe_bundle("fc.lupine", "initramfs");
	const char *codes[] = {"0", "7", "255"};

	for (size_t i = 0; i < 3; i++) {
		char *const args[] = {"run", b, "--ctl", "console", "--timeout", "120", "--", "exit", (char *)codes[i], NULL};
		struct cmd_out o = run_lupine(args);
		CHECK_INT(o.status, atoi(codes[i]));
		CHECK_NOT_CONTAINS(o.out, "lupine-ctl");
		cmd_out_free(&o);
	}
	char *const hello[] = {"run", b, "--ctl", "console", "--timeout", "120", "--", "hello", NULL};
	struct cmd_out o = run_lupine(hello);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: hello from pid");
	cmd_out_free(&o);
	free(b);
}

const struct test vmm_tests[] = {
	{"vmm/firecracker-config-fields", test_firecracker_config, 1},
	{"vmm/firecracker-missing", test_firecracker_missing, 1},
	{"vmm/console-control-channel", test_console_control, 1},
	{0, 0, 0},
};
