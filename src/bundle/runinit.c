/* runinit.c: the small initramfs each run boots with: the guest init and /lupine/run. */
#include "bundle/runinit.h"
#include "lib/embedded.h"
#include "rootfs/cpio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int append_file(int out, const char *path)
{
	int in = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (in < 0)
		return -1;
	ret = fd_copy(in, out);
	close(in);
	return ret;
}

int runinit_write(const struct run_config *rc, const char *base, const char *out_path, struct strbuf *err)
{
	const struct embedded_file *init = embedded_find(embedded_guest, "init");
	char *dir = xasprintf("%s.d", out_path), *sub = xasprintf("%s/lupine", dir);
	char *initp = xasprintf("%s/init", dir), *runp = xasprintf("%s%s", dir, LUPINE_RUN_FILE);
	char *small = xasprintf("%s.small", out_path), *text = run_config_render(rc);
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
