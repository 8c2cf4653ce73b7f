/* result.c: how a VM ended, said and released. */
#include "vm/vmm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
