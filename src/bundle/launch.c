/* launch.c: a bundle as a VM: this run's config, its initramfs, its root filesystem. */
#include "bundle/launch.h"
#include "bundle/runinit.h"

#include <stdlib.h>
#include <string.h>

/* The bundle's run config, changed for this run. */
static void run_for(struct bundle *b, const struct launch_opts *o, const struct rootfs_boot *boot)
{
	struct run_config *rc = &b->run;

	if (o->args->n) {
		/* keep the program, replace its arguments */
		char *prog = xstrdup(rc->arg.v[0]);
		strlist_release(&rc->arg);
		strlist_add(&rc->arg, prog);
		for (size_t i = 0; i < o->args->n; i++)
			strlist_add(&rc->arg, o->args->v[i]);
		free(prog);
	}
	for (size_t i = 0; i < o->env->n; i++)
		run_config_setenv(rc, o->env->v[i]);
	if (!rc->hostname)
		run_config_set(&rc->hostname, "lupine"); /* a bundle may name its own (lupine-runc) */
	if (b->net) {
		run_config_set(&rc->ip, o->vmm->guest_ip);
		run_config_set(&rc->gw, o->vmm->guest_gw);
		run_config_set(&rc->dns, o->vmm->guest_dns);
	}
	run_config_set(&rc->root, boot->root);
	run_config_set(&rc->ctl, o->ctl ? o->ctl : o->vmm->ctl);
	run_config_set(&rc->stdin_mode, o->stdin_mode);
}

int bundle_launch(const char *dir, struct bundle *b, const struct launch_opts *o, struct vm_config *cfg,
		  struct launch *l, struct strbuf *err)
{
	const struct rootfs_ops *fmt = rootfs_find(b->rootfs_format);
	struct rootfs_run_opts ro = {.ro = o->ro, .persist = o->persist, .tmpdir = o->tmpdir};
	char *rootfs = xasprintf("%s/%s", dir, b->rootfs);
	int ret = -1;

	memset(l, 0, sizeof(*l));
	if (!fmt) {
		sb_addf(err, "'%s' has an unknown rootfs format '%s'; rebuild it with 'lupine build'", dir,
			b->rootfs_format);
		goto out;
	}
	if (fmt->boot(rootfs, &ro, &l->boot, err) < 0)
		goto out;
	run_for(b, o, &l->boot);
	l->kernel = xasprintf("%s/%s", dir, b->kernel);
	l->initrd = xasprintf("%s/initrd", o->tmpdir);
	if (runinit_write(&b->run, l->boot.initrd_base, l->initrd, err) < 0)
		goto out;
	cfg->vmm = o->vmm;
	cfg->kernel = l->kernel;
	cfg->initrd = l->initrd;
	cfg->disk = l->boot.disk;
	cfg->disk_readonly = l->boot.disk_ro;
	if (o->record)
		l->cmdline = xasprintf("%s%slupine_record", b->cmdline ? b->cmdline : "",
				       b->cmdline && *b->cmdline ? " " : "");
	cfg->cmdline = l->cmdline ? l->cmdline : b->cmdline;
	cfg->mem_mib = o->mem_mib ? o->mem_mib : b->memory_mib;
	cfg->net = b->net;
	ret = 0;
out:
	free(rootfs);
	return ret;
}

void launch_release(struct launch *l)
{
	free(l->kernel);
	free(l->initrd);
	free(l->cmdline);
	rootfs_boot_release(&l->boot);
	memset(l, 0, sizeof(*l));
}
