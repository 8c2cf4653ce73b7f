/* embedded.h: files compiled into the lupine binary (configs, guest programs). */
#ifndef LUPINE_EMBEDDED_H
#define LUPINE_EMBEDDED_H

struct embedded_file {
	const char *name;          /* "base", "apps/redis", "hello" */
	const unsigned char *data; /* NUL-terminated for text */
	long size;
};

/* Tables end with an entry whose name is NULL. */
extern const struct embedded_file embedded_configs[];
extern const struct embedded_file embedded_guest[];
extern const struct embedded_file embedded_patches[]; /* kernel patches, e.g. "kml.patch" */
extern const struct embedded_file embedded_recipes[]; /* application recipes, e.g. "nginx.recipe" */

/* Entry NAME of a table, or NULL. */
const struct embedded_file *embedded_find(const struct embedded_file *table, const char *name);

#endif
