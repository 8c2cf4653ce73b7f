/* test_kernel.c: `lupine kernel` against the real kernel tree, and booting the result in QEMU. */
#include "harness.h"
#include "lib/cache.h"
#include "vm/hello.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *write_tmp(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", test_tmpdir(), name);
	CHECK_INT(file_write_atomic(p, text, strlen(text), 0644), 0);
	return p;
}

static struct cmd_out lupine_kernel(const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[] = {(char *)lupine_bin(), "kernel", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
	return run_capture(argv, NULL);
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static void test_misspelled(void)
{
	char *f = write_tmp("typo.config", "CONFIG_VIRTIO_NETT=y\n");
	struct cmd_out o = lupine_kernel("--config", f, NULL, NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "CONFIG_VIRTIO_NETT=y");
	CHECK_CONTAINS(o.err, "typo.config:1");
	CHECK_CONTAINS(o.err, "did you mean CONFIG_VIRTIO_NET?");
	CHECK_NOT_CONTAINS(o.out, "kernel ");
	cmd_out_free(&o);
	free(f);
}

static void test_unmeetable(void)
{
	char *f = write_tmp("unmet.config", "# virtio-net without the network stack under it\nCONFIG_VIRTIO_NET=y\n");
	struct cmd_out o = lupine_kernel("--config", f, NULL, NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "CONFIG_VIRTIO_NET=y");
	CHECK_CONTAINS(o.err, "unmet.config:2");
	CHECK_CONTAINS(o.err, "CONFIG_NETDEVICES is not set");
	cmd_out_free(&o);
	free(f);
}

static void test_conflict(void)
{
	char *a = write_tmp("a.config", "CONFIG_FUTEX=y\n");
	char *b = write_tmp("b.config", "\n# CONFIG_FUTEX is not set\n");
	struct cmd_out o = lupine_kernel("--config", a, "--config", b);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "conflicting values for CONFIG_FUTEX");
	CHECK_CONTAINS(o.err, "a.config:1 wants y");
	CHECK_CONTAINS(o.err, "b.config:2 wants not set");
	cmd_out_free(&o);
	free(a);
	free(b);
}

static void test_bad_inputs(void)
{
	struct cmd_out o = lupine_kernel("--app", "nosuchapp", NULL, NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "unknown application manifest 'nosuchapp'");
	CHECK_INT(count_lines(o.err), 1);
	cmd_out_free(&o);

	o = lupine_kernel("--source", "/nonexistent/linux", NULL, NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "cannot use kernel source '/nonexistent/linux'");
	CHECK_INT(count_lines(o.err), 1);
	cmd_out_free(&o);

	char *notree = xasprintf("%s", test_tmpdir());
	o = lupine_kernel("--source", notree, NULL, NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "is not a kernel source tree");
	cmd_out_free(&o);
	free(notree);

	o = lupine_kernel("--config", "/nonexistent.config", NULL, NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "cannot read config fragment '/nonexistent.config'");
	cmd_out_free(&o);
}

static void test_list_explain(void)
{
	struct cmd_out o = lupine_kernel("--list", NULL, NULL, NULL);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "redis");
	CHECK_CONTAINS(o.out, "nginx");
	CHECK_INT(count_lines(o.out), 20);
	cmd_out_free(&o);
	o = lupine_kernel("--explain", "CONFIG_EPOLL", NULL, NULL);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "apps/redis");
	CHECK_CONTAINS(o.out, "CONFIG_EPOLL=y");
	cmd_out_free(&o);
}

/* The general kernel's bzImage path ("kernel   PATH" line), built or cached. */
static char *general_kernel(struct cmd_out *o)
{
	*o = lupine_kernel("--general", "-q", NULL, NULL);
	CHECK_INT(o->status, 0);
	if (o->status)
		fprintf(stderr, "%s", o->err);
	char *line = o->out ? strstr(o->out, "kernel   ") : NULL;
	if (!line)
		return NULL;
	line += 9;
	return xstrndup(line, strcspn(line, "\n"));
}

static void test_general_cached(void)
{
	struct cmd_out o;
	char *k = general_kernel(&o);
	CHECK(k && path_exists(k));
	cmd_out_free(&o);
	/* second time: straight from the cache */
	char *k2 = general_kernel(&o);
	CHECK(k && k2 && !strcmp(k, k2));
	CHECK_CONTAINS(o.out, "build    cached");
	CHECK_CONTAINS(o.out, "options =y");
	cmd_out_free(&o);
	free(k);
	free(k2);
}

static void test_general_boots(void)
{
	struct cmd_out o;
	char *k = general_kernel(&o);
	int reached = 0;

	cmd_out_free(&o);
	if (!k)
		return;
	for (int i = 0; i < 10; i++) {
		struct vm_result res;
		struct strbuf err = {0};
		if (hello_boot(k, 64, VM_ACCEL_AUTO, &res, &err) < 0) {
			check_fail(__FILE__, __LINE__, "boot %d: %s", i, err.buf);
			sb_release(&err);
			break;
		}
		char how[128];
		if (hello_reached(&res))
			reached++;
		else
			check_fail(__FILE__, __LINE__, "boot %d: %s; console:\n%s", i,
				   vm_end_describe(&res, how, sizeof(how)), res.console);
		printf("    boot %d: %s, init at %.2fs host / %.2fs guest\n", i,
		       vm_end_describe(&res, how, sizeof(how)), res.t_init, res.guest_init);
		vm_result_release(&res);
	}
	CHECK_INT(reached, 10);
	free(k);
}

/* Complete entries (names not starting with '.') and staging leftovers (".tmp-*"). */
static void count_entries(const char *dir, int *complete, int *staging)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	*complete = *staging = 0;
	while (d && (de = readdir(d))) {
		*complete += de->d_name[0] != '.';
		*staging += str_starts(de->d_name, ".tmp-");
	}
	if (d)
		closedir(d);
}

/* Whether a make building under cache/build/ is still running. */
static int build_running(const char *cache)
{
	char *needle = xasprintf("O=%s/build/", cache);
	DIR *d = opendir("/proc");
	struct dirent *de;
	int found = 0;
	while (d && (de = readdir(d)) && !found) {
		char *p = xasprintf("/proc/%s/cmdline", de->d_name);
		size_t len;
		char *c = file_read(p, &len);
		for (size_t i = 0; c && i + 1 < len; i++)
			if (!c[i])
				c[i] = ' ';
		found = c && strstr(c, needle) && strstr(c, "make");
		free(c);
		free(p);
	}
	if (d)
		closedir(d);
	free(needle);
	return found;
}

/* The kernel tree the shared cache unpacked (the general kernel's tests ran first). */
static char *unpacked_tree(void)
{
	char *src = cache_dir("trees"), *found = NULL;
	DIR *d = opendir(src);
	struct dirent *de;
	while (d && (de = readdir(d)) && !found) {
		char *t = xasprintf("%s/%s/linux-source-6.1", src, de->d_name);
		if (de->d_name[0] != '.' && is_dir(t))
			found = t;
		else
			free(t);
	}
	if (d)
		closedir(d);
	free(src);
	return found;
}

/* A build killed part-way leaves no entry in the cache, and stops. It uses
 * a cache of its own, so other builds on the machine do not confuse it. */
static void test_killed_build(void)
{
	char *f = write_tmp("extra.config", "# something no other test builds\nCONFIG_PRINTK_TIME=y\n");
	char *cache = xasprintf("%s/cache", test_tmpdir()), *tree = unpacked_tree();
	char *kdir = xasprintf("%s/kernels", cache);
	int before, after, staging;

	if (!tree) {
		check_fail(__FILE__, __LINE__, "no unpacked kernel tree in the cache");
		return;
	}
	mkdir_p(kdir, 0755);
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", 1);
		dup2(devnull, 1);
		dup2(devnull, 2);
		setenv("LUPINE_CACHE", cache, 1);
		setenv("LUPINE_LINUX_SRC", tree, 1);
		execl(lupine_bin(), "lupine", "kernel", "--config", f, "--force", (char *)NULL);
		_exit(127);
	}
	sleep(2);
	count_entries(kdir, &before, &staging);
	sleep(13);
	CHECK(build_running(cache));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* the build's make is told to stop when lupine dies */
	for (int i = 0; i < 100 && build_running(cache); i++)
		usleep(100000);
	CHECK(!build_running(cache));
	count_entries(kdir, &after, &staging);
	CHECK_INT(after, before);
	CHECK_INT(after, 0);
	CHECK_INT(staging, 0);
	free(kdir);
	free(cache);
	free(tree);
	free(f);
}

const struct test kernel_tests[] = {
	{"kernel/misspelled-option", test_misspelled, 0},
	{"kernel/unmeetable-option", test_unmeetable, 0},
	{"kernel/conflicting-fragments", test_conflict, 0},
	{"kernel/bad-inputs", test_bad_inputs, 0},
	{"kernel/list-explain", test_list_explain, 0},
	{"kernel/general-cached", test_general_cached, 1},
	{"kernel/general-boots-10", test_general_boots, 1},
	{"kernel/killed-build-leaves-no-entry", test_killed_build, 1},
	{0, 0, 0},
};
