/* fuzz_spec.c: an OCI runtime bundle's config.json through oci_spec_parse, in a bundle
 * holding a rootfs/ directory. What it accepts must hold what spec.h promises. */
#include "oci/spec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *bundle;

/* spec.h's promises about a config.json it accepted */
static int honoured(const struct oci_spec *s)
{
	if (!s->args.n || !s->cwd || s->cwd[0] != '/' || !s->root || s->root[0] != '/' || !is_dir(s->root))
		return 0;
	if (s->uid > 0xfffffffeU || s->gid > 0xfffffffeU || (s->kernel && s->apps))
		return 0;
	if (s->memory_mib && (s->memory_mib < OCI_MIN_MEMORY_MIB || s->memory_mib > 65536))
		return 0;
	for (size_t i = 0; i < s->ports.n; i++)
		if (!strchr(s->ports.v[i], ':') || strspn(s->ports.v[i], "0123456789:") != strlen(s->ports.v[i]))
			return 0;
	for (size_t i = 0; i < s->mounts.n; i++)
		if (s->mounts.v[i][0] != '/')
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct strbuf err = {0};
	struct oci_spec s;

	if (!bundle) {
		char tmpl[] = "/tmp/lupine-fuzz-spec-XXXXXX", *rootfs;
		bundle = xstrdup(mkdtemp(tmpl));
		rootfs = xasprintf("%s/rootfs", bundle);
		mkdir_p(rootfs, 0755);
		free(rootfs);
	}
	if (oci_spec_parse(text, bundle, &s, &err) == 0) {
		if (!honoured(&s))
			abort();
		oci_spec_release(&s);
	} else if (!err.len) {
		abort(); /* a refusal always says why */
	}
	sb_release(&err);
	free(text);
	return 0;
}
