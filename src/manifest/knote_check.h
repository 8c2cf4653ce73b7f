/* knote_check.h (manifest/ internal): one kernel note from the guest, split
 * and checked before anything uses it. The guest's application is root: it
 * can write "lupine-used: ..." lines of its own into the kernel log, so a
 * note is data to check, never a name to pass on as it is. */
#ifndef LUPINE_KNOTE_CHECK_H
#define LUPINE_KNOTE_CHECK_H

#include "lib/util.h"

#define KNOTE_NAME_MAX 63 /* the kernel's names are shorter (it keeps 39 bytes of one) */

/* A checked note, "KIND NAME TGID COMM" (guest/protocol.h). */
struct knote_fields {
	char kind[16];		       /* "syscall", "family", "fs" or "option" */
	char name[KNOTE_NAME_MAX + 1]; /* "#282", "sys_signalfd4", "tmpfs", "CONFIG_X:what" */
	long nr;		       /* the number of a "#N" name, else -1 */
	long pid;		       /* 1 to the kernel's PID_MAX_LIMIT */
	const char *comm;	       /* printable, at most 64 bytes; points into the line */
};

/* The tree's Kconfig index, read at the first option note (zero it, set
 * tree and err; free idx with kindex_free). */
struct knote_kconfig {
	const char *tree;
	struct strbuf *err;
	struct kindex *idx;
	int failed; /* the index could not be read: err says why */
};

/* Splits and checks line: NULL with f filled, or what is wrong with it
 * ("a pid that is not a number ..."). An option note must name a bool or
 * tristate option of kc's tree. */
const char *knote_check(const char *line, struct knote_fields *f, struct knote_kconfig *kc);

/* line as it may be shown: bytes outside printable ASCII as '?', cut to 80
 * bytes with "..." after; buf holds at least 84. */
void knote_shown(const char *line, char *buf);

#endif
