/* fuzz_image.c: OCI index.json, manifest and config JSON through the OCI source.
 * The input is index.json; its first manifest's blob, when the input names one by
 * digest, is the input again, so a manifest and a config are reached too. */
#include "lib/hash.h"
#include "lib/util.h"
#include "source/image.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *dir, *root, *blobs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source_info info = {0};
	struct strbuf err = {0};
	struct hash h;
	char hex[65], *p;
	struct stage s;
	json_t *j;

	if (!dir) {
		char tmpl[] = "/tmp/lupine-fuzz-image-XXXXXX";
		dir = xstrdup(mkdtemp(tmpl));
		root = xasprintf("%s/root", dir);
		blobs = xasprintf("%s/blobs/sha256", dir);
	}
	rm_rf(root);
	rm_rf(blobs);
	mkdir_p(root, 0755);
	mkdir_p(blobs, 0755);
	p = xasprintf("%s/index.json", dir);
	file_write_atomic(p, data, size, 0644);
	free(p);
	/* the input is also the blob of its own digest */
	hash_init(&h);
	hash_add(&h, data, size);
	hash_final_hex(&h, hex);
	p = xasprintf("%s/%s", blobs, hex);
	file_write_atomic(p, data, size, 0644);
	free(p);
	if (stage_open(&s, root, &err) == 0) {
		source_oci.stage(dir, &s, &info, &err);
		stage_close(&s);
	}
	source_info_release(&info);
	if ((j = json_loadb((const char *)data, size, 0, NULL))) {
		image_read_config(j, &info);
		source_info_release(&info);
		json_decref(j);
	}
	sb_release(&err);
	return 0;
}
