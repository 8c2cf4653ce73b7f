/* runfile.c: the run configuration the guest init reads from /lupine/run,
 * and the small initramfs that carries it (with the init) into each run. */
#include "bundle/runfile.h"
#include "rootfs/cpio.h"
#include "lib/embedded.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put(struct strbuf *sb, const char *key, const char *value)
{
	sb_addf(sb, "%s ", key);
	for (const char *p = value; *p; p++) {
		if (*p == '\n')
			sb_adds(sb, "\\n");
		else if (*p == '\t')
			sb_adds(sb, "\\t");
		else if (*p == '\\')
			sb_adds(sb, "\\\\");
		else
			sb_add(sb, p, 1);
	}
	sb_adds(sb, "\n");
}

char *runfile_render(const struct runfile *r)
{
	struct strbuf sb = {0};
	char num[32];

	for (size_t i = 0; i < r->argv->n; i++)
		put(&sb, "arg", r->argv->v[i]);
	for (size_t i = 0; r->env && i < r->env->n; i++)
		put(&sb, "env", r->env->v[i]);
	put(&sb, "cwd", r->cwd ? r->cwd : "/");
	snprintf(num, sizeof(num), "%d", r->uid);
	put(&sb, "uid", num);
	snprintf(num, sizeof(num), "%d", r->gid);
	put(&sb, "gid", num);
	if (r->hostname)
		put(&sb, "hostname", r->hostname);
	if (r->ip)
		put(&sb, "ip", r->ip);
	if (r->gw)
		put(&sb, "gw", r->gw);
	if (r->dns)
		put(&sb, "dns", r->dns);
	if (r->root_dev) {
		char *v = xasprintf("%s %s %s", r->root_dev, r->root_fs, r->root_ro ? "ro" : "rw");
		put(&sb, "root", v);
		free(v);
	}
	return sb_detach(&sb);
}

static int append_file(int out, const char *path)
{
	char buf[65536];
	ssize_t n;
	int in = open(path, O_RDONLY | O_CLOEXEC);

	if (in < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	return n < 0 ? -1 : 0;
}

int runfile_initramfs(const struct runfile *r, const char *base, const char *out_path, struct strbuf *err)
{
	const struct embedded_file *init = embedded_find(embedded_guest, "init");
	char *dir = xasprintf("%s.d", out_path), *sub = xasprintf("%s/lupine", dir);
	char *initp = xasprintf("%s/init", dir), *runp = xasprintf("%s/run", sub);
	char *small = xasprintf("%s.small", out_path), *text = runfile_render(r);
	int out = -1, ret = -1;

	if (!init) {
		sb_adds(err, "this lupine was built without its guest init");
		goto out;
	}
	if (mkdir_p(sub, 0755) < 0 || file_write_atomic(initp, init->data, (size_t)init->size, 0755) < 0 ||
	    file_write_atomic(runp, text, strlen(text), 0644) < 0) {
		sb_addf(err, "cannot stage the run configuration in '%s': %s", dir, strerror(errno));
		goto out;
	}
	if (cpio_write_dir(dir, small, err) < 0)
		goto out;
	out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0 || (base && append_file(out, base) < 0) || append_file(out, small) < 0) {
		sb_addf(err, "cannot write '%s': %s", out_path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (out >= 0)
		close(out);
	unlink(small);
	rm_rf(dir);
	free(text);
	free(small);
	free(runp);
	free(initp);
	free(sub);
	free(dir);
	return ret;
}
