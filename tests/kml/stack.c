/* stack.c: stack growth by page faults. Recurses with 4 KiB frames down to
 * about 4 MiB below the initial stack, touching every page, then checks
 * the values on the way back. */
#include "kmltest.h"

#include <string.h>

static long descend(int depth)
{
	volatile char frame[4000];
	long sum;

	memset((char *)frame, depth & 0x7f, sizeof(frame));
	if (depth == 0)
		return frame[0];
	sum = descend(depth - 1);
	return sum + (frame[depth % sizeof(frame)] == (char)(depth & 0x7f));
}

int main(void)
{
	int depth = 1000; /* ~4 MB, below the default 8 MB RLIMIT_STACK */
	long r = descend(depth);

	kt_check(r == depth, "stack-growth", "CPL %d, %d frames of 4000 bytes, %ld checked", kt_cpl(),
		 depth, r);
	return kt_done();
}
