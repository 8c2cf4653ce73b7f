/* test_image.c: container images as sources: layer semantics, hostile images, images run in VMs. */
#include "harness.h"
#include "source/elfdeps.h"
#include "source/source.h"
#include "stage/stage.h"
#include "imagekit.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE "build/testguest/probe"
#define N(a) (sizeof(a) / sizeof((a)[0]))

static char *tpath(const char *name)
{
	return xasprintf("%s/%s", test_tmpdir(), name);
}

static char *read_in(const char *root, const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel), *t = file_read(p, NULL);
	free(p);
	return t;
}


static int exists_in(const char *root, const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	int r = path_exists(p);
	free(p);
	return r;
}

/* Lower layer: files, a dir, a symlink and a hard link; upper: deletes, replaces, hides. */
static void two_layers(const char **layers)
{
	const char *d = test_tmpdir();
	struct kit_entry lower[] = {
		{'d', "bin", 0, 0, 0, 0},           {'f', "bin/probe", 0, PROBE, 0755, 0},
		{'d', "etc", 0, 0, 0, 0},           {'f', "etc/a", "lower", 0, 0, 0},
		{'f', "etc/b", "to be deleted", 0, 0, 0}, {'d', "data", 0, 0, 0, 0},
		{'f', "data/x", "hidden by opaque", 0, 0, 0}, {'d', "data/sub", 0, 0, 0, 0},
		{'l', "etc/link", "a", 0, 0, 0},    {'h', "etc/hard", "etc/a", 0, 0, 0},
		{'f', "etc/passwd", "root:x:0:0::/:/bin/sh\napp:x:1000:1001::/:/bin/sh\n", 0, 0, 0},
		{'f', "etc/group", "root:x:0:\napp:x:1001:\nssl-cert:x:108:postgres,app\nother:x:5:root,apple\nbad:x:z:app\n", 0, 0, 0},
		{'d', "work", 0, 0, 0, 0},
	};
	struct kit_entry upper[] = {
		{'f', "etc/.wh.b", "", 0, 0, 0},    {'f', "etc/a", "upper", 0, 0, 0},
		{'f', "data/.wh..wh..opq", "", 0, 0, 0}, {'f', "data/y", "from upper", 0, 0, 0},
	};
	layers[0] = kit_layer(d, "lower.tar.gz", lower, N(lower), 1);
	layers[1] = kit_layer(d, "upper.tar", upper, N(upper), 0);
}

static void test_layers_apply(void)
{
	const char *layers[2];
	two_layers(layers);
	struct kit_image img = {layers, 2, "{\"Entrypoint\":[\"/bin/probe\"],\"Cmd\":[\"show\"]}", "v1", NULL};
	char *oci = tpath("oci"), *root = tpath("root"), *src = xasprintf("oci:%s:v1", oci);
	kit_oci(oci, &img);
	mkdir_p(root, 0755);
	struct source_info cfg;
	struct strbuf err = {0};
	CHECK_INT(kit_unpack(src, root, &cfg, &err), 0);
	if (err.len)
		check_fail(__FILE__, __LINE__, "%s", err.buf);
	char *a = read_in(root, "etc/a");
	CHECK(a && !strcmp(a, "upper"));
	CHECK(!exists_in(root, "etc/b"));           /* whiteout deleted it */
	CHECK(!exists_in(root, "data/x"));          /* opaque dir hid it */
	CHECK(exists_in(root, "data/y"));           /* but not the upper layer's own */
	CHECK(!exists_in(root, "data/sub"));
	char *hard = read_in(root, "etc/hard");
	CHECK(hard && !strcmp(hard, "lower"));      /* linked to the lower layer's etc/a */
	char *link = tpath("root/etc/link"), target[64] = "";
	CHECK(readlink(link, target, sizeof(target) - 1) == 1 && target[0] == 'a');
	CHECK_INT(cfg.entrypoint.n, 1);
	CHECK(cfg.cmd.n == 1 && !strcmp(cfg.cmd.v[0], "show"));
	CHECK_INT(cfg.layers.whiteouts, 2);
	struct source_user u = {0};
	CHECK_INT(kit_resolve_user(root, "app", &u, &err), 0);
	CHECK(u.uid == 1000 && u.gid == 1001);
	/* member of ssl-cert only: not of "other" (apple), nor of a line with a bad gid */
	CHECK(u.groups.n == 1 && !strcmp(u.groups.v[0], "108"));
	CHECK_INT(kit_resolve_user(root, "1000", &u, &err), 0);
	CHECK(u.uid == 1000 && u.gid == 1001); /* a number takes its group from /etc/passwd */
	CHECK(u.groups.n == 1 && !strcmp(u.groups.v[0], "108")); /* and its groups from its name */
	CHECK_INT(kit_resolve_user(root, "app:0", &u, &err), 0);
	CHECK(u.uid == 1000 && u.gid == 0 && u.groups.n == 1);
	CHECK_INT(kit_resolve_user(root, "root", &u, &err), 0);
	CHECK(u.uid == 0 && u.groups.n == 1 && !strcmp(u.groups.v[0], "5"));
	CHECK_INT(kit_resolve_user(root, "nobody-here", &u, &err), -1);
	strlist_release(&u.groups);
	source_info_release(&cfg);
	free((char *)layers[0]);
	free((char *)layers[1]);
	free(a);
	free(hard);
	free(link);
	free(oci);
	free(root);
	free(src);
	sb_release(&err);
}

/* Builds SRC into a bundle (extra args a/b may be NULL) and runs it with run_extra. */
static struct cmd_out build_and_run(const char *src, const char *a, const char *b, const char *r1, const char *r2)
{
	char *out = tpath("img.lupine");
	char *const bargs[] = {"build", (char *)src, "-q", "-o", out, (char *)a, (char *)b, NULL};
	struct cmd_out o = run_lupine(bargs);
	CHECK_INT(o.status, 0);
	if (o.status) {
		fprintf(stderr, "%s", o.err);
		free(out);
		return o;
	}
	cmd_out_free(&o);
	char *const rargs[] = {"run", out, "--timeout", "120", (char *)r1, (char *)r2, NULL};
	o = run_lupine(rargs);
	free(out);
	return o;
}

static char *image_with_config(int docker, const char *config)
{
	const char *layers[2];
	two_layers(layers);
	struct kit_image img = {layers, 2, config, docker ? "probe:v1" : "v1", NULL};
	char *path = tpath(docker ? "probe.tar" : "probe-oci");
	if (docker)
		kit_docker_archive(path, &img);
	else
		kit_oci(path, &img);
	char *src = xasprintf("%s:%s", docker ? "docker-archive" : "oci", path);
	free(path);
	free((char *)layers[0]);
	free((char *)layers[1]);
	return src;
}

static void check_image_config(int docker)
{
	char *src = image_with_config(docker, "{\"Entrypoint\":[\"/bin/probe\"],\"Cmd\":[\"show\",\"from image\"],"
					      "\"Env\":[\"FOO=from-image\",\"PATH=/bin\"],\"WorkingDir\":\"/work\","
					      "\"User\":\"app\"}");
	struct cmd_out o = build_and_run(src, NULL, NULL, NULL, NULL);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: argv[1]=<show>");
	CHECK_CONTAINS(o.out, "probe: argv[2]=<from image>");
	CHECK_CONTAINS(o.out, "probe: FOO=<from-image>");
	CHECK_CONTAINS(o.out, "probe: cwd=</work>");
	cmd_out_free(&o);
	/* the image's user by name, and Cmd replaced after -- */
	o = build_and_run(src, NULL, NULL, "--", "id");
	CHECK_INT(o.status, 0);
	/* with the supplementary group that /etc/group lists it in */
	CHECK_CONTAINS(o.out, "probe: uid=1000 gid=1001 groups=108\n");
	cmd_out_free(&o);
	free(src);
}

static void test_oci_config(void)
{
	check_image_config(0);
}

static void test_docker_archive_config(void)
{
	check_image_config(1);
}

/* ext4 root: a run writes to a copy; --persist writes to the bundle's disk. */
static void test_ext4_persist(void)
{
	char *src = image_with_config(0, "{\"Entrypoint\":[\"/bin/probe\"]}");
	char *out = tpath("disk.lupine");
	char *const bargs[] = {"build", src, "-q", "-o", out, "--rootfs", "ext4", NULL};
	struct cmd_out o = run_lupine(bargs);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	char *disk = xasprintf("%s/rootfs.ext4", out);
	CHECK(path_exists(disk));
	char *before = kit_digest(disk);
	char *const w[] = {"run", out, "--timeout", "120", "--", "write", "/work/note", "kept", NULL};
	o = run_lupine(w);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	char *after = kit_digest(disk);
	CHECK(!strcmp(before, after)); /* a plain run never alters the bundle */
	char *const c[] = {"run", out, "--timeout", "120", "--", "cat", "/work/note", NULL};
	o = run_lupine(c);
	CHECK_INT(o.status, 1); /* the note went to a copy */
	if (o.status != 1)
		fprintf(stderr, "[%.2fs] out=%s\nerr=%s\n", o.secs, o.out, o.err);
	cmd_out_free(&o);
	char *const wp[] = {"run", out, "--persist", "--timeout", "120", "--", "write", "/work/note", "kept", NULL};
	o = run_lupine(wp);
	CHECK_INT(o.status, 0);
	cmd_out_free(&o);
	o = run_lupine(c);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "probe: /work/note=<kept>");
	cmd_out_free(&o);
	char *const ro[] = {"run", out, "--ro", "--timeout", "120", "--", "write", "/work/other", "x", NULL};
	o = run_lupine(ro);
	CHECK_INT(o.status, 1);
	CHECK_CONTAINS(o.err, "Read-only file system"); /* perror: the application's stderr */
	cmd_out_free(&o);
	free(before);
	free(after);
	free(disk);
	free(out);
	free(src);
}

/* Debian's redis-server and its libraries arranged as an image, run from an ext4 disk. */
static void test_redis_image_ext4(void)
{
	char *tree = tpath("redis-tree"), *oci = tpath("redis-oci");
	struct elfdeps deps;
	struct strbuf err = {0};
	struct stage st;
	mkdir_p(tree, 0755);
	CHECK_INT(stage_open(&st, tree, &err), 0);
	CHECK_INT(elfdeps_resolve("/usr/bin/redis-server", "", &deps, &err), 0);
	for (size_t i = 0; i < deps.n; i++)
		CHECK_INT(stage_host_path(&st, deps.paths[i], &err), 0);
	elfdeps_release(&deps);
	stage_close(&st);
	const char *layer = kit_layer_tree(test_tmpdir(), "redis.tar.gz", tree);
	struct kit_image img = {&layer, 1,
				"{\"Entrypoint\":[\"redis-server\"],\"Cmd\":[\"--port\",\"6379\"],"
				"\"ExposedPorts\":{\"6379/tcp\":{}},\"Env\":[\"PATH=/usr/bin:/bin\"]}",
				"7", NULL};
	kit_oci(oci, &img);
	char *src = xasprintf("oci:%s:7", oci), *out = tpath("redis-img.lupine");
	char *const args[] = {"build", src, "-q", "-o", out, "--rootfs", "ext4", "--app", "redis", NULL};
	struct cmd_out o = run_lupine(args);
	CHECK_INT(o.status, 0);
	CHECK_CONTAINS(o.out, "6379/tcp exposed");
	CHECK_CONTAINS(o.out, "ext4");
	if (o.status)
		fprintf(stderr, "%s", o.err);
	cmd_out_free(&o);
	int port = free_port();
	struct bg bg = run_redis_bg(out, port);
	CHECK(wait_pong(port, 120));
	check_redis(port, "from-image");
	free(redis_cli(port, "SHUTDOWN", "NOSAVE", NULL));
	CHECK_INT(wait_bg(&bg, 60), 0);
	free(bg.log);
	free((char *)layer);
	free(src);
	free(out);
	free(tree);
	free(oci);
	sb_release(&err);
}

/* The image's owners survive into the guest: a non-root user writes to its own directory. */
static void test_ownership(void)
{
	struct kit_entry e[] = {
		{'d', "bin", 0, 0, 0, 0}, {'f', "bin/probe", 0, PROBE, 0755, 0},
		{'d', "etc", 0, 0, 0, 0}, {'f', "etc/passwd", "root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n", 0, 0, 0},
		{'d', "data", 0, 0, 0700, 1000},
	};
	const char *layer = kit_layer(test_tmpdir(), "own.tar.gz", e, N(e), 1);
	struct kit_image img = {&layer, 1, "{\"Entrypoint\":[\"/bin/probe\"],\"Cmd\":[\"write\",\"/data/x\",\"ok\"],\"User\":\"app\"}", NULL, NULL};
	char *dir = tpath("own"), *src = xasprintf("oci:%s", dir);
	kit_oci(dir, &img);
	const char *formats[] = {"initramfs", "ext4"};
	for (int i = 0; i < 2; i++) {
		struct cmd_out o = build_and_run(src, "--rootfs", formats[i], NULL, NULL);
		if (o.status != 0)
			check_fail(__FILE__, __LINE__, "%s: status %d: %s", formats[i], o.status, o.out);
		cmd_out_free(&o);
	}
	free(dir);
	free(src);
	free((char *)layer);
}

/* Host paths longer than the walk's buffers, as given or once a link is
 * spliced in: an error naming the path, never a path cut short (which staged
 * a part of it and said it was done). */
static void test_stage_long_paths(void)
{
	char *tree = tpath("long-tree"), *link = tpath("long-link");
	struct strbuf err = {0}, given = {0}, target = {0}, through = {0};
	struct stage st;

	mkdir_p(tree, 0755);
	CHECK_INT(stage_open(&st, tree, &err), 0);
	for (int i = 0; i < 4500; i++)
		sb_adds(&given, "/.");
	sb_adds(&given, "/etc/hostname");
	CHECK_INT(stage_host_path(&st, given.buf, &err), -1);
	CHECK_CONTAINS(err.buf, "File name too long");
	CHECK_CONTAINS(err.buf, "/./etc/hostname'");
	sb_release(&err);
	/* a link whose target (4 KB) and the rest after it (5 KB) make 9 KB */
	sb_adds(&target, "/");
	for (int i = 0; i < 2000; i++)
		sb_adds(&target, "./");
	CHECK_INT(symlink(target.buf, link), 0);
	sb_adds(&through, link);
	for (int i = 0; i < 2500; i++)
		sb_adds(&through, "/.");
	sb_adds(&through, "/etc/hostname");
	CHECK_INT(stage_host_path(&st, through.buf, &err), -1);
	CHECK_CONTAINS(err.buf, "File name too long");
	CHECK_CONTAINS(err.buf, link);
	CHECK(!stage_exists(&st, "/etc/hostname"));
	stage_close(&st);
	sb_release(&err);
	sb_release(&given);
	sb_release(&target);
	sb_release(&through);
	free(link);
	free(tree);
}

const struct test image_tests[] = {
	{"image/stage-long-paths", test_stage_long_paths, 0},
	{"image/owners-kept", test_ownership, 1},
	{"image/layers-whiteouts-opaque", test_layers_apply, 0},
	{"image/oci-config-reaches-app", test_oci_config, 1},
	{"image/docker-archive-config", test_docker_archive_config, 1},
	{"image/ext4-copy-persist-ro", test_ext4_persist, 1},
	{"image/redis-from-image-ext4", test_redis_image_ext4, 1},
	{0, 0, 0},
};
