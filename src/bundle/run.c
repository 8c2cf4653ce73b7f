/* run.c: a bundle as a running VM: checks, launch, the VM, and its exit status. */
#include "bundle/run.h"
#include "bundle/snapshot.h"
#include "lib/guard.h"
#include "lib/term.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct vmm_ops *vmm_of(const struct run_req *rq)
{
	return rq->lo.vmm ? rq->lo.vmm : &vmm_qemu;
}

/* The checks that need no VMM and make no file: the ports against the kernel. */
static int check_ports(const struct run_req *rq, const struct bundle *b, struct strbuf *err)
{
	const struct vmm_ops *vmm = vmm_of(rq);

	if (rq->cfg.nports && !b->net) {
		sb_addf(err, "-p: this bundle's kernel has no network (CONFIG_VIRTIO_NET); build it with an app "
			     "manifest that has one, e.g. --app redis");
		return -1;
	}
	if (rq->lo.terminal && !vmm->stdio_ports) {
		sb_addf(err, "-t: %s gives the application no stdio ports of its own, so no terminal; "
			     "run it on QEMU", vmm->name);
		return -1;
	}
	if (rq->net.mode == VM_NET_TAP || rq->net.mode == VM_NET_BRIDGE) {
		if (!b->net) {
			sb_adds(err, "--net: this bundle's kernel has no network (CONFIG_VIRTIO_NET); build it with an "
				     "app manifest that has one, e.g. --app redis");
			return -1;
		}
		if (rq->cfg.nports) {
			sb_adds(err, "-p forwards ports through user-mode networking; with --net tap or bridge the "
				     "guest is reached at its own address instead");
			return -1;
		}
	}
	if (rq->cfg.nports && vmm != &vmm_qemu && rq->net.mode == VM_NET_USER)
		note("firecracker: lupine does not forward ports; route them to %s on tap '%s' yourself",
		     vmm->guest_ip, rq->cfg.tap ? rq->cfg.tap : "lupine0");
	return 0;
}

int bundle_run_check(const struct run_req *rq, struct bundle *b, struct strbuf *err)
{
	const struct vmm_ops *vmm = vmm_of(rq);

	if (bundle_load(rq->bundle, b, err) < 0)
		return -1;
	if (vmm_check(vmm, rq->cfg.accel, err) < 0)
		goto fail;
	for (size_t i = 0; vmm == &vmm_qemu && i < rq->cfg.nports; i++)
		if (vm_port_check_free(&rq->cfg.ports[i], err) < 0)
			goto fail;
	if (check_ports(rq, b, err) < 0)
		goto fail;
	return 0;
fail:
	bundle_release(b);
	return -1;
}

/* The NIC's host side (vm/net.h), in this process's network namespace. */
static int net_up(struct run_req *rq, struct bundle_vm *bv, struct strbuf *err)
{
	unsigned flags = (rq->lo.vmm != &vmm_qemu ? VM_NET_BY_NAME : 0) | (rq->lo.describe ? VM_NET_DRY : 0);

	if (vm_net_setup(&rq->net, flags, &bv->net, err) < 0)
		return -1;
	rq->lo.net = &bv->net;
	if (bv->net.mode == VM_NET_CONTAINER && rq->cfg.nports)
		note("the VM has the container's own address %s on '%s'; the ports asked for are not forwarded",
		     bv->net.ip, bv->net.iface ? bv->net.iface : bv->net.tap);
	return 0;
}

/* The run's files in their private directory, and cfg filled from the bundle. */
static int launch(struct run_req *rq, struct bundle_vm *bv, struct strbuf *err)
{
	if (!rq->lo.vmm)
		rq->lo.vmm = &vmm_qemu;
	if (!rq->lo.tmpdir) {
		/* whatever ends this run, kill -9 included, its files go with it */
		guard_start();
		if (!(bv->tmpdir = tmp_dir("run"))) {
			sb_addf(err, "cannot create a temporary directory: %s", strerror(errno));
			return -1;
		}
		rq->lo.tmpdir = bv->tmpdir;
	}
	if (bv->b.net && net_up(rq, bv, err) < 0)
		return -1;
	/* the pty starts at the size of ours (a resize after this comes as SIGWINCH) */
	if (rq->lo.terminal && term_size(STDIN_FILENO, &rq->lo.rows, &rq->lo.cols) < 0 &&
	    term_size(STDOUT_FILENO, &rq->lo.rows, &rq->lo.cols) < 0) {
		rq->lo.rows = 24;
		rq->lo.cols = 80;
	}
	return bundle_launch(rq->bundle, &bv->b, &rq->lo, &rq->cfg, &bv->l, err);
}

void bundle_vm_release(struct bundle_vm *bv)
{
	launch_release(&bv->l);
	vm_net_release(&bv->net);
	bv->rq->lo.net = NULL;
	bundle_release(&bv->b);
	if (bv->snap) {
		snapshot_release(bv->snap);
		free(bv->snap);
	}
	if (bv->tmpdir) {
		rm_rf(bv->tmpdir);
		free(bv->tmpdir);
		bv->rq->lo.tmpdir = NULL;
	}
	memset(bv, 0, sizeof(*bv));
}

int bundle_vm_start(struct run_req *rq, struct bundle_vm *bv, struct strbuf *err)
{
	if (rq->from)
		return bundle_restore_start(rq, bv, err);
	memset(bv, 0, sizeof(*bv));
	bv->rq = rq;
	if (bundle_run_check(rq, &bv->b, err) < 0)
		return -1;
	if (launch(rq, bv, err) < 0 || vm_start(&rq->cfg, &bv->vm, err) < 0) {
		bundle_vm_release(bv);
		return -1;
	}
	return 0;
}

int bundle_vm_wait(struct bundle_vm *bv, struct vm_result *res, struct strbuf *err)
{
	int ret = vm_wait(bv->vm, res, err);

	bundle_vm_release(bv);
	return ret;
}

int bundle_run(struct run_req *rq, struct vm_result *res, struct strbuf *err)
{
	struct bundle_vm bv;
	int ret = -1;

	/* the application's terminal is in the guest: ours only carries bytes */
	if (rq->lo.terminal && term_raw(STDIN_FILENO) < 0) {
		sb_addf(err, "cannot put the terminal in raw mode: %s", strerror(errno));
		return -1;
	}
	if (bundle_vm_start(rq, &bv, err) == 0)
		ret = bundle_vm_wait(&bv, res, err);
	term_restore();
	return ret;
}

int bundle_run_describe(struct run_req *rq, struct strbuf *out, struct strbuf *err)
{
	struct bundle_vm bv = {.rq = rq};
	int ret = -1;

	if (bundle_load(rq->bundle, &bv.b, err) < 0)
		return -1;
	rq->lo.describe = 1;
	if (check_ports(rq, &bv.b, err) == 0 && launch(rq, &bv, err) == 0)
		ret = vmm_describe(&rq->cfg, out, err);
	bundle_vm_release(&bv);
	return ret;
}

static volatile sig_atomic_t stop_signal, forward_signal, resized;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* With a terminal, SIGWINCH says ours changed size: the guest's pty follows. */
static void on_resize(int sig)
{
	(void)sig;
	resized = 1;
}

/* Signals that mean something to the application, not to lupine: passed on. */
static void on_forward(int sig)
{
	forward_signal = sig;
}

void run_signals_install(struct vm_config *cfg)
{
	static const int stops[] = {SIGINT, SIGTERM, SIGHUP}, forwards[] = {SIGUSR1, SIGUSR2, SIGQUIT, SIGWINCH};

	/* Ctrl-C reaches lupine alone (the VMM has its own process group): a graceful stop */
	for (size_t i = 0; i < ARRAY_SIZE(stops); i++)
		signal(stops[i], on_stop);
	for (size_t i = 0; i < ARRAY_SIZE(forwards); i++)
		signal(forwards[i], on_forward);
	if (cfg->terminal)
		signal(SIGWINCH, on_resize);
	cfg->stop = &stop_signal;
	cfg->forward = &forward_signal;
	cfg->resize = &resized;
}

int run_signals_stopped(void)
{
	return stop_signal;
}

/* Why a VM that did not report the application's status ended. */
static int end_status(const struct vm_result *r, double timeout, struct strbuf *msg)
{
	switch (r->end) {
	case VM_EXITED:
		if (r->app_error) {
			/* the guest's words: control characters shown as '?' */
			char *why = xstrdup(r->app_error);
			for (char *p = why; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					*p = '?';
			sb_addf(msg, "lupine: the application did not start: %s\n", why);
			free(why);
		}
		return r->status;
	case VM_PANIC:
		sb_addf(msg, "lupine: the guest kernel panicked:\n%s", r->panic ? r->panic : "");
		return RUN_EXIT_PANIC;
	case VM_TIMEOUT:
		if (r->stop_expired)
			sb_addf(msg, "lupine: the application did not end within the stop timeout after --timeout "
				     "%.0f s; killed the VM\n", timeout);
		else if (r->t_init < 0)
			sb_addf(msg, "lupine: the kernel did not reach init within the boot timeout; the console "
				     "above shows how far it got\n");
		else
			sb_addf(msg, "lupine: stopped the VM after --timeout %.0f s\n", timeout);
		return RUN_EXIT_TIMEOUT;
	case VM_KILLED:
		sb_addf(msg, "lupine: the VMM ended abnormally (status %d)%s%s\n", r->vmm_status, r->panic ? ": " : "",
			r->panic ? r->panic : "");
		return RUN_EXIT_NO_STATUS;
	case VM_NO_STATUS:
		sb_addf(msg, "lupine: the VM stopped without the init reporting a status%s\n",
			r->t_init < 0 ? " (the kernel never started the init)" : "");
		return RUN_EXIT_NO_STATUS;
	}
	return RUN_EXIT_NO_STATUS;
}

int run_exit_status(const struct vm_result *r, double timeout, int stop_signal, struct strbuf *msg)
{
	if (stop_signal && r->end != VM_EXITED) {
		if (r->stop_expired)
			sb_addf(msg, "lupine: the application did not end within the stop timeout; killed the VM\n");
		return 128 + stop_signal;
	}
	return end_status(r, timeout, msg);
}
