/* fuzz_spec.c: an OCI runtime bundle's config.json through oci_spec_parse, in a bundle
 * holding a rootfs/ directory. What it accepts must hold what spec.h promises. */
#include "oci/spec.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *bundle;

/* confine.h's promises: what the init gets is what the kernel takes */
static int confined(const struct run_config *rc)
{
	unsigned long long soft, hard, m[5];
	char name[32], *end;

	for (size_t i = 0; i < rc->rlimit.n; i++)
		if (sscanf(rc->rlimit.v[i], "%31s %llu %llu", name, &soft, &hard) != 3 || soft > hard ||
		    strncmp(name, "RLIMIT_", 7))
			return 0;
	if (!rc->caps || sscanf(rc->caps, "%llx %llx %llx %llx %llx", &m[0], &m[1], &m[2], &m[3], &m[4]) != 5)
		return 0;
	if ((m[1] & ~m[2]) || (m[4] & ~(m[2] & m[3])) || (m[3] & ~m[0]) || ((m[0] | m[2]) >> 41))
		return 0;
	for (size_t i = 0; i < rc->sysctl.n; i++) {
		const char *k = rc->sysctl.v[i], *dots = strstr(k, "..");
		size_t n = strcspn(k, "=");
		if (!k[n] || !n || k[0] == '.' || k[n - 1] == '.' || (dots && dots - k < (ptrdiff_t)n) ||
		    strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != n)
			return 0;
	}
	for (size_t i = 0; i < rc->masked.n; i++)
		if (rc->masked.v[i][0] != '/')
			return 0;
	for (size_t i = 0; i < rc->ropaths.n; i++)
		if (rc->ropaths.v[i][0] != '/')
			return 0;
	if (rc->umask && (strtoul(rc->umask, &end, 8) > 0777 || *end))
		return 0;
	return !rc->oom_score_adj || (atoi(rc->oom_score_adj) >= -1000 && atoi(rc->oom_score_adj) <= 1000);
}

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
	/* mount lines: four fields at single spaces (the rest escaped), an absolute destination */
	for (size_t i = 0; i < s->vol.mounts.n; i++) {
		const char *l = s->vol.mounts.v[i], *dest = strchr(strchr(l, ' ') + 1, ' ') + 1;
		size_t spaces = 0;
		for (const char *p = l; *p; p++)
			spaces += *p == ' ';
		if (spaces != 3 || strpbrk(l, "\t\n") || dest[0] != '/')
			return 0;
	}
	for (size_t i = 0; i < s->vol.nshares; i++)
		if (s->vol.shares[i].path[0] != '/' || strncmp(s->vol.shares[i].tag, "lupine", 6))
			return 0;
	return confined(&s->confine);
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
