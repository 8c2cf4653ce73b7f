/* test_registry.c: docker://REF sources pulled from a real registry (Debian's
 * docker-registry, started here on loopback) with skopeo, by the digest inspected;
 * which hosts get plain HTTP. */
#include "harness.h"
#include "imagekit.h"
#include "lib/util.h"
#include "source/source.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE "build/testguest/probe"

/* docker-registry serving from a fresh directory on 127.0.0.1:port; its pid, or -1. */
static pid_t registry_start(int port)
{
	char *conf = xasprintf("%s/registry.yml", test_tmpdir());
	char *text = xasprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
			       "    rootdirectory: %s/registry\nhttp:\n  addr: 127.0.0.1:%d\n",
			       test_tmpdir(), port);
	char *ping = xasprintf("curl -sf -o /dev/null http://127.0.0.1:%d/v2/", port);
	pid_t pid;

	file_write_atomic(conf, text, strlen(text), 0644);
	if ((pid = fork()) == 0) {
		char *log = xasprintf("%s/registry.log", test_tmpdir()); /* its access log */
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		proc_close_inherited();
		execlp("docker-registry", "docker-registry", "serve", conf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && system(ping) != 0; i++)
		usleep(100000);
	if (system(ping) != 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	free(ping);
	free(text);
	free(conf);
	return pid;
}

/* Pushes an OCI layout (a probe image whose Cmd is "show WORD") as ref; skopeo's status. */
static int push_probe(const char *name, const char *word, const char *ref)
{
	char *dir = xasprintf("%s/%s", test_tmpdir(), name), *lname = xasprintf("%s.tar.gz", name);
	struct kit_entry e[] = {{'d', "bin", 0, 0, 0, 0}, {'f', "bin/probe", 0, PROBE, 0755, 0}};
	const char *layer = kit_layer(test_tmpdir(), lname, e, 2, 1);
	char *config = xasprintf("{\"Entrypoint\":[\"/bin/probe\"],\"Cmd\":[\"show\",\"%s\"]}", word);
	struct kit_image img = {&layer, 1, config, "v1", NULL};
	char *src = xasprintf("oci:%s:v1", dir), *dst = xasprintf("docker://%s", ref);
	char *argv[] = {"skopeo", "copy", "--quiet", "--dest-tls-verify=false", src, dst, NULL};

	kit_oci(dir, &img);
	int st = run_cmd(argv, -1);
	free(dst);
	free(src);
	free(config);
	free((char *)layer);
	free(lname);
	free(dir);
	return st;
}

/* lupine build REF (with progress) then run; the build's stderr is kept in *berr. */
static struct cmd_out build_run(const char *ref, char **berr)
{
	char *src = xasprintf("docker://%s", ref), *out = xasprintf("%s/pulled.lupine", test_tmpdir());
	char *const bargs[] = {"build", src, "-o", out, NULL};
	struct cmd_out o = run_lupine(bargs);

	*berr = xstrdup(o.err ? o.err : "");
	if (o.status == 0) {
		cmd_out_free(&o);
		char *const rargs[] = {"run", out, "--timeout", "120", NULL};
		o = run_lupine(rargs);
	}
	free(out);
	free(src);
	return o;
}

/* Whether the registry's access log shows a GET of repo's manifest by the digest the
 * tag ref has now (skopeo inspect's word for it), not by the tag: the copy asked for
 * exactly what lupine had inspected, so a tag moved in between cannot slip in. */
static int pulled_by_digest(const char *ref, const char *repo)
{
	char *src = xasprintf("docker://%s", ref), *log = xasprintf("%s/registry.log", test_tmpdir());
	char *const argv[] = {"skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", src, NULL};
	struct cmd_out o = run_capture(argv, NULL);
	char *text = file_read(log, NULL), *get = NULL;
	int yes = 0;

	if (o.status == 0 && o.out && text) {
		get = xasprintf("\"GET /v2/%s/manifests/%s HTTP/", repo, str_trim(o.out));
		yes = strstr(text, get) != NULL;
	}
	if (!yes)
		fprintf(stderr, "    no %s in the registry's log %s\n", get ? get : "digest", o.status ? o.err : "");
	cmd_out_free(&o);
	free(get);
	free(text);
	free(log);
	free(src);
	return yes;
}

/* A name the registry does not have: skopeo's reason, nothing written. */
static void check_missing(int port)
{
	char *missing = xasprintf("docker://127.0.0.1:%d/lupine/nosuch:v1", port);
	char *out = xasprintf("%s/missing.lupine", test_tmpdir());
	char *const args[] = {"build", missing, "-q", "-o", out, NULL};
	struct cmd_out o = run_lupine(args);

	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "cannot find docker://127.0.0.1:");
	CHECK_CONTAINS(o.err, "nosuch");
	CHECK(!path_exists(out));
	cmd_out_free(&o);
	free(out);
	free(missing);
}

static void test_registry_pull(void)
{
	int port = free_port();
	pid_t reg = registry_start(port);
	char *ref = xasprintf("127.0.0.1:%d/lupine/probe:v1", port), *pull = xasprintf("pull %s", ref), *berr;

	CHECK(reg > 0);
	if (reg <= 0)
		goto out;
	CHECK_INT(push_probe("reg-a", "first", ref), 0);
	struct cmd_out o = build_run(ref, &berr);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: argv[2]=<first>");
	CHECK_CONTAINS(berr, pull); /* progress on the pull */
	CHECK(pulled_by_digest(ref, "lupine/probe"));
	cmd_out_free(&o);
	free(berr);
	/* the same tag, unchanged: served from the cache, no pull */
	o = build_run(ref, &berr);
	CHECK_INT(o.status, 0);
	CHECK(!strstr(berr, pull));
	cmd_out_free(&o);
	free(berr);
	/* the tag moved: pulled again, and the new image runs */
	CHECK_INT(push_probe("reg-b", "second", ref), 0);
	o = build_run(ref, &berr);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: argv[2]=<second>");
	CHECK_CONTAINS(berr, pull);
	CHECK(pulled_by_digest(ref, "lupine/probe"));
	cmd_out_free(&o);
	free(berr);
	check_missing(port);
	kill(reg, SIGTERM);
	waitpid(reg, NULL, 0);
out:
	free(pull);
	free(ref);
}

/* A reference that is not one is refused before anything runs. */
static void test_registry_bad_ref(void)
{
	char *out = xasprintf("%s/badref.lupine", test_tmpdir());
	char *const args[] = {"build", "docker://Bad Ref!", "-q", "-o", out, NULL};
	struct cmd_out o = run_lupine(args);

	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "is not an image reference");
	CHECK(!path_exists(out));
	cmd_out_free(&o);
	free(out);
}

/* Plain HTTP for this machine's registries only: the host exactly, not a name that starts like it. */
static void test_registry_loopback(void)
{
	static const char *const plain[] = {"127.0.0.1/x", "127.0.0.1:5000/lupine/probe:v1", "localhost/x",
					    "localhost:5000/x@sha256:00", "[::1]/x", "[::1]:5000/x"};
	static const char *const tls[] = {"localhost.evil.com/x", "localhost.evil.com:5000/x", "127.0.0.1.evil.com/x",
					  "127.evil.com/x", "127.0.0.2/x", "localhostx/x", "[::1].evil.com/x",
					  "[::1]x/x", "localhost:/x", "localhost:5000x/x", "localhost:123456/x",
					  "localhost:5000", "debian:12", "evil.com/localhost/x", "x/127.0.0.1:5000/y"};

	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		if (!registry_loopback(plain[i]))
			check_fail(__FILE__, __LINE__, "'%s' not taken for this machine", plain[i]);
	for (size_t i = 0; i < ARRAY_SIZE(tls); i++)
		if (registry_loopback(tls[i]))
			check_fail(__FILE__, __LINE__, "'%s' would be pulled without TLS", tls[i]);
}

/* The copy's reference: the inspected manifest's digest in place of the tag or digest. */
static void test_registry_pin(void)
{
	static const char *const cases[][2] = {
		{"127.0.0.1:5000/lupine/probe:v1", "127.0.0.1:5000/lupine/probe"},
		{"localhost:5000/x", "localhost:5000/x"},
		{"[::1]:5000/x/y:latest", "[::1]:5000/x/y"},
		{"debian:12", "debian"},
		{"debian", "debian"},
		{"x/y@sha256:00", "x/y"},
		{"x/y:v1@sha256:00", "x/y"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = registry_pin(cases[i][0], "sha256:ab"), *want = xasprintf("%s@sha256:ab", cases[i][1]);
		if (strcmp(got, want))
			check_fail(__FILE__, __LINE__, "'%s' pinned as '%s', expected '%s'", cases[i][0], got, want);
		free(want);
		free(got);
	}
}

const struct test registry_tests[] = {
	{"registry/pin-ref", test_registry_pin, 0},
	{"registry/loopback-hosts", test_registry_loopback, 0},
	{"registry/bad-ref", test_registry_bad_ref, 0},
	{"registry/pull-cache-retag", test_registry_pull, 1},
	{0, 0, 0},
};
