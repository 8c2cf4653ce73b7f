/* kderive.h: an application's manifest from what it did. The notes of a
 * recording run (manifest/knotes.h) become the options that build each
 * feature it used or reached for, with the options those depend on, minus
 * what Lupine's base kernel has already. */
#ifndef LUPINE_KDERIVE_H
#define LUPINE_KDERIVE_H

#include "manifest/knotes.h"

struct kderived {
	char *option;             /* "CONFIG_SIGNALFD" */
	struct strlist why;       /* the features that use it: "signalfd4() by postgres" */
	struct strlist needed_by; /* the derived options that depend on it: "CONFIG_IPV6" */
	int dependency;           /* added only because a derived option depends on it */
};

struct kderivation {
	struct kderived *v;
	size_t n, cap;
	struct strlist absent; /* "get_mempolicy() (CONFIG_NUMA)": reached for, missing
				* on the recording kernel too, and the workload passed
				* without it: not derived */
};

/* Derives from k against the kernel source (NULL: the default): its base
 * config resolved by kconfig and its Kconfig dependencies. net: the VM
 * needs its NIC (virtio-net) even if k shows no IP socket. survived: the
 * application came through the recording run unharmed, so what the recording
 * kernel left out is not derived (only listed in absent). 0, or -1 with err. */
int kderive(const char *source, const struct knotes *k, int net, int survived, struct kderivation *out,
	    struct strbuf *err);

/* The derivation as a config fragment: header lines (already "# "-prefixed),
 * then per option a comment saying why ("signalfd4() by postgres, needed by
 * CONFIG_IPV6": the features, then the options depending on it) and
 * "CONFIG_X=y", leaving out the option `without` (NULL: none; a --prune
 * trial). Caller frees. */
char *kderive_render(const struct kderivation *d, const char *header, const char *without);

/* Removes option from d (and nothing else); 1 if it was there. */
int kderive_drop(struct kderivation *d, const char *option);
void kderivation_release(struct kderivation *d);

#endif
