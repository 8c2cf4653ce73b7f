/* json.c: string lists to and from JSON arrays. */
#include "lib/json.h"

int json_to_strlist(json_t *a, struct strlist *l)
{
	size_t i;
	json_t *v;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return -1;
		strlist_add(l, json_string_value(v));
	}
	return 0;
}

json_t *json_from_strlist(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}
