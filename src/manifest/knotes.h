/* knotes.h: what a run's kernel notes mean. A Lupine kernel logs the
 * features processes reach for and it leaves out (and, recording, the ones
 * they use); the init passes them on as "KIND NAME TGID COMM" lines
 * (guest/protocol.h). Here each becomes the feature as a user knows it
 * ("signalfd4()", "an AF_INET6 socket") and the option that builds it. */
#ifndef LUPINE_KNOTES_H
#define LUPINE_KNOTES_H

#include "lib/util.h"

struct knote {
	int missing;   /* reached for and left out; else used (recording) */
	char *kind;    /* "syscall", "family", "fs", "option" */
	char *feature; /* "signalfd4", "AF_INET6", "tmpfs", "fcntl(F_SETLK)" */
	char *option;  /* "CONFIG_SIGNALFD" ("CONFIG_A,CONFIG_B": both), KF_ALWAYS or KF_UNKNOWN */
	char *comm;    /* the process's name */
	long pid;
	int probe;     /* a known-harmless probe (libc start-up), not a cause */
};

struct knotes {
	struct knote *v;
	size_t n, cap;
};

/* Resolves the notes against the kernel source (NULL: the default) and its
 * feature table (manifest/kfeature.h), in order, duplicates (same feature)
 * kept once per process. 0, or -1 with err set when the source or table
 * cannot be read. */
int knotes_resolve(const char *source, const struct strlist *missing, const struct strlist *used,
		   struct knotes *out, struct strbuf *err);
void knotes_release(struct knotes *k);

/* Appends one line per missing feature and program name to out, e.g.
 * "lupine: postgres (pids 24, 25 and 4 more) called signalfd4(), which this
 * kernel leaves out: it needs CONFIG_SIGNALFD (...)"; probes only when
 * verbose. Returns the lines added. */
size_t knotes_diagnose(const struct knotes *k, int verbose, struct strbuf *out);

/* After a failed run (or any, verbose): the diagnosis of the features the
 * kernel left out that a process reached for (knotes_diagnose on r's notes),
 * appended to out; nothing after a clean exit or without notes. */
struct vm_result;
void knotes_after_run(const struct vm_result *r, int verbose, struct strbuf *out);

/* The options the diagnosis names (missing features, start-up probes left
 * out), each once, as it words them ("CONFIG_SIGNALFD", "CONFIG_A and
 * CONFIG_B"), appended to options. */
void knotes_needed(const struct knotes *k, struct strlist *options);

#endif
