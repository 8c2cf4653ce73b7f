/* cri.h: unary CRI v1 calls over containerd's unix socket with gRPC's C core;
 * the messages are protobuf-c's, generated from tests/cri/api.proto. */
#ifndef CRI_H
#define CRI_H

#include "api.pb-c.h"

struct cri {
	void *channel, *cq; /* grpc_channel, grpc_completion_queue */
	int timeout_s;      /* per call */
	char err[512];      /* the last failure, one line */
};

/* Connects (lazily: the first call dials) to the unix socket at sock. */
int cri_open(struct cri *c, const char *sock, int timeout_s);
void cri_close(struct cri *c);
/* Calls method ("runtime.v1.RuntimeService/Version") with req; on success
 * returns 0 and *resp, an unpacked message of resp_desc the caller frees with
 * protobuf_c_message_free_unpacked; -1 with c->err set (the gRPC status and
 * its message) otherwise. */
int cri_call(struct cri *c, const char *method, const ProtobufCMessage *req,
	     const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp);

#endif
