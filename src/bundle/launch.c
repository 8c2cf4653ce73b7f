/* launch.c: a bundle as a VM: this run's config, its initramfs, its root filesystem. */
#include "bundle/launch.h"
#include "bundle/runinit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The guest's addressing: the VMM's own network's, or what the net set-up found or was given. */
static void net_for(struct run_config *rc, const struct launch_opts *o)
{
	const struct vm_net *n = o->net;
	int own = n && n->mode != VM_NET_USER;

	run_config_set(&rc->ip, own ? n->ip : o->vmm->guest_ip);
	run_config_set(&rc->gw, own ? n->gw : o->vmm->guest_gw);
	run_config_set(&rc->dns, own ? n->dns : o->vmm->guest_dns);
	strlist_release(&rc->routes);
	for (size_t i = 0; own && i < n->routes.n; i++)
		strlist_add(&rc->routes, n->routes.v[i]);
	rc->mtu = own && n->mtu > 0 ? n->mtu : -1;
}

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
	if (b->net)
		net_for(rc, o);
	run_config_set(&rc->root, boot->root);
	run_config_set(&rc->ctl, o->ctl ? o->ctl : o->vmm->ctl);
	run_config_set(&rc->stdin_mode, o->stdin_mode);
	run_config_set(&rc->stdio, o->vmm->stdio_ports ? "ports" : "console");
	if (o->terminal) {
		char size[32];
		snprintf(size, sizeof(size), "%u %u", o->rows, o->cols);
		run_config_set(&rc->terminal, size);
	}
	for (size_t i = 0; o->mounts && i < o->mounts->n; i++)
		strlist_add(&rc->mount, o->mounts->v[i]);
	if (o->exec && o->vmm->stdio_ports)
		run_config_set(&rc->exec, "port");
}

/* Opens name in the bundle (checked, kept open in l) and gives the path to reopen it by. */
static int pin(const char *dir, const char *name, struct launch *l, char **path, struct strbuf *err)
{
	int fd = bundle_file_open(dir, name, err);

	if (fd < 0)
		return -1;
	l->fds[l->nfds++] = fd;
	*path = fd_path(fd);
	return 0;
}

/* run --dry-run shows the bundle's own paths, not this process's descriptors. */
static void own_paths(const char *dir, const struct bundle *b, const char *rootfs, struct launch *l)
{
	free(l->kernel);
	l->kernel = xasprintf("%s/%s", dir, b->kernel);
	if (l->boot.disk && !strcmp(l->boot.disk, rootfs)) {
		free(l->boot.disk);
		l->boot.disk = xasprintf("%s/%s", dir, b->rootfs);
	}
}

static void fill(struct vm_config *cfg, const struct bundle *b, const struct launch_opts *o, struct launch *l)
{
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
	cfg->stdio_ports = o->vmm->stdio_ports;
	if (b->net && o->net && o->net->mode != VM_NET_USER) {
		cfg->tap_fd = o->net->tap_fd;
		cfg->tap = o->net->tap;
		cfg->mac = o->net->mac;
	}
}

int bundle_launch(const char *dir, struct bundle *b, const struct launch_opts *o, struct vm_config *cfg,
		  struct launch *l, struct strbuf *err)
{
	const struct rootfs_ops *fmt = rootfs_find(b->rootfs_format);
	struct rootfs_run_opts ro = {.ro = o->ro, .persist = o->persist, .tmpdir = o->tmpdir};
	char *rootfs = NULL;
	int ret = -1;

	memset(l, 0, sizeof(*l));
	if (!fmt) {
		sb_addf(err, "'%s' has an unknown rootfs format '%s'; rebuild it with 'lupine build'", dir,
			b->rootfs_format);
		goto out;
	}
	if (pin(dir, b->kernel, l, &l->kernel, err) < 0 || pin(dir, b->rootfs, l, &rootfs, err) < 0 ||
	    fmt->boot(rootfs, &ro, &l->boot, err) < 0)
		goto out;
	run_for(b, o, &l->boot);
	l->initrd = xasprintf("%s/initrd", o->tmpdir);
	if (runinit_write(&b->run, l->boot.initrd_base, l->initrd, err) < 0)
		goto out;
	if (o->describe)
		own_paths(dir, b, rootfs, l);
	fill(cfg, b, o, l);
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
	for (int i = 0; i < l->nfds; i++)
		close(l->fds[i]);
	memset(l, 0, sizeof(*l));
}
