/* klog.c: pass the kernel's notes on features to the host.
 *
 * A Lupine kernel (kernel/missing.patch) logs "lupine-missing: KIND NAME
 * TGID COMM" the first time a process reaches for a feature it was built
 * without, and, booted with lupine_record, "lupine-used: ..." for the first
 * use of each feature. At the end of a run, and when the host asks the
 * application to stop (it may not end before the VM is killed), the init
 * reads the log and sends each note as a control line, so the host can name
 * the missing option. Reading clears the log: no note is sent twice. */
#include "init.h"

#include <string.h>
#include <sys/klog.h>

#define SYSLOG_ACTION_READ_CLEAR 4

static char klog[1 << 17]; /* the kernel's default log buffer (LOG_BUF_SHIFT 17) */

/* Sends every line of text that holds tag, as "KEY REST-OF-LINE". */
static void send_notes(const char *text, const char *tag, const char *key)
{
	size_t n = strlen(tag);

	for (const char *p = text; (p = strstr(p, tag)); p += n) {
		const char *rest = p + n;
		int len = (int)strcspn(rest, "\n");
		ctl("%s %.*s", key, len, rest);
	}
}

void klog_report(void)
{
	int n = klogctl(SYSLOG_ACTION_READ_CLEAR, klog, (int)sizeof(klog) - 1);

	if (n <= 0) /* a kernel without CONFIG_PRINTK keeps no log */
		return;
	klog[n] = '\0';
	send_notes(klog, "lupine-missing: ", LUPINE_CTL_MISSING);
	send_notes(klog, "lupine-used: ", LUPINE_CTL_USED);
}
