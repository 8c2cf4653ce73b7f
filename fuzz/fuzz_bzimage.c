/* fuzz_bzimage.c: an x86 bzImage boot header through bzimage_parse, bzimage_min_mib
 * and (from a file) bzimage_floor_mib. The memory it names must hold the kernel:
 * never less than pref_address + init_size (+ what is asked for above), and
 * never negative; a need past INT_MAX MiB can only be said as INT_MAX. */
#include "lib/bzimage.h"
#include "lib/util.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

static char *file;

/* min_mib's answer against the sum worked out without overflow */
static void check(const struct bzimage *b, uint64_t above, int mib)
{
	unsigned __int128 need = (unsigned __int128)b->pref_address + b->init_size + above;
	unsigned __int128 have = (unsigned __int128)(mib < 0 ? 0 : mib) << 20;

	if (mib < 0 || (have < need && mib != INT_MAX))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t above = 0;
	struct bzimage b;

	if (!file) {
		char tmpl[] = "/tmp/lupine-fuzz-bzimage-XXXXXX";
		file = xasprintf("%s/bzImage", mkdtemp(tmpl));
	}
	if (bzimage_parse(data, size, &b) != 1)
		return 0;
	/* an initrd's size (under 4 GiB: lupine's own file, not the kernel's word),
	 * from the 4 bytes past the header if there are any */
	for (size_t i = 0x268; i < size && i < 0x26c; i++)
		above |= (uint64_t)data[i] << 8 * (i - 0x268);
	check(&b, 0, bzimage_min_mib(&b, 0));
	check(&b, above, bzimage_min_mib(&b, above));
	file_write_atomic(file, data, size, 0644);
	check(&b, 0, bzimage_floor_mib(file));
	return 0;
}
