/* crienv.h: a containerd with its CRI plugin for the tests, in a network
 * namespace of the test's own: config.toml, root, state, socket, CNI config
 * and host-local IPAM data in a temporary directory; runtime handlers
 * `runc` (Debian's runc) and `lupine` (./lupine-runc); the sandbox image and
 * the application image docker-save archives of the probe tree, imported
 * into the k8s.io namespace. Driven with build/crictl-lite. */
#ifndef LUPINE_CRIENV_H
#define LUPINE_CRIENV_H

#include "harness.h"

#include <sys/types.h>

#define CRIENV_PAUSE "docker.io/library/lupine-pause:1"
#define CRIENV_APP "docker.io/library/lupine-probe:cri"
/* docker-registry on the namespace's loopback, and the application image there */
#define CRIENV_REGISTRY "127.0.0.1:5000"
#define CRIENV_PULLED CRIENV_REGISTRY "/lupine/probe:pulled"
/* In the application image: crienv_log_data's bytes, for `probe dump`. */
#define CRIENV_LOG_DATA "/work/log-data"

struct crienv {
	char *dir, *netns, *sock, *runc, *log;
	pid_t pid, registry;
};

/* Everything up and both images imported; 0, or -1 after CHECK failures
 * (crienv_stop still has to be called). */
int crienv_start(struct crienv *e);
/* docker-registry started in the namespace (plain HTTP, the CRI told so)
 * with the application image pushed to it as CRIENV_PULLED; 0 or -1. */
int crienv_registry(struct crienv *e);
/* What CRIENV_LOG_DATA holds (caller frees): every byte value but '\n' on a
 * line, a 40000-byte line, a short one; each line ended. */
char *crienv_log_data(size_t *n);
/* containerd and the registry stopped, shims it left and mounts under the directory gone,
 * the namespace deleted. */
void crienv_stop(struct crienv *e);
/* build/crictl-lite -r SOCK ARGS... (NULL-terminated, at most 30). */
struct cmd_out cri(struct crienv *e, ...);
/* sh -c FMT run in the test's namespace (ip netns exec); its status. */
int crienv_sh(struct crienv *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
