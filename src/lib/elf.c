/* elf.c: the one ELF reader: every offset and size checked, no allocation. */
#include "lib/elf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether [off, off + n * size) lies inside the file, without overflow. */
static int inside(const struct elf_file *ef, uint64_t off, uint64_t n, uint64_t size)
{
	if (size && n > UINT64_MAX / size)
		return 0;
	return off <= ef->size && n * size <= ef->size - off;
}

int elf_read_at(const struct elf_file *ef, uint64_t off, void *buf, size_t n)
{
	ssize_t got;

	if (!inside(ef, off, n, 1) || off > (uint64_t)INT64_MAX) {
		errno = EINVAL;
		return -1;
	}
	while ((got = pread(ef->fd, buf, n, (off_t)off)) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)n) {
		if (got >= 0)
			errno = EINVAL;
		return -1;
	}
	return 0;
}

int elf_open(struct elf_file *ef, int fd)
{
	struct stat st;
	const Elf64_Ehdr *eh = &ef->eh;

	memset(ef, 0, sizeof(*ef));
	ef->fd = fd;
	if (fstat(fd, &st) < 0)
		return -1;
	ef->size = (uint64_t)st.st_size;
	if (ef->size < EI_NIDENT || elf_read_at(ef, 0, &ef->eh, ef->size < sizeof(ef->eh) ? EI_NIDENT : sizeof(ef->eh)) < 0 ||
	    memcmp(eh->e_ident, ELFMAG, SELFMAG)) {
		errno = EINVAL;
		return -1;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return 0;
	if (ef->size < sizeof(ef->eh))
		goto bad;
	if (eh->e_machine != EM_X86_64)
		return 0;
	if (eh->e_phnum && (eh->e_phentsize != sizeof(Elf64_Phdr) || !inside(ef, eh->e_phoff, eh->e_phnum, sizeof(Elf64_Phdr))))
		goto bad;
	if (eh->e_shnum && (eh->e_shentsize != sizeof(Elf64_Shdr) || !inside(ef, eh->e_shoff, eh->e_shnum, sizeof(Elf64_Shdr))))
		goto bad;
	return 1;
bad:
	errno = EINVAL;
	return -1;
}

int elf_probe(const char *path)
{
	unsigned char m[SELFMAG];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, m, sizeof(m));
	close(fd);
	return n == SELFMAG && !memcmp(m, ELFMAG, SELFMAG);
}

int elf_phdr(const struct elf_file *ef, unsigned i, Elf64_Phdr *ph)
{
	if (i >= ef->eh.e_phnum) {
		errno = EINVAL;
		return -1;
	}
	return elf_read_at(ef, ef->eh.e_phoff + (uint64_t)i * sizeof(*ph), ph, sizeof(*ph));
}

int elf_shdr(const struct elf_file *ef, unsigned i, Elf64_Shdr *sh)
{
	if (i >= ef->eh.e_shnum) {
		errno = EINVAL;
		return -1;
	}
	return elf_read_at(ef, ef->eh.e_shoff + (uint64_t)i * sizeof(*sh), sh, sizeof(*sh));
}

int elf_interp(const struct elf_file *ef, char *out, size_t n)
{
	Elf64_Phdr ph;

	for (unsigned i = 0; i < ef->eh.e_phnum; i++) {
		if (elf_phdr(ef, i, &ph) < 0)
			return -1;
		if (ph.p_type != PT_INTERP)
			continue;
		/* the segment holds the path and its NUL */
		if (ph.p_filesz < 2 || ph.p_filesz > n || elf_read_at(ef, ph.p_offset, out, ph.p_filesz) < 0 ||
		    !memchr(out, 0, ph.p_filesz) || !out[0]) {
			errno = EINVAL;
			return -1;
		}
		return 1;
	}
	return 0;
}

int elf_vaddr_offset(const struct elf_file *ef, uint64_t va, uint64_t *off)
{
	Elf64_Phdr ph;

	for (unsigned i = 0; i < ef->eh.e_phnum; i++) {
		if (elf_phdr(ef, i, &ph) < 0)
			return -1;
		if (ph.p_type == PT_LOAD && va >= ph.p_vaddr && va - ph.p_vaddr < ph.p_filesz &&
		    inside(ef, ph.p_offset, ph.p_filesz, 1)) {
			*off = va - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

int elf_string(const struct elf_file *ef, uint64_t off, char *out, size_t n)
{
	size_t want, have = 0;

	/* read in steps: the string ends at its NUL, which must come before EOF */
	while (have + 1 < n && off + have < ef->size) {
		want = n - 1 - have;
		if (want > 256)
			want = 256;
		if (want > ef->size - off - have)
			want = (size_t)(ef->size - off - have);
		if (elf_read_at(ef, off + have, out + have, want) < 0)
			return -1;
		if (memchr(out + have, 0, want))
			return 0;
		have += want;
	}
	errno = EINVAL;
	return -1;
}
