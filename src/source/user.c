/* user.c: a container's User ("name", "uid", "name:group", "uid:gid") as numeric ids and
 * supplementary groups, from the image's own /etc/passwd and /etc/group, read inside the
 * staged root. */
#include "source/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The text of a file in the tree, or NULL. */
static char *read_in(const struct stage *root, const char *guest_path)
{
	int fd = stage_resolve(root, guest_path, O_RDONLY);
	char *text;

	if (fd < 0)
		return NULL;
	text = fd_read_all(fd, NULL);
	close(fd);
	return text;
}

/* A decimal id, 0 to 2^32-2 (the all-ones id means "none"): 0, else -1. */
static int parse_id(const char *s, long *out)
{
	char *end;
	unsigned long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || v >= 0xffffffffUL)
		return -1;
	*out = (long)v;
	return 0;
}

/* Splits an /etc/passwd-like line into its first four fields (empty ones
 * count); the number of fields found, at most 4. */
static int fields_of(char *line, char *f[4])
{
	int k = 0;

	for (char *t = line; t && k < 4; k++) {
		f[k] = t;
		if ((t = strchr(t, ':')))
			*t++ = 0;
	}
	return k;
}

/* The line of an /etc/passwd-like file whose field `key` (0: name, 2: number)
 * is value: its id and, if gid is not NULL, its gid (field 4); with name,
 * a copy of its name. 0 found, -1 absent, -2 a bad line. */
static int lookup_id(const struct stage *root, const char *file, int key, const char *value, long *id,
		     long *gid, char **name)
{
	char *text = read_in(root, file), *line, *next;
	int found = -1;

	for (line = text; line && found == -1; line = next) {
		char *f[4] = {0};
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		int k = fields_of(line, f);
		if (k < 3 || strcmp(f[key], value))
			continue;
		found = parse_id(f[2], id) == 0 && (!gid || (k >= 4 && parse_id(f[3], gid) == 0)) ? 0 : -2;
		if (found == 0 && name)
			*name = xstrdup(f[0]);
	}
	free(text);
	return found;
}

/* The gids of the /etc/group lines that list name as a member, as runc
 * gives them: the user's supplementary groups. */
static void member_groups(const struct stage *root, const char *name, struct strlist *groups)
{
	char *text = read_in(root, "/etc/group"), *line, *next;

	for (line = text; line; line = next) {
		char *f[4] = {0}, *m, *save = NULL;
		long gid;
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (fields_of(line, f) < 4 || parse_id(f[2], &gid) < 0)
			continue;
		for (m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
			if (!strcmp(m, name)) {
				strlist_add(groups, f[2]);
				break;
			}
	}
	free(text);
}

int source_resolve_user(const struct stage *root, const char *user, struct source_user *out, struct strbuf *err)
{
	char *u = xstrdup(user), *g = strchr(u, ':'), *name = NULL;
	int ret = -1, r;

	if (g)
		*g++ = 0;
	out->gid = 0;
	if (parse_id(u, &out->uid) == 0) {
		long pgid;
		/* the user's group, if the user is listed */
		if (lookup_id(root, "/etc/passwd", 2, u, &(long){0}, &pgid, &name) == 0)
			out->gid = pgid;
	} else if ((r = lookup_id(root, "/etc/passwd", 0, u, &out->uid, &out->gid, &name)) < 0) {
		sb_addf(err, r == -2 ? "image user '%s' has a bad line in the image's /etc/passwd"
				     : "image user '%s' is not in the image's /etc/passwd", u);
		goto out;
	}
	if (g && parse_id(g, &out->gid) < 0 && (r = lookup_id(root, "/etc/group", 0, g, &out->gid, NULL, NULL)) < 0) {
		sb_addf(err, r == -2 ? "image group '%s' has a bad line in the image's /etc/group"
				     : "image group '%s' is not in the image's /etc/group", g);
		goto out;
	}
	if (name)
		member_groups(root, name, &out->groups);
	ret = 0;
out:
	free(name);
	free(u);
	return ret;
}
