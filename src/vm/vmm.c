/* vmm.c: run a VMM process, stream the guest console, read the control channel, classify the end. */
#include "vm/vmm.h"
#include "guest/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONSOLE_CAP (1 << 20)

int vmm_kvm_usable(void)
{
	char *cpuinfo = file_read("/proc/cpuinfo", NULL);
	int has_virt = cpuinfo && (strstr(cpuinfo, " vmx") || strstr(cpuinfo, " svm"));
	int fd, ok = 0;

	free(cpuinfo);
	if (!has_virt)
		return 0;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (ioctl(fd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION) {
		int vm = ioctl(fd, KVM_CREATE_VM, 0);
		ok = vm >= 0;
		if (vm >= 0)
			close(vm);
	}
	close(fd);
	return ok;
}

struct run {
	const struct vm_config *cfg;
	struct vm_result *res;
	struct strbuf console, ctl, qerr, line;
	double t0;
	int status_seen, panic_seen;
	struct strbuf panic;
	int panic_lines;
};

static void console_line(struct run *r, const char *line)
{
	if (!r->panic_seen && (strstr(line, "Kernel panic") || strstr(line, "BUG: ") ||
			       strstr(line, "Oops: ") || strstr(line, "general protection fault")))
		r->panic_seen = 1;
	if (r->panic_seen && r->panic_lines < 40) {
		sb_addf(&r->panic, "%s\n", line);
		r->panic_lines++;
	}
}

static void on_console(struct run *r, const char *buf, size_t n)
{
	if (r->cfg->echo) {
		fwrite(buf, 1, n, stdout);
		fflush(stdout);
	}
	if (r->console.len > 2 * CONSOLE_CAP) {
		memmove(r->console.buf, r->console.buf + r->console.len - CONSOLE_CAP, CONSOLE_CAP);
		r->console.len = CONSOLE_CAP;
	}
	sb_add(&r->console, buf, n);
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			console_line(r, r->line.buf ? r->line.buf : "");
			r->line.len = 0;
			if (r->line.buf)
				r->line.buf[0] = 0;
		} else if (buf[i] != '\r' && r->line.len < 4096) {
			sb_add(&r->line, &buf[i], 1);
		}
	}
}

static void ctl_line(struct run *r, char *line)
{
	double t = now_sec() - r->t0;
	char *arg = strchr(line, ' ');

	if (arg)
		*arg++ = 0;
	if (!strcmp(line, LUPINE_CTL_INIT) && r->res->t_init < 0) {
		r->res->t_init = t;
		if (arg)
			r->res->guest_init = strtod(arg, NULL) / 1e9;
	} else if (!strcmp(line, LUPINE_CTL_APP) && r->res->t_app < 0) {
		r->res->t_app = t;
	} else if (!strcmp(line, LUPINE_CTL_STATUS) && arg) {
		r->res->status = atoi(arg) & 0xff;
		r->status_seen = 1;
	} else if (!strcmp(line, LUPINE_CTL_ERROR) && arg && !r->res->app_error) {
		r->res->app_error = xstrdup(arg);
	}
}

static void on_ctl(struct run *r, const char *buf, size_t n)
{
	sb_add(&r->ctl, buf, n);
	char *nl;
	while (r->ctl.len && (nl = memchr(r->ctl.buf, '\n', r->ctl.len))) {
		*nl = 0;
		ctl_line(r, r->ctl.buf);
		size_t used = (size_t)(nl + 1 - r->ctl.buf);
		memmove(r->ctl.buf, nl + 1, r->ctl.len - used);
		r->ctl.len -= used;
	}
}

static pid_t spawn(char **argv, int out_fd, int err_fd)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int devnull = open("/dev/null", O_RDONLY);
	dup2(devnull, 0);
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	execvp(argv[0], argv);
	fprintf(stderr, "cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Reads console, control and QEMU's stderr until QEMU exits or time runs out. */
static int pump(struct run *r, pid_t pid, int out_fd, int err_fd, int ctl_fd, int *wstatus)
{
	struct pollfd p[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {ctl_fd, POLLIN, 0}};
	char buf[16384];
	int timed_out = 0, stopped = 0;

	for (;;) {
		int ms = 200;
		double t = now_sec() - r->t0;
		if (!timed_out && ((r->cfg->timeout > 0 && t > r->cfg->timeout) ||
				   (r->cfg->init_timeout > 0 && r->res->t_init < 0 && t > r->cfg->init_timeout))) {
			kill(pid, SIGKILL);
			timed_out = 1;
		}
		if (r->cfg->stop && *r->cfg->stop && !stopped) {
			kill(pid, SIGTERM);
			stopped = 1;
		}
		if (poll(p, 3, ms) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 3; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				if (i < 2)
					p[i].fd = -1; /* ctl is a FIFO we hold open: never EOF */
				continue;
			}
			if (i == 0)
				on_console(r, buf, (size_t)n);
			else if (i == 1)
				sb_add(&r->qerr, buf, (size_t)n);
			else
				on_ctl(r, buf, (size_t)n);
		}
		if (p[0].fd < 0 && p[1].fd < 0)
			break;
	}
	/* drain the control FIFO: the status line may arrive just before exit */
	ssize_t n;
	while ((n = read(ctl_fd, buf, sizeof(buf))) > 0)
		on_ctl(r, buf, (size_t)n);
	while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
		;
	return timed_out;
}

static void classify(struct run *r, int wstatus, int timed_out)
{
	struct vm_result *res = r->res;

	res->vmm_status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	if (r->status_seen && WIFEXITED(wstatus) && (WEXITSTATUS(wstatus) & 1))
		res->end = VM_EXITED;
	else if (r->panic_seen)
		res->end = VM_PANIC;
	else if (timed_out)
		res->end = VM_TIMEOUT;
	else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
		res->end = VM_KILLED;
	else
		res->end = VM_NO_STATUS;
	if (r->panic_seen)
		res->panic = sb_detach(&r->panic);
}

int vmm_run(const struct vm_config *cfg, struct vm_result *res, struct strbuf *err)
{
	char tmpl[] = "/tmp/lupine-vm-XXXXXX", *fifo = NULL;
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, ctl_fd = -1, wstatus = 0, ret = -1;
	struct run r = {.cfg = cfg, .res = res};
	char **argv = NULL;
	int kvm;

	memset(res, 0, sizeof(*res));
	res->t_init = res->t_app = res->guest_init = -1;
	kvm = cfg->accel == VM_ACCEL_KVM || (cfg->accel == VM_ACCEL_AUTO && vmm_kvm_usable());
	res->accel = kvm ? "kvm" : "tcg";
	if (!path_exists(cfg->kernel)) {
		sb_addf(err, "kernel image '%s' does not exist", cfg->kernel);
		return -1;
	}
	if (!mkdtemp(tmpl)) {
		sb_addf(err, "cannot create a temporary directory: %s", strerror(errno));
		return -1;
	}
	fifo = xasprintf("%s/ctl", tmpl);
	if (mkfifo(fifo, 0600) < 0 || (ctl_fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
	    pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		sb_addf(err, "cannot set up the VM's channels: %s", strerror(errno));
		goto out;
	}
	argv = vmm_qemu_argv(cfg, kvm, fifo);
	r.t0 = now_sec();
	pid_t pid = spawn(argv, outp[1], errp[1]);
	if (pid < 0) {
		sb_addf(err, "cannot start '%s': %s", argv[0], strerror(errno));
		goto out;
	}
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	int timed_out = pump(&r, pid, outp[0], errp[0], ctl_fd, &wstatus);
	res->t_end = now_sec() - r.t0;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127 && !r.console.len) {
		sb_addf(err, "cannot run '%s': is QEMU installed? (scripts/setup.sh installs qemu-system-x86)",
			argv[0]);
		goto out;
	}
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 1 && !r.console.len && r.qerr.len) {
		sb_addf(err, "QEMU refused to start: %s", str_trim(r.qerr.buf));
		goto out;
	}
	classify(&r, wstatus, timed_out);
	if (r.qerr.len && res->end == VM_KILLED)
		res->panic = xstrdup(str_trim(r.qerr.buf));
	res->console = sb_detach(&r.console);
	ret = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	if (ctl_fd >= 0)
		close(ctl_fd);
	if (fifo)
		unlink(fifo);
	rmdir(tmpl);
	free(fifo);
	vmm_argv_free(argv);
	sb_release(&r.console);
	sb_release(&r.ctl);
	sb_release(&r.qerr);
	sb_release(&r.line);
	sb_release(&r.panic);
	return ret;
}

void vm_result_release(struct vm_result *res)
{
	free(res->console);
	free(res->panic);
	free(res->app_error);
	memset(res, 0, sizeof(*res));
}

const char *vm_end_describe(const struct vm_result *res, char *buf, size_t n)
{
	switch (res->end) {
	case VM_EXITED: snprintf(buf, n, "application exited with status %d", res->status); break;
	case VM_NO_STATUS: snprintf(buf, n, "the VM stopped without reporting a status"); break;
	case VM_PANIC: snprintf(buf, n, "kernel panic"); break;
	case VM_TIMEOUT: snprintf(buf, n, "timed out"); break;
	case VM_KILLED: snprintf(buf, n, "QEMU ended abnormally (status %d)", res->vmm_status); break;
	}
	return buf;
}
