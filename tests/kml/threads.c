/* threads.c: pthreads contending on one mutex (futex wait/wake), each
 * thread checking it runs at the same CPL as the main thread. */
#include "kmltest.h"

#include <pthread.h>

#define NTHREADS 4
#define NITER 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static int cpl_wrong;

static void *worker(void *arg)
{
	int want = *(int *)arg;

	if (kt_cpl() != want)
		__atomic_add_fetch(&cpl_wrong, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < NITER; i++) {
		pthread_mutex_lock(&lock);
		long v = counter;
		if ((i & 255) == 0)
			sched_yield(); /* hold the lock across a switch: others block in futex */
		counter = v + 1;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	int me = kt_cpl(), started = 0;

	for (int i = 0; i < NTHREADS; i++)
		started += pthread_create(&t[i], NULL, worker, &me) == 0;
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	kt_check(started == NTHREADS && counter == (long)NTHREADS * NITER && !cpl_wrong, "threads",
		 "CPL %d, %d threads, counter %ld (want %ld), %d at a wrong CPL", me, started, counter,
		 (long)NTHREADS * NITER, cpl_wrong);
	return kt_done();
}
