/* features.c: the recorded-features file's one writer and one reader. */
#include "manifest/features.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int features_write(const char *path, const struct strlist *used, const struct strlist *missing)
{
	struct strbuf text = {0};
	int ret, saved;

	for (size_t i = 0; i < used->n; i++)
		sb_addf(&text, "used %s\n", used->v[i]);
	for (size_t i = 0; i < missing->n; i++)
		sb_addf(&text, "missing %s\n", missing->v[i]);
	ret = file_write_atomic(path, text.buf ? text.buf : "", text.len, 0644);
	saved = errno;
	sb_release(&text);
	errno = saved;
	return ret;
}

int features_read(const char *path, struct strlist *used, struct strlist *missing)
{
	char *text = file_read(path, NULL), *save = NULL;

	if (!text)
		return -1;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (str_starts(line, "used "))
			strlist_add(used, line + strlen("used "));
		else if (str_starts(line, "missing "))
			strlist_add(missing, line + strlen("missing "));
	}
	free(text);
	return 0;
}
