/* fuzz_docker.c: a docker save archive's manifest.json through docker_manifest_pick,
 * for the first image and for a tag. No picked path may lead out of the archive. */
#include "source/docker.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int inside(const char *p)
{
	return p && p[0] != '/' && !strstr(p, "..");
}

static void pick(const uint8_t *data, size_t size, const char *tag)
{
	struct docker_image img;
	struct strbuf err = {0};

	if (docker_manifest_pick((const char *)data, size, "fuzz.tar", tag, &img, &err) == 0) {
		if (!inside(img.config))
			abort();
		for (size_t i = 0; i < img.layers.n; i++)
			if (!inside(img.layers.v[i]))
				abort();
		docker_image_release(&img);
	} else if (!err.len || img.config || img.layers.n) {
		abort(); /* a refusal says why and leaves nothing behind */
	}
	sb_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pick(data, size, NULL);
	pick(data, size, "latest");
	pick(data, size, "alpine:3.19");
	return 0;
}
