/* cri.c: one unary gRPC call at a time on a pluck completion queue, the
 * request packed and the response unpacked by protobuf-c. */
#include "cri.h"

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cri_open(struct cri *c, const char *sock, int timeout_s)
{
	char target[600];
	grpc_channel_credentials *creds;

	memset(c, 0, sizeof(*c));
	if (snprintf(target, sizeof(target), "unix:%s", sock) >= (int)sizeof(target)) {
		snprintf(c->err, sizeof(c->err), "socket path '%s' too long", sock);
		return -1;
	}
	grpc_init();
	creds = grpc_insecure_credentials_create();
	c->channel = grpc_channel_create(target, creds, NULL);
	grpc_channel_credentials_release(creds);
	c->cq = grpc_completion_queue_create_for_pluck(NULL);
	c->timeout_s = timeout_s;
	return 0;
}

void cri_close(struct cri *c)
{
	if (c->cq) {
		grpc_completion_queue_shutdown(c->cq);
		grpc_completion_queue_destroy(c->cq);
	}
	if (c->channel)
		grpc_channel_destroy(c->channel);
	grpc_shutdown();
	c->cq = c->channel = NULL;
}

static grpc_byte_buffer *pack(const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	grpc_slice s = grpc_slice_malloc(n);
	protobuf_c_message_pack(m, GRPC_SLICE_START_PTR(s));
	grpc_byte_buffer *b = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	return b;
}

static ProtobufCMessage *unpack(grpc_byte_buffer *b, const ProtobufCMessageDescriptor *d)
{
	grpc_byte_buffer_reader r;
	ProtobufCMessage *m = NULL;
	if (grpc_byte_buffer_reader_init(&r, b)) {
		grpc_slice s = grpc_byte_buffer_reader_readall(&r);
		m = protobuf_c_message_unpack(d, NULL, GRPC_SLICE_LENGTH(s), GRPC_SLICE_START_PTR(s));
		grpc_slice_unref(s);
		grpc_byte_buffer_reader_destroy(&r);
	}
	return m;
}

struct exchange {
	grpc_metadata_array initial, trailing;
	grpc_byte_buffer *out, *in;
	grpc_status_code status;
	grpc_slice details;
};

/* The six ops of a unary call in one batch; 0 once the batch completed. */
static int exchange_run(struct cri *c, grpc_call *call, struct exchange *x, gpr_timespec deadline)
{
	grpc_op ops[6];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = x->out;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &x->initial;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &x->in;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &x->trailing;
	ops[5].data.recv_status_on_client.status = &x->status;
	ops[5].data.recv_status_on_client.status_details = &x->details;
	if (grpc_call_start_batch(call, ops, 6, x, NULL) != GRPC_CALL_OK) {
		snprintf(c->err, sizeof(c->err), "grpc: cannot start the call");
		return -1;
	}
	grpc_event ev = grpc_completion_queue_pluck(c->cq, x, deadline, NULL);
	if (ev.type != GRPC_OP_COMPLETE) {
		snprintf(c->err, sizeof(c->err), "grpc: the call did not complete");
		return -1;
	}
	return 0;
}

int cri_call(struct cri *c, const char *method, const ProtobufCMessage *req,
	     const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp)
{
	char path[200];
	struct exchange x = {.out = pack(req), .status = GRPC_STATUS_UNKNOWN};
	gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
					     gpr_time_from_seconds(c->timeout_s, GPR_TIMESPAN));
	int r = -1;

	*resp = NULL;
	snprintf(path, sizeof(path), "/%s", method);
	grpc_metadata_array_init(&x.initial);
	grpc_metadata_array_init(&x.trailing);
	x.details = grpc_empty_slice();
	grpc_slice m = grpc_slice_from_static_string(path);
	grpc_call *call = grpc_channel_create_call(c->channel, NULL, GRPC_PROPAGATE_DEFAULTS, c->cq, m, NULL,
						   deadline, NULL);
	if (exchange_run(c, call, &x, gpr_inf_future(GPR_CLOCK_REALTIME)) < 0)
		goto out;
	if (x.status != GRPC_STATUS_OK) {
		snprintf(c->err, sizeof(c->err), "%s: status %d: %.*s", method, (int)x.status,
			 (int)GRPC_SLICE_LENGTH(x.details), (const char *)GRPC_SLICE_START_PTR(x.details));
		goto out;
	}
	if (!x.in || !(*resp = unpack(x.in, resp_desc))) {
		snprintf(c->err, sizeof(c->err), "%s: no response, or one that does not parse", method);
		goto out;
	}
	r = 0;
out:
	grpc_call_unref(call);
	grpc_byte_buffer_destroy(x.out);
	if (x.in)
		grpc_byte_buffer_destroy(x.in);
	grpc_slice_unref(x.details);
	grpc_metadata_array_destroy(&x.initial);
	grpc_metadata_array_destroy(&x.trailing);
	return r;
}
