/* runc.h (cmd/ internal): lupine-runc, the OCI runtime containerd's runc shim drives. */
#ifndef LUPINE_CMD_RUNC_H
#define LUPINE_CMD_RUNC_H

#define RUNC_DEFAULT_ROOT "/run/lupine-runc"

/* `lupine-runc create`: the container's VM bundle and its waiting monitor. */
int runc_create(const char *root, int argc, char **argv);

#endif
