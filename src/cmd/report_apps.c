/* report_apps.c: the applications of `lupine bench report`: each app's recipe
 * built on the kernels it is compared on, and its client check as readiness. */
#include "bench/report.h"
#include "bundle/recipe.h"
#include "cmd/readiness.h"
#include "cmd/report_apps.h"
#include "lib/progress.h"
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

char *report_bundle(struct report *r, const char *app, const char *variant)
{
	char *key = xasprintf("%s/%s", app, variant), *src = xasprintf("app:%s", app);
	char *dir = report_path(r, "bundles"), *out = xasprintf("%s/%s-%s.lupine", dir, app, variant);
	char *log = xasprintf("%s/%s-%s.build.log", dir, app, variant);
	const char *flag = !strcmp(variant, "kml") ? "--kml" : !strcmp(variant, "general") ? "--general" : NULL;
	char *argv[] = {"/proc/self/exe", "build", src, "-q", "-o", out, (char *)flag, NULL, NULL};

	if (!strcmp(variant, "microvm")) {
		argv[6] = "--baseline";
		argv[7] = "microvm";
	}
	if (!strlist_has(&r->built, key)) {
		char *label = xasprintf("report: building %s on its %s kernel", app, variant);
		mkdir_p(dir, 0755);
		if (progress_run_logged(argv, log, label) != 0) {
			char *why = file_tail(log, 300);
			report_md(r, "\n**%s on %s: the build failed** (%s): %s", app, variant, log, why);
			r->trouble = 1;
			free(why);
			free(out);
			out = NULL;
		} else {
			strlist_add(&r->built, key);
		}
		free(label);
	}
	free(log);
	free(dir);
	free(src);
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
