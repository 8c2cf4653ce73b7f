/* mounts.h: config.json's "mounts" as the guest's mount lines and the host directories shared for them. */
#ifndef LUPINE_OCI_MOUNTS_H
#define LUPINE_OCI_MOUNTS_H

#include <jansson.h>

#include "bundle/volume.h"

/* Reads the mounts array (NULL: none) into v, in order; a relative bind
 * source is taken from bundle. 0, or -1 with a one-line err naming the
 * mount ("config.json: mounts[N] ..."). */
int oci_mounts_load(json_t *mounts, const char *bundle, struct volumes *v, struct strbuf *err);

#endif
