/* kspec.c: which fragments make a kernel: base, app manifests, general, tiny, user files. */
#include "kernel/kspec.h"
#include "kernel/kbaseline.h"
#include "kernel/configs.h"
#include "lib/embedded.h"
#include "kernel/kbuild.h"
#include "kernel/ksource.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A copy of str that lives as long as s. */
static const char *keep(struct kspec *s, const char *str)
{
	strlist_add(&s->owned, str);
	return s->owned.v[s->owned.n - 1];
}

void kspec_add_app(struct kspec *s, const char *name)
{
	s->apps = xrealloc(s->apps, (s->napps + 1) * sizeof(*s->apps));
	s->apps[s->napps++] = keep(s, name);
}

void kspec_add_file(struct kspec *s, const char *path)
{
	s->files = xrealloc(s->files, (s->nfiles + 1) * sizeof(*s->files));
	s->files[s->nfiles++] = keep(s, path);
}

void kspec_parse(struct kspec *s, const char *words)
{
	char *copy = xstrdup(words), *save = NULL;

	for (char *w = strtok_r(copy, "+", &save); w; w = strtok_r(NULL, "+", &save)) {
		if (!strcmp(w, "base"))
			continue;
		if (!strcmp(w, "general")) {
			s->general = 1;
		} else if (!strcmp(w, "tiny")) {
			s->tiny = 1;
		} else if (!strcmp(w, "kml")) {
			s->kml = 1;
		} else if (kbaseline_known(w)) {
			s->baseline = keep(s, w);
		} else {
			kspec_add_app(s, w);
		}
	}
	free(copy);
}

void kspec_release(struct kspec *s)
{
	free(s->apps);
	free(s->files);
	strlist_release(&s->owned);
	memset(s, 0, sizeof(*s));
}

static int add(struct kconfig_frag **frags, size_t *n, const char *name, const char *text, int layer,
	       struct strbuf *err)
{
	*frags = xrealloc(*frags, (*n + 1) * sizeof(**frags));
	memset(&(*frags)[*n], 0, sizeof(**frags));
	return kconfig_frag_parse(&(*frags)[(*n)++], name, text, layer, err);
}

static int add_app(struct kconfig_frag **frags, size_t *n, struct strbuf *label, const char *app,
		   struct strbuf *err)
{
	char *name = xasprintf("apps/%s", app);
	const char *text = configs_text(name);
	int r;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*frags)[i].name, name)) {
			free(name);
			return 0; /* named twice, or already in general */
		}
	if (!text) {
		sb_addf(err, "unknown application manifest '%s'; 'lupine kernel --list' shows the known ones", app);
		free(name);
		return -1;
	}
	r = add(frags, n, name, text, 1, err);
	sb_addf(label, " + %s", name);
	free(name);
	return r;
}

/* Every app manifest, for "general"; the label says "general" rather than naming each one. */
static int add_general(struct kconfig_frag **frags, size_t *n, struct strbuf *err)
{
	const char *const *apps;
	size_t napps = configs_apps(&apps);
	struct strbuf quiet = {0};

	for (size_t i = 0; i < napps; i++)
		if (add_app(frags, n, &quiet, apps[i], err) < 0) {
			sb_release(&quiet);
			return -1;
		}
	sb_release(&quiet);
	/* what containers ask beyond any app (configs/container.config) */
	return add(frags, n, "container", configs_text("container") ? configs_text("container") : "", 1, err);
}

static int add_files(struct kconfig_frag **frags, size_t *n, struct strbuf *label, const struct kspec *s,
		     struct strbuf *err)
{
	for (size_t i = 0; i < s->nfiles; i++) {
		char *text = file_read(s->files[i], NULL);
		if (!text) {
			sb_addf(err, "cannot read config fragment '%s': %s", s->files[i], strerror(errno));
			return -1;
		}
		int r = add(frags, n, s->files[i], text, 1, err);
		free(text);
		if (r < 0)
			return -1;
		sb_addf(label, " + %s", s->files[i]);
	}
	return 0;
}

static int add_kml(struct kconfig_frag **frags, size_t *n, struct strbuf *label, const struct kspec *s,
		   struct strbuf *err)
{
	const char *kml = configs_text("kml");
	if (!kml) {
		sb_adds(err, "this lupine has no configs/kml.config");
		return -1;
	}
	/* the control kernel for measurements: identical but for KML itself */
	static const char on[] = "CONFIG_KERNEL_MODE_LINUX=y";
	const char *at = strstr(kml, on);
	struct strbuf sb = {0};
	if (s->kml == KSPEC_KML_OFF && at) {
		sb_add(&sb, kml, (size_t)(at - kml));
		sb_adds(&sb, "# CONFIG_KERNEL_MODE_LINUX is not set");
		sb_adds(&sb, at + strlen(on));
	} else {
		sb_adds(&sb, kml);
	}
	char *text = sb_detach(&sb);
	int r = add(frags, n, s->kml == KSPEC_KML_OFF ? "kml-off" : "kml", text, 1, err);
	free(text);
	if (r < 0)
		return -1;
	sb_adds(label, s->kml == KSPEC_KML_OFF ? " + kml(off)" : " + kml");
	return 0;
}

/* A baseline's complete config (layer 0) and Lupine's additions to it. */
static int add_baseline(struct kconfig_frag **frags, size_t *n, struct strbuf *label, const struct kspec *s,
			struct strbuf *err)
{
	char *full, *name, *extra;
	int r;

	if (s->napps || s->general || s->tiny || s->kml) {
		sb_addf(err, "the %s baseline is a complete config of its own: it takes no --app, --general, "
			     "--tiny or --kml (--config adds to it)", s->baseline);
		return -1;
	}
	if (!(full = kbaseline_config(s->baseline, err)))
		return -1;
	name = xasprintf("baselines/%s", s->baseline);
	r = add(frags, n, name, full, 0, err);
	free(full);
	free(name);
	if (r < 0)
		return -1;
	name = xasprintf("baselines/%s-lupine", s->baseline);
	extra = (char *)configs_text(name);
	r = add(frags, n, name, extra ? extra : "", 1, err);
	free(name);
	sb_addf(label, "%s (baseline)", s->baseline);
	return r < 0 ? -1 : add_files(frags, n, label, s, err);
}

int kspec_fragments(const struct kspec *s, struct kconfig_frag **frags, size_t *n, char **label,
		    struct strbuf *err)
{
	struct strbuf lb = {0};
	const char *base = configs_text("base");
	int ret = -1;

	*frags = NULL;
	*n = 0;
	if (s->baseline) {
		ret = add_baseline(frags, n, &lb, s, err);
		goto out;
	}
	if (!base) {
		sb_adds(err, "the base config fragment is missing (LUPINE_CONFIGS_DIR points at a directory without base.config?)");
		goto out;
	}
	if (add(frags, n, "base", base, 0, err) < 0)
		goto out;
	sb_adds(&lb, s->general ? "general" : "base");
	if (s->general && add_general(frags, n, err) < 0)
		goto out;
	for (size_t i = 0; i < s->napps; i++)
		if (add_app(frags, n, &lb, s->apps[i], err) < 0)
			goto out;
	if (add_files(frags, n, &lb, s, err) < 0 || (s->kml && add_kml(frags, n, &lb, s, err) < 0))
		goto out;
	if (s->tiny) {
		if (add(frags, n, "tiny", configs_text("tiny") ? configs_text("tiny") : "", 1, err) < 0)
			goto out;
		sb_adds(&lb, " + tiny");
	}
	ret = 0;
out:
	if (ret < 0) {
		kspec_free_fragments(*frags, *n);
		*frags = NULL;
		*n = 0;
		sb_release(&lb);
		*label = NULL;
	} else {
		*label = sb_detach(&lb);
	}
	return ret;
}

void kspec_free_fragments(struct kconfig_frag *frags, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kconfig_frag_release(&frags[i]);
	free(frags);
}

static int apply_patch(struct ksource *src, const char *name, struct strbuf *err)
{
	char *file = xasprintf("%s.patch", name);
	const struct embedded_file *p = embedded_find(embedded_patches, file);

	if (!p)
		sb_addf(err, "this lupine was built without kernel/%s", file);
	free(file);
	return p ? ksource_patch(src, name, (const char *)p->data, err) : -1;
}

int kspec_patch_source(const struct kspec *s, struct ksource *src, struct strbuf *err)
{
	if (s->baseline)
		return 0; /* the kernel as its distributor builds it */
	/* every kernel names the compiled-out features its programs reach for */
	if (apply_patch(src, "missing", err) < 0)
		return -1;
	return s->kml ? apply_patch(src, "kml", err) : 0;
}

/* Fragments, source and patches for spec s, and *req over them: the common
 * start of kspec_kernel and kspec_config. Returns 0, or -1 with err set. */
static int prepare(const struct kspec *s, const char *source, struct kconfig_frag **frags, size_t *n,
		   struct ksource *src, char **label, struct kbuild_req *req, struct strbuf *err)
{
	*label = NULL;
	if (kspec_fragments(s, frags, n, label, err) < 0 || ksource_open(src, source, err) < 0 ||
	    kspec_patch_source(s, src, err) < 0)
		return -1;
	*req = (struct kbuild_req){.src = src, .frags = *frags, .nfrags = *n, .label = *label,
				   .complete = s->baseline != NULL};
	return 0;
}

char *kspec_config(const struct kspec *s, const char *source, char **label, struct strbuf *err)
{
	struct kconfig_frag *frags = NULL;
	struct ksource src = {0};
	struct kbuild_req req;
	size_t n = 0;
	char *config = NULL;

	if (prepare(s, source, &frags, &n, &src, label, &req, err) == 0)
		config = kbuild_resolve(&req, err);
	if (!config) {
		free(*label);
		*label = NULL;
	}
	kspec_free_fragments(frags, n);
	ksource_release(&src);
	return config;
}

int kspec_kernel(const struct kspec *s, const struct kspec_build *o, struct kbuild_result *res, char **label,
		 struct strbuf *err)
{
	struct kconfig_frag *frags = NULL;
	struct ksource src = {0};
	struct kbuild_req req;
	size_t n = 0;
	int ret = -1;

	if (prepare(s, o->source, &frags, &n, &src, label, &req, err) < 0)
		goto out;
	req.jobs = o->jobs;
	req.force = o->force;
	req.cached_only = o->cached_only;
	if (kbuild_get(&req, res, err) < 0)
		goto out;
	for (size_t i = 1; o->names && i < n; i++)
		strlist_add(o->names, frags[i].name);
	ret = 0;
out:
	if (ret < 0) {
		free(*label);
		*label = NULL;
	}
	kspec_free_fragments(frags, n);
	ksource_release(&src);
	return ret;
}
