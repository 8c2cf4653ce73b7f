/* qmp.h (vm/ internal): a client of QEMU's machine protocol (QMP), for warm
 * start: one JSON object a line each way, events skipped, every reply
 * bounded and every wait limited. QEMU is the host's own program, but its
 * replies are still only read as far as they parse. */
#ifndef LUPINE_VM_QMP_H
#define LUPINE_VM_QMP_H

#include "lib/util.h"

#include <jansson.h>
#include <sys/types.h>

struct qmp {
	int fd;
	pid_t pid;          /* the QEMU it talks to: its death ends every wait */
	struct strbuf in;   /* bytes read, not yet a line */
	char *version;      /* the greeting's "MAJOR.MINOR.MICRO (PACKAGE)" */
};

/* Connects to the socket at path (QEMU makes it as it starts: tried until
 * it is there, for at most timeout seconds or until pid ends), reads the
 * greeting and leaves negotiation mode. 0, or -1 with err. */
int qmp_open(struct qmp *q, const char *path, pid_t pid, double timeout, struct strbuf *err);
/* Runs cmd with args (stolen; NULL: none), passing the descriptor fd with
 * it when fd >= 0 (getfd). The reply's "return" (a new reference), or NULL
 * with err holding QEMU's reason. */
json_t *qmp_call(struct qmp *q, const char *cmd, json_t *args, int fd, struct strbuf *err);
/* The same, for a reply that is not wanted: 0 or -1 with err. */
int qmp_run(struct qmp *q, const char *cmd, json_t *args, struct strbuf *err);
void qmp_close(struct qmp *q);

#endif
