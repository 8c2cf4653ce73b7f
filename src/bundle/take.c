/* take.c: `lupine snapshot`: boot a bundle with its RAM in a file, wait until it is ready, save it. */
#include "bundle/snapshot.h"
#include "vm/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FREEZE_LIMIT 30 /* seconds the init has to stop the application and drain its output */

/* The run's disk (its own copy, flushed by the save) becomes the snapshot's: a link where it can. */
static int keep_disk(const char *disk, const char *dst, struct strbuf *err)
{
	if (!disk) {
		sb_adds(err, "the VM has no disk of its own to keep");
		return -1;
	}
	if (link(disk, dst) == 0 || file_copy(disk, dst, 0600) == 0)
		return 0;
	sb_addf(err, "cannot keep the VM's disk as '%s': %s", dst, strerror(errno));
	return -1;
}

/* Zero blocks of a saved file become holes (util-linux's fallocate): the
 * run's disk copy was written whole, and pages the guest touched may be
 * zero again. What reads back is the same; what it takes on disk is less. */
static void dig_holes(const char *path)
{
	char *const argv[] = {"fallocate", "--dig-holes", (char *)path, NULL};
	struct proc_opts o = PROC_OPTS_INIT;

	o.out = o.err = open("/dev/null", O_WRONLY | O_CLOEXEC);
	proc_run(argv, &o);
	if (o.out >= 0)
		close(o.out);
}

static int qemu_img(char *const argv[])
{
	struct proc_opts o = PROC_OPTS_INIT;
	int st;

	o.out = o.err = open("/dev/null", O_WRONLY | O_CLOEXEC);
	st = proc_run(argv, &o);
	if (o.out >= 0)
		close(o.out);
	return st;
}

/* disk.ext4 becomes disk.qcow2: only what differs from the bundle's rootfs,
 * its backing file (an overlay on disk.ext4, rebased onto the rootfs:
 * qemu-img writes into it every cluster where the two differ). Where
 * qemu-img is missing or fails, disk.ext4 stays, whole. */
static void delta(struct snapshot *s, const char *rootfs)
{
	char *q = xasprintf("%s/disk.qcow2", s->dir);
	char *const create[] = {"qemu-img", "create", "-q", "-f", "qcow2", "-b", s->disk_path, "-F", "raw", q, NULL};
	char *const rebase[] = {"qemu-img", "rebase", "-q", "-b", (char *)rootfs, "-F", "raw", q, NULL};

	if (qemu_img(create) == 0 && qemu_img(rebase) == 0) {
		unlink(s->disk_path);
		free(s->disk_path);
		s->disk_path = q;
		s->disk_qcow2 = 1;
		return;
	}
	unlink(q);
	free(q);
}

/* The VM, frozen, saved with its disk; QEMU ends after. */
static int save(struct ready_run *run, struct snapshot *s, struct strbuf *err)
{
	struct strbuf ignored = {0};
	struct vm *vm;
	int ret = -1;

	if (ready_freeze(run, FREEZE_LIMIT) < 0 || !(vm = ready_vm(run))) {
		sb_adds(err, "the application could not be stopped for the snapshot (the VM ended, or its init did "
			     "not answer \"freeze\")");
		return -1;
	}
	if (vm_snapshot_save(vm, s->state, &s->qemu, err) == 0 && (!s->disk || keep_disk(ready_disk(run), s->disk_path, err) == 0))
		ret = 0;
	vm_quit(vm, &ignored);
	sb_release(&ignored);
	if (ret == 0) {
		dig_holes(s->ram);
		if (s->disk)
			dig_holes(s->disk_path);
	}
	return ret;
}

static int is_snapshot(const char *dir)
{
	char *json = xasprintf("%s/" SNAPSHOT_JSON, dir);
	int ok = is_dir(dir) && path_exists(json);

	free(json);
	return ok;
}

/* Boots, waits for ready, saves into s->dir. */
static int take(const struct snapshot_req *rq, struct snapshot *s, struct strbuf *err)
{
	struct readiness *r = rq->ready;
	struct ready_run *run;
	double t0 = now_sec();
	int ret = -1;

	r->mem_file = s->ram;
	run = ready_start(r, s->bundle, s->mem_mib);
	s->ready_s = ready_wait(r, run, t0, rq->limit);
	if (s->ready_s < 0)
		sb_addf(err, "the application was not ready within %.0f s%s%s%s", rq->limit,
			r->status >= 0 ? " (it ended)" : "", r->log ? "; see " : "", r->log ? r->log : "");
	else
		ret = save(run, s, err);
	ready_stop(run);
	r->mem_file = NULL;
	return ret;
}

int bundle_snapshot(const struct snapshot_req *rq, struct snapshot *info, struct strbuf *err)
{
	struct snapshot s = {0};
	struct bundle b;
	char *staging = xasprintf("%s.tmp-XXXXXX", rq->out);
	int ret = -1;

	bundle_init(&b);
	if (path_exists(rq->out) && !is_snapshot(rq->out)) {
		sb_addf(err, "'%s' exists and is not a snapshot; choose another -o or remove it", rq->out);
		goto out;
	}
	if (!(s.bundle = realpath(rq->bundle, NULL)) || bundle_load(s.bundle, &b, err) < 0) {
		if (!s.bundle)
			sb_addf(err, "cannot open the bundle '%s': %s", rq->bundle, strerror(errno));
		goto out;
	}
	if (!mkdtemp(staging) || !(s.dir = realpath(staging, NULL))) {
		sb_addf(err, "cannot create '%s': %s", staging, strerror(errno));
		goto out;
	}
	s.disk = !strcmp(b.rootfs_format, "ext4");
	s.net = b.net;
	s.mem_mib = rq->mem_mib ? rq->mem_mib : b.memory_mib;
	s.probe = rq->ready->probe ? xstrdup(rq->ready->probe) : NULL;
	s.port = rq->ready->port ? xstrdup(rq->ready->port) : NULL;
	snapshot_set_paths(&s);
	if (snapshot_identify(s.bundle, &b, &s, err) < 0 || take(rq, &s, err) < 0)
		goto out;
	if (s.disk) {
		char *rootfs = xasprintf("%s/%s", s.bundle, b.rootfs);
		delta(&s, rootfs);
		free(rootfs);
	}
	if (snapshot_write_json(s.dir, &s, err) < 0)
		goto out;
	/* at every instant one whole snapshot is at rq->out: swap the new one in, then drop the old */
	if (renameat2(AT_FDCWD, staging, AT_FDCWD, rq->out, path_exists(rq->out) ? RENAME_EXCHANGE : RENAME_NOREPLACE) < 0) {
		sb_addf(err, "cannot put the snapshot at '%s': %s", rq->out, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (s.dir)
		rm_rf(staging); /* the staging on failure; the old snapshot after a swap */
	if (ret == 0 && info)
		ret = snapshot_load(rq->out, info, err);
	snapshot_release(&s);
	bundle_release(&b);
	free(staging);
	return ret;
}
