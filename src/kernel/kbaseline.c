/* kbaseline.c: the comparison kernels built from other people's complete configs (microvm, debian).
 * A baseline is the kernel a user would otherwise run: Firecracker's microVM
 * config (shipped in configs/baselines/) or Debian's distro config (read from
 * Debian's linux-config-6.1 package, xz-compressed). configs/baselines/NAME-lupine.config
 * holds the little Lupine adds on top so that its init and bundles run unchanged. */
#include "kernel/kbaseline.h"
#include "kernel/configs.h"

#include <archive.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"microvm", "debian"};

int kbaseline_known(const char *name)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

const char *kbaseline_names(void)
{
	return "microvm, debian";
}

/* The whole of a compressed single file, through libarchive's raw format. */
static char *read_compressed(const char *path, struct strbuf *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	struct strbuf sb = {0};
	char buf[1 << 16];
	la_ssize_t n;

	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, sizeof(buf)) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK) {
		sb_addf(err, "cannot read Debian's kernel config '%s': %s (scripts/setup.sh installs linux-config-6.1)",
			path, archive_error_string(a) ? archive_error_string(a) : strerror(errno));
		archive_read_free(a);
		return NULL;
	}
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		sb_add(&sb, buf, (size_t)n);
	if (n < 0) {
		sb_addf(err, "cannot decompress '%s': %s", path, archive_error_string(a));
		sb_release(&sb);
		archive_read_free(a);
		return NULL;
	}
	archive_read_free(a);
	return sb_detach(&sb);
}

char *kbaseline_config(const char *name, struct strbuf *err)
{
	if (!strcmp(name, "microvm")) {
		const char *text = configs_text("baselines/microvm");
		if (!text)
			sb_adds(err, "this lupine has no configs/baselines/microvm.config");
		return text ? xstrdup(text) : NULL;
	}
	if (!strcmp(name, "debian")) {
		const char *path = getenv("LUPINE_DEBIAN_CONFIG");
		return read_compressed(path && *path ? path : KBASELINE_DEBIAN_CONFIG, err);
	}
	sb_addf(err, "unknown baseline '%s'; the baselines are %s", name, kbaseline_names());
	return NULL;
}
