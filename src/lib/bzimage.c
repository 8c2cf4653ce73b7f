/* bzimage.c: the x86 boot protocol header (Documentation/x86/boot.rst),
 * only the fields that bound the memory a kernel needs. */
#include "lib/bzimage.h"
#include "lib/elf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#define HDR_END 0x268 /* the header up to init_size, inclusive */

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	while (n--)
		v = v << 8 | p[n];
	return v;
}

int bzimage_parse(const unsigned char *buf, unsigned long n, struct bzimage *b)
{
	if (n < HDR_END || memcmp(buf + 0x202, "HdrS", 4) || le(buf + 0x206, 2) < 0x020a)
		return 0;
	b->pref_address = le(buf + 0x258, 8);
	b->init_size = (uint32_t)le(buf + 0x260, 4);
	return 1;
}

/* An x86-64 vmlinux's extent in physical memory, from its PT_LOAD segments
 * (what QEMU's PVH loader places): 1, or 0 when it is no such ELF file. */
static int vmlinux_extent(int fd, struct bzimage *b)
{
	struct elf_file ef;
	uint64_t lo = UINT64_MAX, hi = 0;
	Elf64_Phdr ph;

	if (elf_open(&ef, fd) != 1)
		return 0;
	for (unsigned i = 0; i < ef.eh.e_phnum; i++) {
		if (elf_phdr(&ef, i, &ph) < 0 || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_memsz > UINT64_MAX - ph.p_paddr)
			return 0;
		lo = ph.p_paddr < lo ? ph.p_paddr : lo;
		hi = ph.p_paddr + ph.p_memsz > hi ? ph.p_paddr + ph.p_memsz : hi;
	}
	if (hi <= lo || hi - lo > UINT32_MAX)
		return 0;
	b->pref_address = lo;
	b->init_size = (uint32_t)(hi - lo);
	return 1;
}

int bzimage_read(const char *path, struct bzimage *b)
{
	unsigned char buf[HDR_END];
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	while ((got = pread(fd, buf, sizeof(buf), 0)) < 0 && errno == EINTR)
		;
	r = got < 0 ? -1 : bzimage_parse(buf, (unsigned long)got, b);
	if (r == 0)
		r = vmlinux_extent(fd, b);
	close(fd);
	return r;
}

uint64_t bzimage_min_mib(const struct bzimage *b, uint64_t above)
{
	const uint64_t mib = 1 << 20;
	uint64_t end = b->pref_address;

	/* the header's load address is a full 64 bits: add without wrapping */
	if (end > UINT64_MAX - b->init_size || end + b->init_size > UINT64_MAX - above)
		return UINT64_MAX;
	end += b->init_size + above;
	return end / mib + (end % mib != 0);
}

int bzimage_floor_mib(const char *path)
{
	struct bzimage b;
	uint64_t mib;

	if (bzimage_read(path, &b) != 1 || (mib = bzimage_min_mib(&b, 0)) > INT_MAX)
		return 0;
	return (int)mib;
}
