/* embedded.c: look up files compiled into the lupine binary. */
#include "lib/embedded.h"

#include <string.h>

const struct embedded_file *embedded_find(const struct embedded_file *table, const char *name)
{
	for (const struct embedded_file *f = table; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}
