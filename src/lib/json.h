/* json.h: the JSON shapes several modules read and write with jansson. */
#ifndef LUPINE_JSON_H
#define LUPINE_JSON_H

#include <jansson.h>

#include "lib/str.h"

/* Appends the strings of array a to l. A NULL a is empty; anything but an
 * array of strings is -1 (l may then hold a part). */
int json_to_strlist(json_t *a, struct strlist *l);
/* An array of l's strings (new reference). */
json_t *json_from_strlist(const struct strlist *l);

#endif
