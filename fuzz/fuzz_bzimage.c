/* fuzz_bzimage.c: an x86 bzImage boot header through bzimage_parse, bzimage_min_mib
 * and (from a file) bzimage_floor_mib. The memory named must hold the kernel:
 * never less than pref_address + init_size (+ what is asked for above); a sum
 * past 64 bits is UINT64_MAX, and the floor is 0 when it is past an int of MiB. */
#include "lib/bzimage.h"
#include "lib/util.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

static char *file;

/* min_mib's answer against the sum worked out without overflow */
static void check(const struct bzimage *b, uint64_t above, uint64_t mib)
{
	unsigned __int128 need = (unsigned __int128)b->pref_address + b->init_size + above;
	unsigned __int128 have = (unsigned __int128)mib << 20;

	if (have < need && mib != UINT64_MAX)
		abort();
}

/* the floor: the same need when it fits an int of MiB, else 0 */
static void check_floor(const struct bzimage *b, int mib)
{
	uint64_t want = bzimage_min_mib(b, 0);

	if (mib < 0 || (want <= INT_MAX ? (uint64_t)mib != want : mib != 0))
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
	check_floor(&b, bzimage_floor_mib(file));
	return 0;
}
