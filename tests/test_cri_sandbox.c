/* test_cri_sandbox.c: lupine-runc and a pod's sandbox without containerd:
 * the config.json the CRI gives the pause container (the sandbox annotation,
 * the pod's network namespace by path, the shm bind mount, a program the
 * image lacks) makes a native holder, not a VM; create, state, start, kill
 * and delete work on it as on any container. The test stands in for the
 * shim: a child subreaper that reaps the holder. */
#include "harness.h"
#include "lib/util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct sb {
	char *root, *bundle, *pidfile, *netns, *bin;
};

static struct cmd_out sb_runc(struct sb *s, const char *cmd, const char *a1, const char *a2)
{
	char *argv[] = {s->bin, "--root", s->root, (char *)cmd, (char *)a1, (char *)a2, NULL};
	return run_capture(argv, NULL);
}

static void sb_make(struct sb *s)
{
	s->bin = xasprintf("%s-runc", lupine_bin());
	s->root = xasprintf("%s/sb-root", test_tmpdir());
	s->bundle = xasprintf("%s/sb-bundle", test_tmpdir());
	s->pidfile = xasprintf("%s/init.pid", s->bundle);
	s->netns = xasprintf("lupine-sb%d", (int)getpid());
	char *shm = xasprintf("%s/shm", s->bundle), *cfg = xasprintf("%s/config.json", s->bundle);
	CHECK_INT(mkdir_p(shm, 0755), 0);
	/* as containerd's CRI writes it for the pause container (trimmed) */
	char *text = xasprintf(
		"{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"args\":[\"/pause\"],\"cwd\":\"/\",\"user\":{\"uid\":65535,"
		"\"gid\":65535},\"oomScoreAdj\":-998},\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
		"\"mounts\":[{\"destination\":\"/dev/shm\",\"type\":\"bind\",\"source\":\"%s\",\"options\":[\"rbind\","
		"\"ro\"]}],\"annotations\":{\"io.kubernetes.cri.container-type\":\"sandbox\","
		"\"io.kubernetes.cri.sandbox-id\":\"sb\"},\"linux\":{\"resources\":{\"cpu\":{\"shares\":2}},"
		"\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/%s\"}]}}",
		shm, s->netns);
	CHECK_INT(file_write_atomic(cfg, text, strlen(text), 0644), 0);
	char *add = xasprintf("ip netns add %s", s->netns);
	CHECK_INT(system(add), 0);
	free(add), free(text), free(cfg), free(shm);
}

/* create with stdio the holder keeps on /dev/null; the holder's pid. */
static pid_t sb_create(struct sb *s)
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0), dup2(null, 1), dup2(null, 2);
		char *argv[] = {s->bin, "--root", s->root, "create", "--bundle", s->bundle, "--pid-file", s->pidfile,
				"sb", NULL};
		execv(s->bin, argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char *num = file_read(s->pidfile, NULL);
	pid_t holder = num ? atoi(num) : 0;
	free(num);
	return holder;
}

static void state_has(struct sb *s, const char *want)
{
	struct cmd_out o = sb_runc(s, "state", "sb", NULL);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, want);
	cmd_out_free(&o);
}

/* 1 when pid's network namespace is the one at /run/netns/NAME. */
static int in_netns(pid_t pid, const char *name)
{
	char *a = xasprintf("/proc/%d/ns/net", (int)pid), *b = xasprintf("/run/netns/%s", name);
	struct stat sa, sb;
	int same = stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
	free(a), free(b);
	return same;
}

static void test_holder(void)
{
	struct sb s = {0};
	int st = -1;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	sb_make(&s);
	pid_t holder = sb_create(&s);
	CHECK(holder > 0);
	state_has(&s, "\"status\": \"created\"");
	CHECK(in_netns(holder, s.netns));
	struct cmd_out o = sb_runc(&s, "start", "sb", NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	state_has(&s, "\"status\": \"running\"");
	char *vm = xasprintf("%s/sb/vm", s.root);
	CHECK(!path_exists(vm));
	/* nothing to exec in: the holder is no VM */
	o = sb_runc(&s, "exec", "sb", "/pause");
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "is a pod's sandbox, held natively");
	cmd_out_free(&o);
	/* SIGTERM ends it with 0, as pause answers it */
	o = sb_runc(&s, "kill", "sb", "15");
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	for (int i = 0; i < 50 && holder > 0 && waitpid(holder, &st, WNOHANG) != holder; i++)
		usleep(100000);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (holder > 0 && st == -1) { /* still there: ours to end */
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
	}
	state_has(&s, "\"status\": \"stopped\"");
	o = sb_runc(&s, "delete", "sb", NULL);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	CHECK_INT(dir_count(s.root, "sb"), 0);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	char *del = xasprintf("ip netns del %s", s.netns);
	CHECK_INT(system(del), 0);
	free(del), free(vm);
	free(s.root), free(s.bundle), free(s.pidfile), free(s.netns), free(s.bin);
}

const struct test cri_sandbox_tests[] = {
	{"cri/sandbox-holder", test_holder, 0},
	{0, 0, 0},
};
