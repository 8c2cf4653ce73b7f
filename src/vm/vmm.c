/* vmm.c: run a VMM process through its backend, pump console and control channel, classify the end. */
#include "vm/vmm.h"
#include "vm/channel.h"
#include "vm/stdio.h"
#include "vm/snapshot.h"
#include "guest/protocol.h"
#include "lib/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The VMM dies with lupine however lupine ends (proc_spawn's death signal),
 * and a terminal's Ctrl-C is lupine's to handle (a graceful stop), not its. */
static pid_t spawn(const struct vmm_launch *l, int in_fd, int out_fd, int err_fd, int tap_fd)
{
	/* the tap's descriptor, if any, is the one QEMU's command line names */
	struct proc_opts o = {.in = in_fd, .out = out_fd, .err = err_fd, .own_pgrp = 1, .keep = tap_fd, .env = l->env};

	return proc_spawn(l->argv, &o);
}

/* A VM being served: its process, descriptors and what it said so far. */
struct vm {
	const struct vm_config *cfg;
	const struct vmm_ops *ops;
	struct channel c;
	struct vm_result res;
	struct vmm_launch l;
	char *tmpl;
	pid_t pid;
	int in_w, out_r, err_r, ctl_fd;
	struct vm_stdio io;     /* the application's stdio ports, with cfg->stdio_ports */
	struct pollfd p[5 + STDIO_N];
	int timed_out, killed;
};

/* A stop (lupine asked to stop through cfg->stop, or --timeout): SIGTERM to the
 * application through the init, then the VM is killed after the stop
 * timeout. Before the init runs there is nobody to tell: the VM is killed at once. */
static void watch(struct vm *vm)
{
	struct channel *c = &vm->c;
	const struct vm_config *cfg = vm->cfg;
	double t = now_sec() - c->t0;
	int by_timeout = cfg->timeout > 0 && t > cfg->timeout;
	int asked = cfg->stop && *cfg->stop;

	if (vm->killed)
		return;
	vm_warm_watch(c, cfg);
	if (cfg->forward && *cfg->forward && c->res->t_init >= 0) {
		char cmd[32];
		snprintf(cmd, sizeof(cmd), LUPINE_IN_SIGNAL " %d", (int)*cfg->forward);
		channel_command(c, cmd);
		*cfg->forward = 0;
	}
	if (cfg->resize && *cfg->resize && c->res->t_init >= 0) {
		*cfg->resize = 0;
		channel_winsize(c, STDIN_FILENO);
	}
	if (cfg->init_timeout > 0 && c->res->t_init < 0 && t > cfg->init_timeout) {
		vm->timed_out = vm->killed = 1;
	} else if (!c->stop_at && (by_timeout || asked)) {
		vm->timed_out = by_timeout;
		c->res->stop_sent = 1;
		if (c->res->t_init < 0) {
			vm->killed = 1;
		} else {
			channel_command(c, LUPINE_IN_SIGNAL " 15");
			c->stop_at = t + (cfg->stop_timeout > 0 ? cfg->stop_timeout : 10);
		}
	} else if (c->stop_at && t > c->stop_at) {
		c->res->stop_expired = vm->killed = 1;
	}
	if (vm->killed)
		kill(vm->pid, SIGKILL);
}

/* Host stdin to the guest, while the VMM takes it; its end becomes "eof"
 * (with stdio ports: the end of the stdin port's socket). */
static void forward_stdin(struct vm *vm, struct pollfd *p)
{
	char buf[16384];
	ssize_t n = read(p->fd, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0)
		p->fd = -1;
	if (vm->cfg->stdio_ports)
		vm_stdio_send(&vm->io, buf, n > 0 ? (size_t)n : 0);
	else if (n > 0)
		channel_send(&vm->c, buf, (size_t)n);
	else
		channel_command(&vm->c, LUPINE_IN_EOF);
}

/* The VMM's console, stderr and the control FIFO: what poll said of p[0..2]. */
static void serve_outputs(struct vm *vm)
{
	struct pollfd *p = vm->p;
	char buf[16384];
	ssize_t n;

	for (int i = 0; i < 3; i++) {
		if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
			continue;
		if ((n = read(p[i].fd, buf, sizeof(buf))) <= 0) {
			if (i < 2)
				p[i].fd = -1; /* ctl is a FIFO we hold open: never EOF */
			continue;
		}
		if (i == 0)
			channel_console(&vm->c, buf, (size_t)n);
		else if (i == 1)
			channel_vmm_err(&vm->c, buf, (size_t)n);
		else
			channel_ctl(&vm->c, buf, (size_t)n);
	}
}

/* With stdio ports, the VM ends once the host has all of the output the
 * init said there was: tell it so. */
static void end_when_complete(struct vm *vm)
{
	struct channel *c = &vm->c;

	if (vm->cfg->stdio_ports && c->status_seen && !c->exit_sent && channel_output_complete(c)) {
		channel_command(c, LUPINE_IN_EXIT);
		c->exit_sent = 1;
	}
}

int vm_poll(struct vm *vm, int ms)
{
	struct channel *c = &vm->c;
	struct pollfd *p = vm->p;
	double until = now_sec() + ms / 1000.0;
	nfds_t np = vm->cfg->stdio_ports ? 5 + STDIO_N : 5;

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int left = (int)((until - now_sec()) * 1000);
		watch(vm);
		end_when_complete(vm);
		p[4].fd = c->to_guest.len && (c->res->t_app >= 0 || c->status_seen) ? c->in_fd : -1;
		/* hold back the host's input while the guest has not taken the last of it */
		p[3].events = c->to_guest.len < (1 << 16) && vm->io.to_in.len < (1 << 16) ? POLLIN : 0;
		if (np > 5)
			vm_stdio_pollfds(&vm->io, p + 5);
		if (left <= 0)
			return 1;
		if (poll(p, np, left < 200 ? left : 200) < 0 && errno != EINTR)
			break;
		serve_outputs(vm);
		if (np > 5)
			vm_stdio_serve(&vm->io, p + 5, c);
		if (p[3].fd >= 0 && (p[3].revents & (POLLIN | POLLHUP)))
			forward_stdin(vm, &p[3]);
		if (p[4].fd >= 0 && (p[4].revents & (POLLOUT | POLLERR)))
			channel_flush(c);
	}
	p[0].fd = p[1].fd = -1;
	return 0;
}

pid_t vm_pid(const struct vm *vm)
{
	return vm->pid;
}

const char *vm_qmp(const struct vm *vm)
{
	return vm->l.qmp;
}

static void launch_release(struct vmm_launch *l)
{
	vmm_argv_free(l->argv);
	vmm_argv_free(l->env);
	free(l->qmp);
	if (l->ctl_fifo)
		unlink(l->ctl_fifo);
	if (l->config_file)
		unlink(l->config_file);
	for (int i = 0; i < 3; i++) {
		if (l->stdio_socks[i])
			unlink(l->stdio_socks[i]);
		free(l->stdio_socks[i]);
	}
	free(l->ctl_fifo);
	free(l->config_file);
	memset(l, 0, sizeof(*l));
}

/* The launch in a private directory, made in *dir (caller frees). */
static int prepare(const struct vm_config *cfg, char **dir, int *kvm, struct vmm_launch *l, struct strbuf *err)
{
	const struct vmm_ops *ops = cfg->vmm ? cfg->vmm : &vmm_qemu;

	memset(l, 0, sizeof(*l));
	*kvm = cfg->accel == VM_ACCEL_KVM || (cfg->accel == VM_ACCEL_AUTO && vmm_kvm_usable());
	if (!path_exists(cfg->kernel)) {
		sb_addf(err, "kernel image '%s' does not exist", cfg->kernel);
		return -1;
	}
	if (!(*dir = tmp_dir("vm"))) {
		sb_addf(err, "cannot create a temporary directory: %s", strerror(errno));
		return -1;
	}
	if (ops->prepare(cfg, *kvm, *dir, l, err) < 0) {
		launch_release(l);
		rm_rf(*dir);
		free(*dir);
		*dir = NULL;
		return -1;
	}
	return 0;
}

static void vm_free(struct vm *vm)
{
	int fds[] = {vm->in_w, vm->out_r, vm->err_r, vm->ctl_fd};

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	vm_stdio_release(&vm->io);
	launch_release(&vm->l);
	rm_rf(vm->tmpl);
	free(vm->tmpl);
	channel_release(&vm->c);
	vm_result_release(&vm->res);
	free(vm);
}

/* The VMM with its stdin, stdout and stderr on pipes of ours. 0, or -1 with err. */
static int launch(struct vm *vm, struct strbuf *err)
{
	int inp[2], outp[2], errp[2];

	if (pipe2(inp, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		sb_addf(err, "cannot set up the VM's channels: %s", strerror(errno));
		return -1; /* the few descriptors of a failed pipe2 pair go with the process */
	}
	vm->c.t0 = now_sec();
	/* SIGPIPE if the VMM is gone while we write its input: an EPIPE is enough */
	signal(SIGPIPE, SIG_IGN);
	vm->pid = spawn(&vm->l, inp[0], outp[1], errp[1], vm->cfg->tap_fd);
	close(inp[0]);
	close(outp[1]);
	close(errp[1]);
	vm->in_w = vm->c.in_fd = inp[1];
	vm->out_r = outp[0];
	vm->err_r = errp[0];
	if (vm->pid < 0) {
		sb_addf(err, "cannot start '%s': %s", vm->l.argv[0], strerror(errno));
		return -1;
	}
	fcntl(vm->in_w, F_SETFL, O_NONBLOCK);
	return 0;
}

int vm_start(const struct vm_config *cfg, struct vm **out, struct strbuf *err)
{
	struct vm *vm = xcalloc(1, sizeof(*vm));
	int kvm;

	*vm = (struct vm){.cfg = cfg, .ops = cfg->vmm ? cfg->vmm : &vmm_qemu, .in_w = -1, .out_r = -1,
			  .err_r = -1, .ctl_fd = -1};
	vm->c = (struct channel){.cfg = cfg, .res = &vm->res, .in_fd = -1};
	vm->res.t_init = vm->res.t_app = vm->res.guest_init = -1;
	if (prepare(cfg, &vm->tmpl, &kvm, &vm->l, err) < 0) {
		free(vm);
		return -1;
	}
	vm->res.accel = kvm ? "kvm" : "tcg";
	vm_stdio_init(&vm->io);
	if (cfg->stdio_ports && (!vm->l.stdio_socks[0] || vm_stdio_listen(&vm->io, vm->l.stdio_socks, err) < 0)) {
		if (!vm->l.stdio_socks[0])
			sb_addf(err, "%s gives the application no stdio ports of its own", vm->ops->name);
		vm_free(vm);
		return -1;
	}
	vm->c.ctl_on_console = cfg->ctl_console || !vm->l.ctl_fifo;
	if (vm->l.ctl_fifo && (vm->ctl_fd = open(vm->l.ctl_fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		sb_addf(err, "cannot set up the VM's channels: %s", strerror(errno));
		vm_free(vm);
		return -1;
	}
	if (launch(vm, err) < 0 || (cfg->warm.incoming && vm_warm_restore(vm->l.qmp, vm->pid, cfg, &vm->c, err) < 0)) {
		char why[2048];
		ssize_t n;
		if (vm->pid > 0 && !kill(vm->pid, SIGKILL))
			waitpid(vm->pid, NULL, 0);
		/* what QEMU said before it ended is the reason (a missing file, a refused option) */
		if (vm->err_r >= 0 && (n = read(vm->err_r, why, sizeof(why) - 1)) > 0 && (why[n] = 0, 1)) {
			for (char *p = why; *p; p++)
				*p = *p == '\n' ? ' ' : *p;
			sb_addf(err, "; QEMU said: %s", str_trim(why));
		}
		vm_free(vm);
		return -1;
	}
	vm->p[0] = (struct pollfd){vm->out_r, POLLIN, 0};
	vm->p[1] = (struct pollfd){vm->err_r, POLLIN, 0};
	vm->p[2] = (struct pollfd){vm->ctl_fd, POLLIN, 0};
	vm->p[3] = (struct pollfd){cfg->forward_stdin ? 0 : -1, POLLIN, 0};
	vm->p[4] = (struct pollfd){-1, POLLOUT, 0};
	*out = vm;
	return 0;
}

int vm_wait(struct vm *vm, struct vm_result *res, struct strbuf *err)
{
	char buf[16384];
	int wstatus = 0, ret = -1;
	ssize_t n;

	while (vm_poll(vm, 1000))
		;
	/* drain the control FIFO: the status line may arrive just before exit */
	while (vm->ctl_fd >= 0 && (n = read(vm->ctl_fd, buf, sizeof(buf))) > 0)
		channel_ctl(&vm->c, buf, (size_t)n);
	while (waitpid(vm->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	vm_stdio_drain(&vm->io, &vm->c);
	vm->res.t_end = now_sec() - vm->c.t0;
	if (!vm_launch_failed(vm->ops, vm->l.argv[0], wstatus, &vm->c, err)) {
		vm_classify(&vm->c, vm->ops, wstatus, vm->timed_out);
		if (vm->c.vmm_err.len && vm->res.end == VM_KILLED)
			vm->res.panic = xstrdup(str_trim(vm->c.vmm_err.buf));
		vm->res.console = sb_detach(&vm->c.console);
		*res = vm->res;
		memset(&vm->res, 0, sizeof(vm->res));
		ret = 0;
	}
	vm_free(vm);
	return ret;
}

int vmm_run(const struct vm_config *cfg, struct vm_result *res, struct strbuf *err)
{
	struct vm *vm;

	memset(res, 0, sizeof(*res));
	if (vm_start(cfg, &vm, err) < 0)
		return -1;
	return vm_wait(vm, res, err);
}

int vmm_describe(const struct vm_config *cfg, struct strbuf *out, struct strbuf *err)
{
	char *tmpl = NULL;
	struct vmm_launch l;
	int kvm;

	if (prepare(cfg, &tmpl, &kvm, &l, err) < 0)
		return -1;
	for (char **a = l.argv; *a; a++) {
		int plain = (*a)[strspn(*a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=,./:@")] == 0;
		sb_addf(out, a == l.argv ? "%s%s%s" : " %s%s%s", plain ? "" : "'", *a, plain ? "" : "'");
	}
	sb_adds(out, "\n");
	if (l.config_file) {
		char *text = file_read(l.config_file, NULL);
		sb_addf(out, "--- %s ---\n%s\n", l.config_file, text ? text : "");
		free(text);
	}
	launch_release(&l);
	rm_rf(tmpl);
	free(tmpl);
	return 0;
}
