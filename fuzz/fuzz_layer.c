/* fuzz_layer.c: the layer applier on a scratch root; nothing outside the root may change. */
#include "lib/util.h"
#include "source/layer.h"
#include "stage/stage.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *base, *root, *outside, *tar;

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct layer_stats st = {0};
	struct strbuf err = {0};
	struct stage s;

	if (!base) {
		char tmpl[] = "/tmp/lupine-fuzz-layer-XXXXXX";
		base = xstrdup(mkdtemp(tmpl));
		root = xasprintf("%s/root", base);
		outside = xasprintf("%s/outside", base);
		tar = xasprintf("%s/layer.tar", base);
		mkdir_p(outside, 0755);
	}
	rm_rf(root);
	mkdir_p(root, 0755);
	file_write_atomic(tar, data, size, 0644);
	if (stage_open(&s, root, &err) == 0) {
		layer_apply(&s, tar, size && data[0] & 1 ? LAYER_PLAIN : 0, &st, &err);
		stage_close(&s);
	}
	/* the sentinel beside the root, and the scratch directory itself */
	if (entries(outside) != 0 || entries(base) != 3)
		abort();
	sb_release(&err);
	return 0;
}
