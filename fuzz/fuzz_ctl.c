/* fuzz_ctl.c: the host's side of the guest's output: console bytes with marked control
 * lines inside (the Firecracker way) and control lines from the debug port FIFO. */
#include "vm/channel.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg = {0};
	struct vm_result res = {0};
	struct channel c = {.cfg = &cfg, .res = &res, .in_fd = -1, .ctl_on_console = 1};
	size_t half = size / 2;

	res.t_init = res.t_app = res.guest_init = -1;
	/* in two pieces, so a line or a mark split across reads is exercised */
	channel_console(&c, (const char *)data, half);
	channel_console(&c, (const char *)data + half, size - half);
	channel_ctl(&c, (const char *)data, size);
	channel_release(&c);
	vm_result_release(&res);
	return 0;
}
