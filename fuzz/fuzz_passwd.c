/* fuzz_passwd.c: a container's User resolved against the image's /etc/passwd and
 * /etc/group (source_resolve_user, in a staged root). The input is
 * "USER\0PASSWD\0GROUP"; every id that comes out must be one the guest can take. */
#include "source/source.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *dir, *passwd, *group;
static struct stage root;

static int id_ok(long id)
{
	return id >= 0 && id <= 0xfffffffeL;
}

static int gid_ok(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	return *s && strspn(s, "0123456789") == strlen(s) && !*end && v <= 0xfffffffeULL;
}

static void setup(void)
{
	char tmpl[] = "/tmp/lupine-fuzz-passwd-XXXXXX", *etc;
	struct strbuf err = {0};

	dir = xstrdup(mkdtemp(tmpl));
	etc = xasprintf("%s/etc", dir);
	mkdir_p(etc, 0755);
	passwd = xasprintf("%s/passwd", etc);
	group = xasprintf("%s/group", etc);
	if (stage_open(&root, dir, &err) < 0)
		abort();
	free(etc);
}

/* The next NUL-ended piece of the input (the last one ends with it). */
static char *piece(const char **p, const char *end)
{
	const char *nul = memchr(*p, 0, (size_t)(end - *p));
	char *s = xstrndup(*p, (size_t)((nul ? nul : end) - *p));

	*p = nul ? nul + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *user = piece(&p, end), *pw = piece(&p, end), *gr = piece(&p, end);
	struct source_user out = {0};
	struct strbuf err = {0};

	if (!dir)
		setup();
	file_write_atomic(passwd, pw, strlen(pw), 0644);
	file_write_atomic(group, gr, strlen(gr), 0644);
	if (source_resolve_user(&root, user, &out, &err) == 0) {
		if (!id_ok(out.uid) || !id_ok(out.gid))
			abort();
		for (size_t i = 0; i < out.groups.n; i++)
			if (!gid_ok(out.groups.v[i]))
				abort();
	} else if (!err.len) {
		abort();
	}
	strlist_release(&out.groups);
	sb_release(&err);
	free(user);
	free(pw);
	free(gr);
	return 0;
}
