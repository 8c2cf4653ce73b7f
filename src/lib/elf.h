/* elf.h: the one ELF reader: every offset and size checked, no allocation.
 * Used by source/elfdeps.c (interpreter, DT_NEEDED, RPATH), kernel/kbuild.c
 * (section sizes of vmlinux) and the guest init (a program's PT_INTERP), so
 * it depends on libc alone and is compiled into the static guest too. */
#ifndef LUPINE_ELF_H
#define LUPINE_ELF_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

struct elf_file {
	int fd;
	uint64_t size; /* file size, the bound of every read */
	Elf64_Ehdr eh;
};

/* Reads and checks the header of the file open at fd (not owned). Returns 1
 * for a well-formed ELF64 x86-64 file, 0 for an ELF file of another class or
 * machine, -1 for anything else (not ELF, truncated, tables that lie about
 * their place or size; errno EINVAL, or the read's). */
int elf_open(struct elf_file *ef, int fd);
/* Whether path is an ELF file of any kind (1), not one (0), or unreadable (-1). */
int elf_probe(const char *path);

/* Reads n bytes at off; -1 (EINVAL) when [off, off+n) is not inside the file. */
int elf_read_at(const struct elf_file *ef, uint64_t off, void *buf, size_t n);
/* Program header i (< e_phnum) and section header i (< e_shnum); 0 or -1. */
int elf_phdr(const struct elf_file *ef, unsigned i, Elf64_Phdr *ph);
int elf_shdr(const struct elf_file *ef, unsigned i, Elf64_Shdr *sh);
/* The PT_INTERP path into out (n bytes, NUL-terminated): 1 found, 0 none, -1 malformed. */
int elf_interp(const struct elf_file *ef, char *out, size_t n);
/* File offset of virtual address va through the PT_LOAD segments: 0 or -1. */
int elf_vaddr_offset(const struct elf_file *ef, uint64_t va, uint64_t *off);
/* The NUL-terminated string at off into out (n bytes): 0, or -1 when it runs
 * past the end of the file or is longer than n - 1. */
int elf_string(const struct elf_file *ef, uint64_t off, char *out, size_t n);

#endif
