/* restore.c: `lupine run --from SNAP`: a snapshot restored as a new VM, checked against its bundle. */
#include "bundle/snapshot.h"
#include "lib/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* What a run may not change in a restored VM: the snapshot has it already. */
static int refuse(const struct run_req *rq, struct strbuf *err)
{
	const struct launch_opts *o = &rq->lo;
	const char *what = o->terminal		      ? "-t"
			   : rq->cfg.forward_stdin    ? "-i"
			   : o->env && o->env->n      ? "-e"
			   : o->args && o->args->n    ? "arguments after --"
			   : o->mem_mib		      ? "-m"
			   : o->mounts && o->mounts->n ? "-v"
			   : o->ro || o->persist      ? "--ro and --persist"
			   : o->record		      ? "--record-features"
			   : o->ctl		      ? "--ctl"
			   : o->vmm && o->vmm != &vmm_qemu ? "--vmm"
			   : rq->net.mode == VM_NET_CONTAINER ? "--net container"
							 : NULL;

	if (!what)
		return 0;
	sb_addf(err, "%s cannot apply to a restored VM: its application, environment, memory, mounts and network are "
		     "the snapshot's (restores run on QEMU's user-mode network); take a snapshot with them instead",
		what);
	return -1;
}

/* The restore's own disk: a reflink of the snapshot's (FICLONE) where the
 * filesystem has them; else the snapshot's own file behind a QEMU overlay
 * (*overlay), which takes every write. Never a full copy: it would cost
 * more than the rest of the restore. */
static char *disk_for(const struct snapshot *s, const char *tmpdir, int *overlay)
{
	char *dst = xasprintf("%s/disk.ext4", tmpdir);
	int in = open(s->disk_path, O_RDONLY | O_CLOEXEC), out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int cloned = in >= 0 && out >= 0 && ioctl(out, FICLONE, in) == 0;

	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	*overlay = !cloned;
	if (cloned)
		return dst;
	unlink(dst);
	free(dst);
	return xstrdup(s->disk_path);
}

/* The VM as it was saved: same memory and devices, the snapshot's RAM and state. */
static int fill(struct run_req *rq, struct bundle_vm *bv, struct strbuf *err)
{
	const struct snapshot *s = bv->snap;
	struct vm_config *cfg = &rq->cfg;
	int fd = bundle_file_open(s->bundle, bv->b.kernel, err);

	if (fd < 0)
		return -1;
	bv->l.fds[bv->l.nfds++] = fd;
	bv->l.kernel = fd_path(fd);
	cfg->vmm = &vmm_qemu;
	cfg->kernel = bv->l.kernel;
	cfg->initrd = NULL;
	cfg->cmdline = bv->b.cmdline;
	cfg->mem_mib = s->mem_mib;
	cfg->net = s->net;
	cfg->stdio_ports = 1;
	cfg->warm = (struct vm_warm){.mem_path = s->ram, .incoming = s->state, .qemu = s->qemu,
				     .generation = s->generation + 1, .freeze = cfg->warm.freeze};
	if (s->disk) {
		/* a qcow2 delta is only read: its overlay takes the writes */
		cfg->warm.disk_overlay = s->disk_qcow2;
		cfg->warm.disk_qcow2 = s->disk_qcow2;
		bv->l.boot.disk = s->disk_qcow2 ? xstrdup(s->disk_path)
						: disk_for(s, rq->lo.tmpdir, &cfg->warm.disk_overlay);
		cfg->disk = bv->l.boot.disk;
	}
	return 0;
}

/* A tap or a bridge: the NIC's host side, and the guest's new MAC and
 * address (the init's "net", before the processes go on). */
static int net_for(struct run_req *rq, struct bundle_vm *bv, struct strbuf *err)
{
	struct vm_config *cfg = &rq->cfg;

	if (rq->net.mode == VM_NET_USER)
		return 0;
	if (!bv->snap->net) {
		sb_adds(err, "--net: the snapshot's VM has no network (its kernel has no CONFIG_VIRTIO_NET)");
		return -1;
	}
	if (cfg->nports) {
		sb_adds(err, "-p forwards ports through user-mode networking; with --net tap or bridge the guest is "
			     "reached at its own address instead");
		return -1;
	}
	/* the NIC was saved on user-mode networking, without virtio-net headers */
	if (vm_net_setup(&rq->net, VM_NET_PLAIN, &bv->net, err) < 0)
		return -1;
	cfg->tap_fd = bv->net.tap_fd;
	cfg->tap = bv->net.tap;
	cfg->mac = bv->net.mac;
	cfg->warm.ip = bv->net.ip;
	cfg->warm.gw = bv->net.gw;
	return 0;
}

int bundle_restore_start(struct run_req *rq, struct bundle_vm *bv, struct strbuf *err)
{
	memset(bv, 0, sizeof(*bv));
	bv->rq = rq;
	bv->snap = xcalloc(1, sizeof(*bv->snap));
	if (refuse(rq, err) < 0 || snapshot_load(rq->from, bv->snap, err) < 0)
		goto fail;
	rq->lo.vmm = &vmm_qemu;
	/* the snapshot's bundle, checked as a run's; rq->bundle stays the caller's */
	const char *caller = rq->bundle;
	rq->bundle = bv->snap->bundle;
	int checked = bundle_run_check(rq, &bv->b, err);
	rq->bundle = caller;
	if (checked < 0)
		goto fail;
	if (snapshot_matches(bv->snap, &bv->b, err) < 0)
		goto fail;
	if (!rq->lo.tmpdir) {
		guard_start(); /* whatever ends this run, its files go with it */
		if (!(bv->tmpdir = tmp_dir("run"))) {
			sb_addf(err, "cannot create a temporary directory: %s", strerror(errno));
			goto fail;
		}
		rq->lo.tmpdir = bv->tmpdir;
	}
	if (fill(rq, bv, err) < 0 || net_for(rq, bv, err) < 0 || vm_start(&rq->cfg, &bv->vm, err) < 0)
		goto fail;
	return 0;
fail:
	bundle_vm_release(bv);
	return -1;
}
