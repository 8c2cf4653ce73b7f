/* kfeature_impl.h (manifest/ internal): the definitions kfeature_walk.c finds in a tree's C files,
 * for kfeature_scan.c to turn into table entries. */
#ifndef LUPINE_MANIFEST_KFEATURE_IMPL_H
#define LUPINE_MANIFEST_KFEATURE_IMPL_H

#include "manifest/kfeature.h"

/* The characters of a C identifier, for strspn. */
#define KF_IDENT "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"

struct kfdef {
	char *name; /* a syscall, a family's PF_ or AF_ name, a filesystem type, or an #included .c file */
	char *file; /* the file holding it, relative to the tree */
	char *cond; /* the innermost option an #if around it requires, or NULL */
};

struct kfdefs {
	struct kfdef *v;
	size_t n;
};

struct kfwalk {
	const char *tree;
	struct kfdefs sys; /* SYSCALL_DEFINEn(name, ...) */
	struct kfdefs fam; /* struct net_proto_family registered with sock_register() */
	struct kfdefs fs;  /* struct file_system_type with .name = "..." */
	struct kfdefs ni;  /* SYS_NI(name): kernel/time/posix-stubs.c's ENOSYS stubs, like sys_ni.c's */
	struct kfdefs inc; /* #include "name.c" (kernel/sched/build_utility.c includes membarrier.c) */
};

/* Whether option (without CONFIG_) holds in every x86-64 kernel (64BIT, MMU):
 * such a condition is skipped in favour of the next one out. */
int kfeature_always_on(const char *option);

/* Reads every .c file of tree that can go into an x86 kernel into w's lists.
 * w must be zeroed; release with kfwalk_release. */
void kfwalk_run(struct kfwalk *w, const char *tree);
void kfwalk_release(struct kfwalk *w);

#endif
