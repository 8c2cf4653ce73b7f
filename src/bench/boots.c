/* boots.c: kernels booted N times each, round-robin, with the hello init. */
#include "bench/boots.h"
#include "vm/hello.h"

#include <stdio.h>
#include <stdlib.h>

/* One boot of s; its times are kept when it reached init. */
static int boot_once(struct boot_series *s, enum boots_on_error on_error, struct strbuf *err)
{
	struct strbuf ignored = {0};
	struct vm_result v;
	int rc;

	s->tries++;
	rc = hello_boot(s->image, 0, VM_ACCEL_AUTO, &v, on_error == BOOTS_STOP ? err : &ignored);
	sb_release(&ignored);
	if (rc < 0)
		return on_error == BOOTS_STOP ? -1 : 0;
	if (hello_reached(&v)) {
		s->wall[s->reached] = v.t_init;
		s->guest[s->reached++] = v.guest_init;
	}
	vm_result_release(&v);
	return 0;
}

int boots_round_robin(struct boot_series *s, size_t ns, int n, const char *prefix,
		      enum boots_on_error on_error, struct strbuf *err)
{
	for (size_t i = 0; i < ns; i++) {
		s[i].wall = xcalloc((size_t)n, sizeof(double));
		s[i].guest = xcalloc((size_t)n, sizeof(double));
	}
	for (int rep = 0; rep < n; rep++) {
		for (size_t i = 0; i < ns; i++)
			if (s[i].image && boot_once(&s[i], on_error, err) < 0)
				return -1;
		fprintf(stderr, "\r%sbooted every kernel %d/%d times", prefix, rep + 1, n);
	}
	fprintf(stderr, "\n");
	return 0;
}

void boot_series_release(struct boot_series *s)
{
	free(s->wall);
	free(s->guest);
	s->wall = s->guest = NULL;
}
