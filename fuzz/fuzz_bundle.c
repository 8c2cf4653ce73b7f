/* fuzz_bundle.c: a bundle's lupine.json loader, and the run config rendered from what loads. */
#include "bundle/bundle.h"

#include <stdint.h>
#include <stdlib.h>

static char *dir, *json;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = {0};
	struct bundle b;

	if (!dir) {
		char tmpl[] = "/tmp/lupine-fuzz-bundle-XXXXXX";
		dir = xstrdup(mkdtemp(tmpl));
		json = xasprintf("%s/lupine.json", dir);
	}
	file_write_atomic(json, data, size, 0644);
	if (bundle_load(dir, &b, &err) == 0) {
		free(run_config_render(&b.run));
		bundle_release(&b);
	}
	sb_release(&err);
	return 0;
}
