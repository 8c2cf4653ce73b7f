/* kbaseline.h: the comparison kernels built from other people's complete configs (microvm, debian). */
#ifndef LUPINE_KBASELINE_H
#define LUPINE_KBASELINE_H

#include "lib/util.h"

/* Where Debian's amd64 config comes from (package linux-config-6.1). */
#define KBASELINE_DEBIAN_CONFIG "/usr/src/linux-config-6.1/config.amd64_none_amd64.xz"

/* Whether name is a known baseline ("microvm", "debian"). */
int kbaseline_known(const char *name);
/* The names, for messages: "microvm, debian". */
const char *kbaseline_names(void);
/* The complete config of baseline name (caller frees), or NULL with a one-line
 * message in err (unknown name, Debian's config not installed or unreadable). */
char *kbaseline_config(const char *name, struct strbuf *err);

#endif
