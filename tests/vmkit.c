/* vmkit.c: helpers for tests that run applications in VMs in the background
 * (redis on a forwarded port, logs to wait on). */
#include "harness.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Starts `lupine run BUNDLE -p PORT:6379 -- ARGS` in the background, console to a log file. */
struct bg bg_lupine(char *const args[], char *const env[])
{
	static int seq;
	struct bg b = {0};
	char *argv[40] = {"lupine"};
	int k = 1;

	for (; args[k - 1] && k < 39; k++)
		argv[k] = args[k - 1];
	argv[k] = NULL;
	b.log = xasprintf("%s/bg-%d.log", test_tmpdir(), seq++);
	b.pid = fork();
	if (b.pid == 0) {
		int fd = open(b.log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		for (size_t i = 0; env && env[i]; i++)
			putenv(env[i]);
		execv(lupine_bin(), argv);
		_exit(127);
	}
	return b;
}

int wait_log(const struct bg *b, const char *text, double secs)
{
	double t0 = now_sec();

	while (now_sec() - t0 < secs) {
		char *log = file_read(b->log, NULL);
		int found = log && strstr(log, text);
		free(log);
		if (found)
			return 1;
		usleep(100000);
	}
	return 0;
}

struct bg run_redis_bg(const char *bundle, int port)
{
	char *pspec = xasprintf("%d:6379", port);
	char *const args[] = {"run", (char *)bundle, "-p", pspec, "--timeout", "300", "--", "--protected-mode", "no",
			      "--save", "", "--appendonly", "no", NULL};
	struct bg b = bg_lupine(args, NULL);

	free(pspec);
	return b;
}

char *redis_cli(int port, const char *a, const char *b, const char *c)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	char *const argv[] = {"redis-cli", "-p", p, (char *)a, (char *)b, (char *)c, NULL};
	struct cmd_out o = run_capture(argv, NULL);
	char *out = o.status == 0 ? xstrdup(o.out) : xstrdup("");
	cmd_out_free(&o);
	return out;
}

int wait_pong(int port, double secs)
{
	double t0 = now_sec();
	while (now_sec() - t0 < secs) {
		char *r = redis_cli(port, "PING", NULL, NULL);
		int ok = strstr(r, "PONG") != NULL;
		free(r);
		if (ok)
			return 1;
		usleep(300000);
	}
	return 0;
}

/* Waits for the background run to end; returns its status or -1 after secs. */
int wait_bg(struct bg *b, double secs)
{
	double t0 = now_sec();
	int st;
	while (now_sec() - t0 < secs) {
		if (waitpid(b->pid, &st, WNOHANG) == b->pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(100000);
	}
	kill(b->pid, SIGKILL);
	waitpid(b->pid, &st, 0);
	return -1;
}

void check_redis(int port, const char *key)
{
	char *r = redis_cli(port, "SET", key, "lupine-value");
	CHECK_CONTAINS(r, "OK");
	free(r);
	r = redis_cli(port, "GET", key, NULL);
	CHECK_CONTAINS(r, "lupine-value");
	free(r);
}
