/* fuzz_derive.c: a run's kernel notes -> knotes_resolve -> kderive -> kderive_render, on
 * the default kernel source. The input is a recorded-features file ("used KIND NAME
 * PID COMM", "missing ..." lines, manifest/features.h), plus a line "net" for a VM
 * with a NIC and "failed" for a workload that did not come through. Every line of
 * the fragment must be a comment or CONFIG_X=y with X in the tree's Kconfig. */
#include "kernel/kbuild.h"
#include "kernel/kindex.h"
#include "manifest/features.h"
#include "manifest/kderive.h"
#include "manifest/kfeature.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each input would resolve the base config with the kernel's kconfig (make:
 * seconds), read the tree's Kconfig and the feature table again. The link
 * wraps those calls (-Wl,--wrap=..., see the Makefile) so that what the
 * first one returns, in LLVMFuzzerInitialize, serves every input. */
char *__real_kbuild_resolve(const struct kbuild_req *req, struct strbuf *err);
char *__wrap_kbuild_resolve(const struct kbuild_req *req, struct strbuf *err);
struct kindex *__real_kindex_load(const char *srctree, const char *arch, struct strbuf *err);
struct kindex *__wrap_kindex_load(const char *srctree, const char *arch, struct strbuf *err);
void __real_kindex_free(struct kindex *idx);
void __wrap_kindex_free(struct kindex *idx);
int __real_kfeature_load(const struct ksource *ks, struct kfeature_table *t, int *cached, struct strbuf *err);
int __wrap_kfeature_load(const struct ksource *ks, struct kfeature_table *t, int *cached, struct strbuf *err);
void __real_kfeature_table_release(struct kfeature_table *t);
void __wrap_kfeature_table_release(struct kfeature_table *t);

static char *base_config, *notes;
static struct kindex *kidx;
static struct kfeature_table table;

char *__wrap_kbuild_resolve(const struct kbuild_req *req, struct strbuf *err)
{
	if (!base_config && !(base_config = __real_kbuild_resolve(req, err)))
		return NULL;
	return xstrdup(base_config);
}

struct kindex *__wrap_kindex_load(const char *srctree, const char *arch, struct strbuf *err)
{
	if (!kidx)
		kidx = __real_kindex_load(srctree, arch, err);
	return kidx;
}

void __wrap_kindex_free(struct kindex *idx)
{
	if (idx != kidx)
		__real_kindex_free(idx);
}

int __wrap_kfeature_load(const struct ksource *ks, struct kfeature_table *t, int *cached, struct strbuf *err)
{
	if (!table.v && __real_kfeature_load(ks, &table, cached, err) < 0)
		return -1;
	*t = table;
	*cached = 1;
	return 0;
}

void __wrap_kfeature_table_release(struct kfeature_table *t)
{
	if (t->v != table.v)
		__real_kfeature_table_release(t);
	memset(t, 0, sizeof(*t));
}

/* a comment, or CONFIG_X=y with X defined in the tree */
static int fragment_ok(const char *text)
{
	const char *end;
	int ok = 1;

	for (const char *l = text; ok && *l; l = end + 1) {
		if (!(end = strchr(l, '\n')))
			return 0;
		char *line = xstrndup(l, (size_t)(end - l));
		size_t n = strlen(line);
		if (line[0] != '#') {
			ok = str_starts(line, "CONFIG_") && n > 9 && !strcmp(line + n - 2, "=y");
			line[n >= 2 ? n - 2 : 0] = 0;
			ok = ok && kindex_has(kidx, line + 7);
		}
		if (!ok)
			fprintf(stderr, "fuzz_derive: a fragment line that is no option: '%.*s'\n", (int)(end - l), l);
		free(line);
	}
	return ok;
}

/* The notes through the round trip; 0, or -1 when the source cannot be read. */
static int derive(const char *text, size_t len, struct strbuf *err)
{
	struct strlist used = {0}, missing = {0};
	struct kderivation d;
	struct knotes k;
	int net = !!strstr(text, "\nnet\n"), failed = !!strstr(text, "\nfailed\n"), ret = -1;

	if (file_write_atomic(notes, text, len, 0644) < 0 || features_read(notes, &used, &missing) < 0)
		abort();
	if (knotes_resolve(NULL, &missing, &used, &k, err) == 0) {
		if (kderive(NULL, &k, net, !failed, &d, err) == 0) {
			char *frag = kderive_render(&d, "# fuzz\n", NULL);
			char *trial = kderive_render(&d, "", d.n ? d.v[d.n / 2].option : NULL);
			if (!fragment_ok(frag) || !fragment_ok(trial))
				abort();
			free(frag);
			free(trial);
			kderivation_release(&d);
			ret = 0;
		}
		knotes_release(&k);
	}
	strlist_release(&used);
	strlist_release(&missing);
	return ret;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char seed[] = "used syscall #282 31 postgres\nmissing family #10 32 nginx\n";
	char tmpl[] = "/tmp/lupine-fuzz-derive-XXXXXX";
	struct strbuf err = {0};

	(void)argc, (void)argv;
	notes = xasprintf("%s/features", mkdtemp(tmpl));
	if (derive(seed, strlen(seed), &err) < 0 || !kidx || !base_config || !table.v) {
		fprintf(stderr, "fuzz_derive: cannot set up on the default kernel source: %s\n", err.buf);
		exit(1);
	}
	sb_release(&err);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a newline first, so "net" and "failed" are found on any line */
	char *text = xasprintf("\n%.*s\n", (int)size, (const char *)data);
	struct strbuf err = {0};

	if (derive(text, strlen(text), &err) < 0)
		abort(); /* the source read once cannot have gone away */
	sb_release(&err);
	free(text);
	return 0;
}
