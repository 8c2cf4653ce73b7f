/* result.c: how a VM ended, said and released. */
#include "vm/vmm.h"
#include "vm/channel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

void vm_result_release(struct vm_result *res)
{
	free(res->console);
	free(res->panic);
	free(res->app_error);
	strlist_release(&res->missing);
	strlist_release(&res->used);
	memset(res, 0, sizeof(*res));
}

const char *vm_end_describe(const struct vm_result *res, char *buf, size_t n)
{
	switch (res->end) {
	case VM_EXITED: snprintf(buf, n, "application exited with status %d", res->status); break;
	case VM_NO_STATUS: snprintf(buf, n, "the VM stopped without reporting a status"); break;
	case VM_PANIC: snprintf(buf, n, "kernel panic"); break;
	case VM_TIMEOUT: snprintf(buf, n, "timed out"); break;
	case VM_KILLED: snprintf(buf, n, "the VMM ended abnormally (status %d)", res->vmm_status); break;
	}
	return buf;
}

void vm_classify(struct channel *c, const struct vmm_ops *ops, int wstatus, int timed_out)
{
	struct vm_result *res = c->res;

	res->vmm_status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	if (c->status_seen && ops->exit_ok(wstatus))
		res->end = VM_EXITED;
	else if (c->panic_seen)
		res->end = VM_PANIC;
	else if (timed_out)
		res->end = VM_TIMEOUT;
	else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
		res->end = VM_KILLED;
	else
		res->end = VM_NO_STATUS;
	if (c->panic_seen)
		res->panic = sb_detach(&c->panic);
}

int vm_launch_failed(const struct vmm_ops *ops, const char *bin, int wstatus, struct channel *c,
			 struct strbuf *err)
{
	struct strbuf *verr = &c->vmm_err;

	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127 && !c->console.len) {
		sb_addf(err, "cannot run '%s': %s", bin, ops->install);
		return 1;
	}
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 1 && !c->console.len && verr->len && c->res->t_init < 0) {
		sb_addf(err, "%s refused to start: %s", ops->name, str_trim(verr->buf));
		return 1;
	}
	return 0;
}
