/* fuzz_elf.c: the ELF reader and the closure walk, on a file that may lie about everything. */
#include "lib/elf.h"
#include "lib/util.h"
#include "source/elfdeps.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static char *dir, *prog;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfdeps deps;
	struct strbuf err = {0};
	struct elf_file ef;
	char buf[4096];
	uint64_t off;
	int fd;

	if (!dir) {
		char tmpl[] = "/tmp/lupine-fuzz-elf-XXXXXX";
		dir = xstrdup(mkdtemp(tmpl));
		prog = xasprintf("%s/prog", dir);
	}
	file_write_atomic(prog, data, size, 0755);
	fd = open(prog, O_RDONLY);
	if (elf_open(&ef, fd) == 1) {
		Elf64_Phdr ph;
		Elf64_Shdr sh;
		elf_interp(&ef, buf, sizeof(buf));
		for (unsigned i = 0; i < ef.eh.e_phnum && elf_phdr(&ef, i, &ph) == 0; i++)
			elf_vaddr_offset(&ef, ph.p_vaddr, &off);
		for (unsigned i = 0; i < ef.eh.e_shnum && elf_shdr(&ef, i, &sh) == 0; i++)
			elf_string(&ef, sh.sh_offset, buf, sizeof(buf));
	}
	close(fd);
	/* the closure walk, inside dir as its sysroot: no host library is reached */
	if (elfdeps_resolve("/prog", dir, &deps, &err) == 0)
		elfdeps_release(&deps);
	sb_release(&err);
	return 0;
}
