/* test_manifest.c: manifest/ in-process, on derivations built by hand: the
 * fragment kderive_render writes, --prune's candidates and orphans, and the
 * recorded-features file. No kernel tree, no VM. */
#include "harness.h"
#include "manifest/features.h"
#include "manifest/kderive.h"
#include "manifest/prune.h"
#include "lib/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Appends an option to d; why and needed_by are "|"-separated lists ("" for none). */
static void put(struct kderivation *d, const char *option, int dependency, const char *why,
		const char *needed_by)
{
	const char *lists[] = {why, needed_by};

	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	struct kderived *o = &d->v[d->n++];
	memset(o, 0, sizeof(*o));
	o->option = xstrdup(option);
	o->dependency = dependency;
	for (int l = 0; l < 2; l++) {
		char *copy = xstrdup(lists[l]);
		for (char *s = strtok(copy, "|"); s; s = strtok(NULL, "|"))
			strlist_add(l ? &o->needed_by : &o->why, s);
		free(copy);
	}
	d->cap = d->n;
}

/* Options asked for by the programs, then their dependencies, as `lupine manifest` derives them. */
static void example(struct kderivation *d)
{
	memset(d, 0, sizeof(*d));
	strlist_add(&d->absent, "get_mempolicy (CONFIG_NUMA)");
	put(d, "CONFIG_SIGNALFD", 0, "signalfd4() by postgres", "");
	put(d, "CONFIG_NET", 0, "mq_open() by x|AF_PACKET sockets by y", "CONFIG_IPV6|CONFIG_PACKET");
	put(d, "CONFIG_IPV6", 0, "AF_INET6 sockets by nginx", "");
	put(d, "CONFIG_INET", 1, "", "CONFIG_IPV6|CONFIG_NFS_FS");
	put(d, "CONFIG_PACKET", 0, "AF_PACKET sockets by y", "");
	put(d, "CONFIG_SHMEM", 1, "", "CONFIG_TMPFS");
}

/* d's options, space-separated, in order. */
static char *options(const struct kderivation *d)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < d->n; i++)
		sb_addf(&sb, "%s%s", i ? " " : "", d->v[i].option);
	return sb_detach(&sb);
}

static void check_list(const struct strlist *l, const char *want)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < l->n; i++)
		sb_addf(&sb, "%s%s", i ? " " : "", l->v[i]);
	if (strcmp(sb.buf ? sb.buf : "", want))
		check_fail(__FILE__, __LINE__, "got '%s', wanted '%s'", sb.buf ? sb.buf : "", want);
	sb_release(&sb);
}

/* The fragment's text, byte for byte as before "needed by" had a list of its own. */
static void test_render_text(void)
{
	static const char want[] =
		"# head\n"
		"#\n"
		"# not derived: get_mempolicy (CONFIG_NUMA), which the recording kernel left out too; the workload "
		"passed without it\n"
		"# signalfd4() by postgres\nCONFIG_SIGNALFD=y\n"
		"# mq_open() by x, AF_PACKET sockets by y, needed by CONFIG_IPV6, needed by CONFIG_PACKET\nCONFIG_NET=y\n"
		"# AF_INET6 sockets by nginx\nCONFIG_IPV6=y\n"
		"# AF_PACKET sockets by y\nCONFIG_PACKET=y\n"
		"# needed by CONFIG_IPV6, needed by CONFIG_NFS_FS\nCONFIG_INET=y\n"
		"# needed by CONFIG_TMPFS\nCONFIG_SHMEM=y\n";
	struct kderivation d;

	example(&d);
	char *text = kderive_render(&d, "# head\n", NULL);
	if (strcmp(text, want))
		check_fail(__FILE__, __LINE__, "rendered:\n%s\nwanted:\n%s", text, want);
	free(text);
	/* a --prune trial: one option left out, the rest as they were */
	text = kderive_render(&d, "", "CONFIG_IPV6");
	CHECK_NOT_CONTAINS(text, "CONFIG_IPV6=y");
	CHECK_CONTAINS(text, "#\n# not derived: get_mempolicy (CONFIG_NUMA)");
	CHECK_CONTAINS(text, "CONFIG_SIGNALFD=y\n# mq_open() by x");
	CHECK_CONTAINS(text, "# needed by CONFIG_IPV6, needed by CONFIG_NFS_FS\nCONFIG_INET=y\n");
	free(text);
	CHECK_INT(kderive_drop(&d, "CONFIG_NET"), 1);
	CHECK_INT(kderive_drop(&d, "CONFIG_NET"), 0);
	text = kderive_render(&d, NULL, NULL);
	CHECK_NOT_CONTAINS(text, "CONFIG_NET=y");
	CHECK_CONTAINS(text, "CONFIG_SIGNALFD=y\n# AF_INET6 sockets by nginx\nCONFIG_IPV6=y\n");
	free(text);
	kderivation_release(&d);
}

/* What the programs asked for is tried, in order; dependencies and the NIC never. */
static void test_prune_candidates(void)
{
	struct kderivation d;
	struct strlist cand = {0};

	example(&d);
	put(&d, "CONFIG_VIRTIO_NET", 0, "the VM's network interface, eth0 (virtio-net)", "");
	CHECK_INT(kderive_prunable(&d, &cand), 4);
	check_list(&cand, "CONFIG_SIGNALFD CONFIG_NET CONFIG_IPV6 CONFIG_PACKET");
	strlist_release(&cand);
	kderivation_release(&d);
	memset(&d, 0, sizeof(d));
	CHECK_INT(kderive_prunable(&d, &cand), 0);
	CHECK_INT(cand.n, 0);
}

/* A dependency goes once every option needing it was dropped; one a
 * feature uses stays whatever depends on it. */
static void test_drop_orphans(void)
{
	struct kderivation d;
	struct strlist dropped = {0};

	example(&d);
	CHECK_INT(kderive_drop_orphans(&d, &dropped), 0);
	strlist_add(&dropped, "CONFIG_IPV6");
	kderive_drop(&d, "CONFIG_IPV6");
	CHECK_INT(kderive_drop_orphans(&d, &dropped), 0); /* INET: NFS_FS still needs it */
	strlist_add(&dropped, "CONFIG_NFS_FS");
	strlist_add(&dropped, "CONFIG_PACKET");
	kderive_drop(&d, "CONFIG_PACKET");
	CHECK_INT(kderive_drop_orphans(&d, &dropped), 1);
	char *left = options(&d);
	if (strcmp(left, "CONFIG_SIGNALFD CONFIG_NET CONFIG_SHMEM"))
		check_fail(__FILE__, __LINE__, "left: %s", left);
	free(left);
	/* everything needing SHMEM gone: SHMEM too, and the fragment says nothing of it */
	strlist_add(&dropped, "CONFIG_TMPFS");
	CHECK_INT(kderive_drop_orphans(&d, &dropped), 1);
	char *text = kderive_render(&d, "", NULL);
	CHECK_NOT_CONTAINS(text, "SHMEM");
	CHECK_CONTAINS(text, "# mq_open() by x, AF_PACKET sockets by y, needed by CONFIG_IPV6, needed by "
			     "CONFIG_PACKET\nCONFIG_NET=y\n");
	free(text);
	strlist_release(&dropped);
	kderivation_release(&d);
}

/* What --record-features writes, lupine manifest reads back: the same notes, in order. */
static void test_features_file(void)
{
	static const char want[] = "used syscall #282 31 postgres\nused family #10 32 nginx: worker\n"
				   "missing syscall sys_signalfd4 31 postgres\n";
	struct strlist used = {0}, missing = {0}, u = {0}, m = {0};
	char *path = xasprintf("%s/features", test_tmpdir()), *bad = xasprintf("%s/no/features", test_tmpdir());

	strlist_add(&used, "syscall #282 31 postgres");
	strlist_add(&used, "family #10 32 nginx: worker");
	strlist_add(&missing, "syscall sys_signalfd4 31 postgres");
	CHECK_INT(features_write(path, &used, &missing), 0);
	char *text = file_read(path, NULL);
	CHECK(text && !strcmp(text, want));
	free(text);
	CHECK_INT(features_read(path, &u, &m), 0);
	check_list(&u, "syscall #282 31 postgres family #10 32 nginx: worker");
	check_list(&m, "syscall sys_signalfd4 31 postgres");
	strlist_release(&u);
	strlist_release(&m);
	/* blank and unknown lines are skipped; no notes is an empty file */
	const char *odd = "used a 1 x\n\nnoise\nmissing b 2 y\n";
	CHECK_INT(file_write_atomic(path, odd, strlen(odd), 0644), 0);
	CHECK_INT(features_read(path, &u, &m), 0);
	check_list(&u, "a 1 x");
	check_list(&m, "b 2 y");
	strlist_release(&u);
	strlist_release(&m);
	CHECK_INT(features_write(path, &u, &m), 0);
	text = file_read(path, NULL);
	CHECK(text && !*text);
	free(text);
	/* errors come back with errno, and nothing read */
	errno = 0;
	CHECK_INT(features_write(bad, &used, &missing), -1);
	CHECK_INT(errno, ENOENT);
	errno = 0;
	CHECK_INT(features_read(bad, &u, &m), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(u.n + m.n, 0);
	strlist_release(&used);
	strlist_release(&missing);
	free(path);
	free(bad);
}

const struct test manifest_tests[] = {
    {"manifest/render-text", test_render_text, 0},
    {"manifest/prune-candidates", test_prune_candidates, 0},
    {"manifest/drop-orphans", test_drop_orphans, 0},
    {"manifest/features-file", test_features_file, 0},
    {0, 0, 0},
};
