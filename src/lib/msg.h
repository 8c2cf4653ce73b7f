/* msg.h: messages to the user and allocation that cannot fail.
 * Only main and cmd_* may call die(); library code returns errors. */
#ifndef LUPINE_MSG_H
#define LUPINE_MSG_H

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Fatal error: prints "lupine: MSG" and exits with die_status (1; a
 * command with statuses of its own, like run's 125, sets it). */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int die_status;
/* Called with die()'s message before it exits (lupine-runc logs it as JSON). */
extern void (*die_hook)(const char *msg);
/* Non-fatal: prints "lupine: MSG" to stderr and returns -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational line on stderr, suppressed by lupine_quiet. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int lupine_quiet;

/* Allocation that cannot fail (dies on exhaustion: nothing sensible to do). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
