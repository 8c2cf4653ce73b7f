/* warm.c: a container from a snapshot: the annotation, the check at create, the restore at start. */
#include "oci/warm.h"
#include "bundle/snapshot.h"

#include <stdlib.h>
#include <string.h>

int oci_warm_annotation(json_t *a, struct oci_spec *s, struct strbuf *err)
{
	const char *snap = json_string_value(json_object_get(a, "org.lupine.snapshot"));

	if (!snap || !*snap)
		return 0;
	if (snap[0] != '/') {
		sb_addf(err, "config.json: annotation org.lupine.snapshot '%s': give the snapshot's absolute path", snap);
		return -1;
	}
	s->snapshot = xstrdup(snap);
	return 0;
}

int oci_warm_check(const struct oci_spec *s, struct strbuf *err)
{
	struct snapshot snap;
	struct bundle b;
	int ret = -1;

	if (s->terminal) {
		sb_adds(err, "config.json: process.terminal with org.lupine.snapshot: a restored application keeps the "
			     "stdio it was snapshotted with (no terminal)");
		return -1;
	}
	if (snapshot_load(s->snapshot, &snap, err) < 0)
		return -1;
	bundle_init(&b);
	if (bundle_load(snap.bundle, &b, err) == 0 && snapshot_matches(&snap, &b, err) == 0)
		ret = 0;
	bundle_release(&b);
	snapshot_release(&snap);
	return ret;
}

int oci_warm_request(const struct oci_spec *s, struct run_req *rq, struct vm_port *ports, int console_fd,
		     struct strbuf *err)
{
	static const struct strlist none;

	rq->from = s->snapshot;
	rq->lo = (struct launch_opts){.env = &none, .args = &none};
	rq->cfg = (struct vm_config){.accel = VM_ACCEL_AUTO, .init_timeout = RUN_INIT_TIMEOUT, .echo = 1,
				     .stop_timeout = 10, .ports = ports, .console_fd = console_fd};
	for (size_t i = 0; i < s->ports.n; i++, rq->cfg.nports++) {
		if (vm_port_parse(s->ports.v[i], &ports[i], err) < 0)
			return -1;
		/* in a namespace of the container's own, its addresses are the container's */
		if (s->netns && !ports[i].host_ip)
			ports[i].host_ip = xstrdup("0.0.0.0");
	}
	return 0;
}
