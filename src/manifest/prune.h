/* prune.h: the choices of `lupine manifest --prune` on a derivation (kderive.h):
 * which options a trial may leave out, and what goes with those it did.
 * The trials themselves (a kernel and a workload run each) are the caller's. */
#ifndef LUPINE_PRUNE_H
#define LUPINE_PRUNE_H

#include "manifest/kderive.h"

/* Appends to out, in d's order, the options a trial may leave out: those a
 * program asked for (an IPv6 socket it tries and does without, a probe),
 * not those others depend on, nor the NIC (CONFIG_VIRTIO_NET). Returns how
 * many it appended. */
size_t kderive_prunable(const struct kderivation *d, struct strlist *out);

/* Drops from d the options there only for the sake of options in dropped
 * (dependencies whose every dependent was dropped); call it once the
 * trials are done. Returns how many it dropped. */
size_t kderive_drop_orphans(struct kderivation *d, const struct strlist *dropped);

#endif
