/* configs.h: Lupine's kernel config fragments (configs/), compiled in or read from $LUPINE_CONFIGS_DIR. */
#ifndef LUPINE_CONFIGS_H
#define LUPINE_CONFIGS_H

#include <stddef.h>

/* Text of fragment NAME ("base", "tiny", "apps/redis"), or NULL if there is none.
 * The string lives as long as the program. */
const char *configs_text(const char *name);
/* Names of the application manifests, sorted ("redis", not "apps/redis");
 * returns the count and a static array. */
size_t configs_apps(const char *const **names);

struct strbuf;
/* `lupine kernel --list`: one line per application manifest with its option count. */
void configs_list(struct strbuf *out);
/* `lupine kernel --explain OPTION` (with or without CONFIG_): which fragments
 * ask for it and why, or that none does. */
void configs_explain(const char *option, struct strbuf *out);

#endif
