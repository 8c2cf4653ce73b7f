/* prune.c: which derived options a --prune trial may leave out, and what goes with the ones it did. */
#include "manifest/prune.h"

#include <string.h>

/* Every option the program asked for may be one it can do without; what
 * others depend on and the NIC are obviously required. */
static int prunable(const struct kderived *o)
{
	return !o->dependency && strcmp(o->option, "CONFIG_VIRTIO_NET");
}

size_t kderive_prunable(const struct kderivation *d, struct strlist *out)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++) {
		if (!prunable(&d->v[i]))
			continue;
		strlist_add(out, d->v[i].option);
		n++;
	}
	return n;
}

/* A dependency no feature uses whose every dependent was dropped. */
static int orphan(const struct kderived *o, const struct strlist *dropped)
{
	if (!o->dependency || o->why.n)
		return 0;
	for (size_t i = 0; i < o->needed_by.n; i++)
		if (!strlist_has(dropped, o->needed_by.v[i]))
			return 0;
	return 1;
}

size_t kderive_drop_orphans(struct kderivation *d, const struct strlist *dropped)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n;) {
		if (!orphan(&d->v[i], dropped)) {
			i++;
			continue;
		}
		kderive_drop(d, d->v[i].option);
		n++;
	}
	return n;
}
