/* report_apps.c: the applications of `lupine bench report`: each app's recipe
 * built on the kernels it is compared on, and its client check as readiness. */
#include "apps/build.h"
#include "bench/report.h"
#include "bundle/ready.h"
#include "vm/vmm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int report_variant_wanted(const struct report *r, const char *variant)
{
	if (!strcmp(variant, "microvm"))
		return strlist_has(&r->baselines, "microvm");
	return 1;
}

/* The kernel a report variant names. */
static enum apps_kernel kernel_of(const char *variant)
{
	if (!strcmp(variant, "kml"))
		return APPS_KML;
	if (!strcmp(variant, "general"))
		return APPS_GENERAL;
	return !strcmp(variant, "microvm") ? APPS_MICROVM : APPS_OWN;
}

char *report_bundle(struct report *r, const char *app, const char *variant)
{
	char *key = xasprintf("%s/%s", app, variant), *dir = report_path(r, "bundles");
	char *out = xasprintf("%s/%s-%s.lupine", dir, app, variant);
	char *log = xasprintf("%s/%s-%s.build.log", dir, app, variant);
	struct strbuf err = {0};

	if (!strlist_has(&r->built, key)) {
		note("report: building %s on its %s kernel ...", app, variant);
		mkdir_p(dir, 0755);
		if (apps_build(app, out, kernel_of(variant), log, &err) < 0) {
			report_md(r, "\n**%s on %s: the build failed** (%s): %.300s", app, variant, log, err.buf);
			r->trouble = 1;
			free(out);
			out = NULL;
		} else {
			strlist_add(&r->built, key);
		}
	}
	sb_release(&err);
	free(log);
	free(dir);
	free(key);
	return out;
}

void report_readiness(struct report *r, const struct recipe *rec, const char *variant, struct readiness *rd,
		      char **port, char **log)
{
	char *logs = report_path(r, "logs");
	int hp = vm_port_unused();

	mkdir_p(logs, 0755);
	*port = rec->ports.n ? xasprintf("%d:%s", hp, rec->ports.v[0]) : NULL;
	*log = xasprintf("%s/%s-%s.run.log", logs, rec->name, variant);
	*rd = (struct readiness){.port = *port, .host_port = hp, .probe = rec->check, .expect = rec->expect,
				 .log = *log};
	free(logs);
}
