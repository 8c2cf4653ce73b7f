/* test_kfeature.c: `lupine kernel --explain-syscall`: the generated feature table of the
 * real 6.1 tree, and the generator's rules on a small made-up tree. */
#include "harness.h"
#include "lib/util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct cmd_out explain(const char *name, const char *source, char *const env[])
{
	char *argv[] = {(char *)lupine_bin(), "kernel", "--explain-syscall", (char *)name, NULL, NULL, NULL};
	if (source) {
		argv[4] = "--source";
		argv[5] = (char *)source;
	}
	return run_capture(argv, env);
}

/* Runs --explain-syscall NAME and checks that its output says `want`. */
static void check_says(const char *name, const char *source, char *const env[], const char *want)
{
	struct cmd_out o = explain(name, source, env);
	if (o.status != 0 || !strstr(o.out, want))
		check_fail(__FILE__, __LINE__, "--explain-syscall %s: status %d, wanted '%s' in: %s%s", name,
			   o.status, want, o.out, o.err);
	cmd_out_free(&o);
}

/* The examples issue 11 names, as Linux 6.1 really builds them. */
static void test_real_tree(void)
{
	static const char *const cases[][2] = {
	    {"signalfd4", "SIGNALFD"},
	    {"signalfd", "SIGNALFD"},
	    {"eventfd2", "EVENTFD"},
	    {"epoll_create1", "EPOLL"},
	    {"timerfd_create", "TIMERFD"},
	    {"inotify_init1", "INOTIFY_USER"},
	    {"mq_open", "POSIX_MQUEUE"},
	    {"shmget", "SYSVIPC"},
	    {"setuid", "MULTIUSER"},
	    {"io_setup", "AIO"},
	    {"flock", "FILE_LOCKING"},
	    {"futex", "FUTEX"},
	    {"madvise", "ADVISE_SYSCALLS"},
	    {"timer_create", "POSIX_TIMERS"},
	    {"membarrier", "MEMBARRIER"},
	    {"AF_UNIX", "UNIX"},
	    {"AF_INET", "INET"},
	    {"AF_INET6", "IPV6"},
	    {"AF_PACKET", "PACKET"},
	    {"AF_NETLINK", "NET"},
	    {"AF_VSOCK", "VSOCKETS"},
	    {"pf_local", "UNIX"},
	    {"proc", "PROC_FS"},
	    {"sysfs", "SYSFS"},
	    {"ext4", "EXT4_FS"},
	    {"9p", "9P_FS"},
	    {"devtmpfs", "DEVTMPFS"},
	    {"mqueue", "POSIX_MQUEUE"},
	    {"hugetlbfs", "HUGETLBFS"},
	    {"tmpfs", "SHMEM"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *want = xasprintf("needs CONFIG_%s (", cases[i][1]);
		check_says(cases[i][0], NULL, NULL, want);
		free(want);
	}
	check_says("signalfd4", NULL, NULL, "signalfd4: needs CONFIG_SIGNALFD (fs/signalfd.c)\n");
	check_says("read", NULL, NULL, "read: always built (fs/read_write.c)");
	/* absent features that are not ENOSYS */
	check_says("AF_INET6", NULL, NULL, "EAFNOSUPPORT");
	check_says("ext4", NULL, NULL, "ENODEV");
	check_says("fcntl", NULL, NULL, "without CONFIG_FILE_LOCKING, fcntl F_SETLK");
	check_says("prctl", NULL, NULL, "without CONFIG_SECCOMP, prctl(PR_SET_SECCOMP) fails with EINVAL");
	check_says("clone", NULL, NULL, "without CONFIG_USER_NS, CLONE_NEWUSER fails with EINVAL");
	check_says("tmpfs", NULL, NULL, "not CONFIG_TMPFS, mounting tmpfs fails with EINVAL");
}

static void test_unknown_name(void)
{
	struct cmd_out o = explain("nosuchcall", NULL, NULL);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(
	    o.err, "lupine: unknown feature 'nosuchcall': not a system call, socket family or filesystem");
	CHECK(strchr(o.err, '\n') == strrchr(o.err, '\n'));
	CHECK_INT((long long)strlen(o.out), 0);
	cmd_out_free(&o);
}

static void put(const char *root, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", root, rel), *slash = strrchr(path, '/');
	*slash = 0;
	CHECK_INT(mkdir_p(path, 0755), 0);
	*slash = '/';
	CHECK_INT(file_write_atomic(path, text, strlen(text), 0644), 0);
	free(path);
}

/* A tree with one case of each rule: #ifdef, #else of #ifndef, a composite
 * object over a continued line, a directory's line in its parent, ifeq in a
 * Makefile, a .c file #included by another, aliases, and a family struct
 * that is never registered. */
static char *fake_tree(void)
{
	char *t = xasprintf("%s/linux", test_tmpdir());
	put(t, "Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\nEXTRAVERSION =\n");
	put(t, "Kconfig", "");
	put(t, "Kbuild",
	    "obj-y += kernel/\nobj-y += fs/\nobj-$(CONFIG_NET) += net/\nobj-y += arch/$(SRCARCH)/\n");
	put(t, "kernel/sys_ni.c",
	    "#define COND_SYSCALL(name) x\nCOND_SYSCALL(alpha);\nCOND_SYSCALL(beta);\n"
	    "COND_SYSCALL(gamma);\nCOND_SYSCALL(delta);\nCOND_SYSCALL(epsilon);\n"
	    "COND_SYSCALL(zeta);\nCOND_SYSCALL(ghost);\n");
	put(t, "kernel/Makefile", "obj-y = sys.o sched/\nobj-$(CONFIG_GROUPED) += grouped/\n");
	put(t, "kernel/sys.c",
	    "#ifdef CONFIG_ALPHA\nSYSCALL_DEFINE0(alpha)\n{\n}\n#endif\n#ifndef CONFIG_NOBETA\n"
	    "#else /* CONFIG_NOBETA */\nSYSCALL_DEFINE1(beta, int, x)\n#endif\nSYSCALL_DEFINE0(plain)\n");
	put(t, "kernel/grouped/Makefile", "obj-y += gamma.o\n");
	put(t, "kernel/grouped/gamma.c", "SYSCALL_DEFINE0(gamma)\n");
	put(t, "kernel/sched/Makefile", "obj-y += build.o\n");
	put(t, "kernel/sched/build.c", "#if IS_ENABLED(CONFIG_ZETA)\n#include \"zeta.c\"\n#endif\n");
	put(t, "kernel/sched/zeta.c", "SYSCALL_DEFINE0(zeta)\n");
	put(t, "fs/Makefile",
	    "obj-$(CONFIG_DELTA) += delta.o\ndelta-y := delta_main.o \\\n\tdelta_more.o\nobj-y += eps/\n");
	put(t, "fs/delta_more.c", "SYSCALL_DEFINE2(delta, int, a, int, b)\n");
	put(t, "fs/eps/Makefile",
	    "ifeq ($(CONFIG_EPS),y)\nobj-y += eps.o\nelse\nobj-y += eps_stub.o\nendif\n");
	put(t, "fs/eps/eps.c",
	    "SYSCALL_DEFINE0(epsilon)\nstatic struct file_system_type eps_fs = {\n\t.name = "
	    "\"epsfs\",\n};\n");
	put(t, "arch/x86/entry/syscalls/syscall_64.tbl",
	    "# nr abi name entry\n0\tcommon\tplain\tsys_plain\n"
	    "1\tcommon\talpha\tsys_alpha\n2\t64\tstat\tsys_plain\n");
	put(t, "arch/arm/kernel/ghost.c", "SYSCALL_DEFINE0(ghost)\n");
	put(t, "include/linux/socket.h",
	    "/* families */\n#define AF_UNSPEC 0\n#define AF_UNIX 1\n#define AF_LOCAL 1\n"
	    "#define AF_INET 2\n#define AF_ROUTE AF_INET\n#define AF_MAX 3\n");
	put(t, "net/Makefile", "obj-$(CONFIG_UNIX) += unix/\nobj-y += ipv4/\n");
	put(t, "net/unix/Makefile", "obj-y += af_unix.o\n");
	put(t, "net/unix/af_unix.c",
	    "static const struct net_proto_family unix_family_ops = {\n\t.family = PF_UNIX,\n"
	    "};\nint f(void) { return sock_register(&unix_family_ops); }\n");
	put(t, "net/ipv4/Makefile", "obj-y := af_inet.o decoy.o\n");
	put(t, "net/ipv4/af_inet.c",
	    "static struct net_proto_family inet_family_ops = {\n\t.family = PF_INET,\n};\n"
	    "\t(void)sock_register(&inet_family_ops);\n");
	put(t, "net/ipv4/decoy.c",
	    "static struct net_proto_family decoy_ops = {\n\t.family = PF_UNIX,\n};\n");
	return t;
}

static void test_generator_rules(void)
{
	static const char *const cases[][2] = {
	    {"alpha", "alpha: needs CONFIG_ALPHA (kernel/sys.c)\n"},
	    {"beta", "beta: needs CONFIG_NOBETA (kernel/sys.c)\n"},
	    {"gamma", "gamma: needs CONFIG_GROUPED (kernel/grouped/gamma.c)\n"},
	    {"delta", "delta: needs CONFIG_DELTA (fs/delta_more.c)\n"},
	    {"epsilon", "epsilon: needs CONFIG_EPS (fs/eps/eps.c)\n"},
	    {"zeta", "zeta: needs CONFIG_ZETA (kernel/sched/zeta.c)\n"},
	    {"ghost", "ghost: only a stub in this tree"},
	    {"plain", "plain: always built (kernel/sys.c)\n"},
	    {"stat", "stat: always built (kernel/sys.c)\n"},
	    {"epsfs", "epsfs: needs CONFIG_EPS (fs/eps/eps.c)\n"},
	    {"AF_UNIX", "AF_UNIX: needs CONFIG_UNIX (net/unix/af_unix.c)\n"},
	    {"AF_LOCAL", "AF_LOCAL: needs CONFIG_UNIX (net/unix/af_unix.c)\n"},
	    {"AF_INET", "AF_INET: needs CONFIG_NET (net/ipv4/af_inet.c)\n"},
	    {"AF_ROUTE", "AF_ROUTE: needs CONFIG_NET (net/ipv4/af_inet.c)\n"},
	};
	char *tree = fake_tree(), *cache = xasprintf("%s/cache", test_tmpdir());
	char *env_cache = xasprintf("LUPINE_CACHE=%s", cache), *env[] = {env_cache, NULL};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_says(cases[i][0], tree, env, cases[i][1]);
	free(env_cache);
	free(cache);
	free(tree);
}

static char *only_entry(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *found = NULL;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		free(found);
		found = xasprintf("%s/%s", dir, de->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

/* The table is made once per source and kept in the cache; a damaged one is made again. */
static void test_cached_table(void)
{
	char *tree = fake_tree(), *cache = xasprintf("%s/cache", test_tmpdir()),
	     *src = xasprintf("%s/src", cache);
	char *env_cache = xasprintf("LUPINE_CACHE=%s", cache), *env[] = {env_cache, NULL};

	struct cmd_out a = explain("alpha", tree, env);
	CHECK_INT(a.status, 0);
	CHECK_CONTAINS(a.err, "reading which options build which features");
	CHECK_INT(dir_count(src, ""), 1);
	struct cmd_out b = explain("alpha", tree, env);
	CHECK_INT(b.status, 0);
	CHECK_INT((long long)strlen(b.err), 0);
	CHECK(a.out && b.out && !strcmp(a.out, b.out));
	/* damage the table: it is read as missing and made again */
	char *name = only_entry(src);
	CHECK(name && str_ends(name, ".features"));
	CHECK_INT(file_write_atomic(name ? name : "/nonexistent/x", "garbage\n", 8, 0644), 0);
	struct cmd_out c = explain("alpha", tree, env);
	CHECK_INT(c.status, 0);
	CHECK_CONTAINS(c.err, "reading which options build which features");
	CHECK(a.out && c.out && !strcmp(a.out, c.out));
	cmd_out_free(&a);
	cmd_out_free(&b);
	cmd_out_free(&c);
	free(name);
	free(env_cache);
	free(src);
	free(cache);
	free(tree);
}

const struct test kfeature_tests[] = {
    {"kfeature/real-tree-examples", test_real_tree, 0},
    {"kfeature/unknown-name", test_unknown_name, 0},
    {"kfeature/generator-rules", test_generator_rules, 0},
    {"kfeature/cached-table", test_cached_table, 0},
    {0, 0, 0},
};
