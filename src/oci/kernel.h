/* kernel.h: a container's kernel: which one (org.lupine.kernel, org.lupine.apps,
 * else lupine-general) and, when it is not cached, its build in a process
 * of its own that outlives create. The kubelet gives create 2 minutes and a
 * kernel build can take longer: a create killed at that deadline leaves the
 * build running, and the kubelet's next attempt waits for it (the cache's
 * lock) instead of starting over. */
#ifndef LUPINE_OCI_KERNEL_H
#define LUPINE_OCI_KERNEL_H
#include "kernel/kspec.h"
#include "oci/spec.h"

/* The kernel spec config.json's annotations ask for, into ks (zeroed by the caller). */
void oci_kernel_spec(const struct oci_spec *s, struct kspec *ks);
/* Makes sure ks's kernel is in the cache, building it in a detached
 * process (its output in the cache entry's build.log) and waiting for it.
 * A failed build is not reported here: the bundle's build then tries once
 * more and says why. */
void oci_kernel_ahead(const struct kspec *ks);
#endif
