/* fuzz_kconfig.c: the kconfig fragment parser, and merging the result with the base. */
#include "kernel/configs.h"
#include "kernel/kconfig.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kconfig_frag frags[2] = {{0}, {0}}, merged = {0};
	struct strbuf err = {0};
	char *text = xstrndup((const char *)data, size);

	kconfig_frag_parse(&frags[0], "base", configs_text("base"), 0, &err);
	if (kconfig_frag_parse(&frags[1], "fuzz", text, 1, &err) == 0 && kconfig_merge(&merged, frags, 2, &err) == 0) {
		char *r = kconfig_render(&merged);
		kconfig_frag_sort(&merged);
		kconfig_lookup(&merged, "EPOLL");
		free(r);
	}
	kconfig_frag_release(&merged);
	kconfig_frag_release(&frags[0]);
	kconfig_frag_release(&frags[1]);
	sb_release(&err);
	free(text);
	return 0;
}
