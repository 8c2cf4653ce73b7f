/* test_kconfig.c: fragment parsing, merging and the Kconfig index that explains failures. */
#include "harness.h"
#include "kernel/configs.h"
#include "kernel/kconfig.h"
#include "kernel/kindex.h"
#include "kernel/kspec.h"

#include <stdlib.h>
#include <string.h>

static void parse_ok(struct kconfig_frag *f, const char *name, const char *text, int layer)
{
	struct strbuf err = {0};
	memset(f, 0, sizeof(*f));
	CHECK_INT(kconfig_frag_parse(f, name, text, layer, &err), 0);
	if (err.len)
		check_fail(__FILE__, __LINE__, "unexpected parse error: %s", err.buf);
	sb_release(&err);
}

static void test_parse_lines(void)
{
	struct kconfig_frag f;
	parse_ok(&f, "t",
		 "# the event loop uses epoll_wait\n"
		 "CONFIG_EPOLL=y\n"
		 "\n"
		 "CONFIG_FUTEX=y   # pthread mutexes\n"
		 "# CONFIG_SMP is not set\n"
		 "CONFIG_CMDLINE=\"a # b\"\n" /* a string may hold a hash */
		 "CONFIG_NR=4\n",
		 1);
	CHECK_INT(f.n, 5);
	CHECK(!strcmp(f.e[0].name, "EPOLL") && !strcmp(f.e[0].value, "y"));
	CHECK(f.e[0].why && !strcmp(f.e[0].why, "the event loop uses epoll_wait"));
	CHECK(f.e[1].why && !strcmp(f.e[1].why, "pthread mutexes"));
	CHECK(!strcmp(f.e[2].name, "SMP") && !strcmp(f.e[2].value, "n"));
	CHECK(!strcmp(f.e[3].value, "\"a # b\""));
	CHECK(!strcmp(f.e[4].value, "4") && f.e[4].line == 7);
	CHECK(!strcmp(kconfig_lookup(&f, "SMP"), "n"));
	CHECK(!strcmp(kconfig_lookup(&f, "ABSENT"), "n"));
	kconfig_frag_sort(&f);
	CHECK(!strcmp(kconfig_lookup(&f, "NR"), "4"));
	CHECK_INT(kconfig_count_y(&f), 2);
	kconfig_frag_release(&f);
}

static void test_parse_errors(void)
{
	struct kconfig_frag f = {0};
	struct strbuf err = {0};
	CHECK_INT(kconfig_frag_parse(&f, "bad.config", "CONFIG_OK=y\nEPOLL=y\nCONFIG_X=\nCONFIG_B-AD=y\n", 1, &err), -1);
	CHECK_CONTAINS(err.buf, "bad.config:2: cannot parse 'EPOLL=y'");
	CHECK_CONTAINS(err.buf, "bad.config:3:");
	CHECK_CONTAINS(err.buf, "bad.config:4:");
	CHECK_NOT_CONTAINS(err.buf, "bad.config:1:");
	kconfig_frag_release(&f);
	sb_release(&err);
}

/* A string value is plain text: a derived fragment once turned a forged note
 * into INITRAMFS_SOURCE="...`cmd`"#=y, which the kernel's build ran. */
static void test_parse_refused(void)
{
	static const char *const bad[] = {
	    "CONFIG_INITRAMFS_SOURCE=\"/x`touch${IFS}/tmp/pwned`\"#=y", "CONFIG_CMDLINE=\"a\\\"b\"",
	    "CONFIG_CMDLINE=\"$(reboot)\"", "CONFIG_CMDLINE=\"`id`\"", "CONFIG_CMDLINE=\"x\" # why",
	    "CONFIG_CMDLINE=\"x\"y", "CONFIG_X=$HOME", "CONFIG_X=`id`", "CONFIG_X=a;b", "CONFIG_X=\"open",
	    "CONFIG_A=B=y", "CONFIG_ A=y", "CONFIG_X\"=y",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct kconfig_frag f = {0};
		struct strbuf err = {0};
		char *text = xasprintf("CONFIG_OK=y\n%s\n", bad[i]);
		CHECK_INT(kconfig_frag_parse(&f, "evil.config", text, 1, &err), -1);
		CHECK_CONTAINS(err.buf, "evil.config:2: ");
		CHECK(err.buf && strchr(err.buf, '\n') == err.buf + err.len - 1); /* one line */
		CHECK_INT(f.n, 1);
		kconfig_frag_release(&f);
		sb_release(&err);
		free(text);
	}
	struct kconfig_frag f;
	parse_ok(&f, "good.config", "CONFIG_S=\"plain text, (none) 1.2-3 # too\"\nCONFIG_H=0x10\nCONFIG_N=-1\n", 1);
	CHECK_INT(f.n, 3);
	kconfig_frag_release(&f);
}

static void test_merge_conflict(void)
{
	struct kconfig_frag fr[3], out = {0};
	struct strbuf err = {0};
	parse_ok(&fr[0], "base", "CONFIG_A=y\n# CONFIG_B is not set\n", 0);
	parse_ok(&fr[1], "apps/x", "CONFIG_C=y\nCONFIG_A=y\n", 1);
	parse_ok(&fr[2], "apps/y", "# CONFIG_C is not set\n", 1);
	CHECK_INT(kconfig_merge(&out, fr, 3, &err), -1);
	CHECK_CONTAINS(err.buf, "conflicting values for CONFIG_C: apps/x:1 wants y, apps/y:1 wants not set");
	for (int i = 0; i < 3; i++)
		kconfig_frag_release(&fr[i]);
	kconfig_frag_release(&out);
	sb_release(&err);
}

static void test_merge_override_base(void)
{
	struct kconfig_frag fr[2], out = {0};
	struct strbuf err = {0};
	parse_ok(&fr[0], "base", "# CONFIG_B is not set\nCONFIG_A=y\n", 0);
	parse_ok(&fr[1], "tiny", "CONFIG_B=y  # tiny turns it on\n", 1);
	CHECK_INT(kconfig_merge(&out, fr, 2, &err), 0);
	CHECK(!strcmp(kconfig_lookup(&out, "B"), "y"));
	char *text = kconfig_render(&out);
	CHECK_CONTAINS(text, "CONFIG_B=y\n");
	CHECK_CONTAINS(text, "CONFIG_A=y\n");
	CHECK_NOT_CONTAINS(text, "CONFIG_B is not set");
	free(text);
	for (int i = 0; i < 2; i++)
		kconfig_frag_release(&fr[i]);
	kconfig_frag_release(&out);
	sb_release(&err);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	char *slash = strrchr(p, '/');
	*slash = 0;
	mkdir_p(p, 0755);
	*slash = '/';
	CHECK_INT(file_write_atomic(p, text, strlen(text), 0644), 0);
	free(p);
}

/* A miniature kernel tree exercising the parts of Kconfig the index reads. */
static struct kindex *mini_tree(void)
{
	const char *d = test_tmpdir();
	struct strbuf err = {0};
	write_file(d, "Kconfig",
		   "mainmenu \"mini\"\n"
		   "config NET\n\tbool \"Networking\"\n"
		   "if NET\nconfig INET\n\tbool \"TCP/IP\"\nendif\n"
		   "config VIRTIO\n\tbool\n"
		   "config VIRTIO_NET\n\ttristate \"virtio net\"\n\tdepends on NET && \\\n\t\tINET\n"
		   "\tselect VIRTIO\n\thelp\n\t  Help text mentioning\n\n\t  config NOT_A_SYMBOL\n"
		   "config INITRAMFS_SOURCE\n\tstring \"files\"\n"
		   "source \"arch/$(SRCARCH)/Kconfig\"\n");
	write_file(d, "arch/x86/Kconfig", "menu \"Deep\"\n\tdepends on INET\nconfig DEEP\n\tbool \"deep\"\nendmenu\n"
					  "config NET\n\tdef_bool y\nconfig NR_CPUS\n\tint\nconfig TYPELESS\n");
	struct kindex *idx = kindex_load(d, "x86", &err);
	CHECK(idx != NULL);
	sb_release(&err);
	return idx;
}

static void test_index_explains(void)
{
	struct kindex *idx = mini_tree();
	struct kconfig_frag final;
	struct strbuf out = {0};

	if (!idx)
		return;
	CHECK(kindex_has(idx, "VIRTIO_NET"));
	CHECK(kindex_has(idx, "DEEP"));
	CHECK(!kindex_has(idx, "NOT_A_SYMBOL"));
	/* what a derived fragment may set to y: a bool or tristate, nothing else */
	CHECK(kindex_is_bool(idx, "NET") && kindex_is_bool(idx, "VIRTIO") && kindex_is_bool(idx, "VIRTIO_NET"));
	CHECK(!kindex_is_bool(idx, "INITRAMFS_SOURCE") && !kindex_is_bool(idx, "NR_CPUS"));
	CHECK(!kindex_is_bool(idx, "TYPELESS") && !kindex_is_bool(idx, "NOT_A_SYMBOL"));
	CHECK(!strcmp(kindex_type(idx, "VIRTIO_NET"), "tristate") && !strcmp(kindex_type(idx, "NR_CPUS"), "int"));
	parse_ok(&final, ".config", "CONFIG_NET=y\nCONFIG_VIRTIO=y\n", 0);
	kconfig_frag_sort(&final);

	kindex_explain(idx, "VIRTIO_NETT", "y", "n", &final, &out);
	CHECK_CONTAINS(out.buf, "no such option");
	CHECK_CONTAINS(out.buf, "did you mean CONFIG_VIRTIO_NET?");
	out.len = 0;
	kindex_explain(idx, "VIRTIO_NET", "y", "n", &final, &out);
	CHECK_CONTAINS(out.buf, "depends on 'NET &&");
	CHECK_CONTAINS(out.buf, "CONFIG_INET is not set");
	out.len = 0;
	kindex_explain(idx, "DEEP", "y", "n", &final, &out);
	CHECK_CONTAINS(out.buf, "depends on 'INET' (arch/x86/Kconfig");
	kconfig_frag_release(&final);

	parse_ok(&final, ".config", "CONFIG_NET=y\nCONFIG_INET=y\nCONFIG_VIRTIO_NET=y\nCONFIG_VIRTIO=y\n", 0);
	kconfig_frag_sort(&final);
	out.len = 0;
	kindex_explain(idx, "VIRTIO", "n", "y", &final, &out);
	CHECK_CONTAINS(out.buf, "selected by CONFIG_VIRTIO_NET");
	kconfig_frag_release(&final);
	sb_release(&out);
	kindex_free(idx);
}

/* Every shipped fragment parses, and base + all apps + tiny merges without conflict. */
static void test_shipped_configs(void)
{
	struct kspec spec = {.general = 1, .tiny = 1};
	struct kconfig_frag *frags, merged = {0};
	struct strbuf err = {0};
	const char *const *apps;
	size_t n, napps = configs_apps(&apps);
	char *label;

	CHECK(configs_text("base") != NULL);
	CHECK(configs_text("tiny") != NULL);
	CHECK_INT(napps, 20);
	CHECK_INT(kspec_fragments(&spec, &frags, &n, &label, &err), 0);
	if (err.len)
		check_fail(__FILE__, __LINE__, "%s", err.buf);
	CHECK_INT(n, 23); /* base, 20 apps, container, tiny */
	CHECK_INT(kconfig_merge(&merged, frags, n, &err), 0);
	CHECK(!strcmp(label, "general + tiny"));
	CHECK(!strcmp(kconfig_lookup(&merged, "EPOLL"), "y"));
	kconfig_frag_release(&merged);
	kspec_free_fragments(frags, n);
	free(label);
	sb_release(&err);
}

static void test_unknown_app(void)
{
	struct kspec spec = {0};
	struct kconfig_frag *frags;
	struct strbuf err = {0};
	size_t n;
	char *label;

	kspec_add_app(&spec, "nosuchapp");
	CHECK_INT(kspec_fragments(&spec, &frags, &n, &label, &err), -1);
	CHECK_CONTAINS(err.buf, "unknown application manifest 'nosuchapp'");
	kspec_release(&spec);
	sb_release(&err);
}

/* A kernel SPEC's words: keywords, baselines, and app names (kept as copies). */
static void test_kspec_words(void)
{
	struct kspec ks = {0};
	char words[] = "base+redis+nginx+kml";

	kspec_parse(&ks, words);
	strcpy(words, "xxxxxxxxxxxxxxxxxxx");
	CHECK_INT(ks.napps, 2);
	CHECK(ks.napps == 2 && !strcmp(ks.apps[0], "redis") && !strcmp(ks.apps[1], "nginx"));
	CHECK(ks.kml && !ks.general && !ks.tiny && !ks.baseline);
	kspec_release(&ks);
	kspec_parse(&ks, "general+tiny");
	CHECK(ks.general && ks.tiny && !ks.napps);
	kspec_release(&ks);
	kspec_parse(&ks, "microvm");
	CHECK(ks.baseline && !strcmp(ks.baseline, "microvm") && !ks.napps);
	kspec_release(&ks);
	kspec_parse(&ks, "base");
	CHECK(!ks.napps && !ks.general && !ks.baseline);
	kspec_release(&ks);
}

const struct test kconfig_tests[] = {
	{"kconfig/kspec-words", test_kspec_words, 0},
	{"kconfig/parse-lines", test_parse_lines, 0},
	{"kconfig/parse-errors", test_parse_errors, 0},
	{"kconfig/parse-refused", test_parse_refused, 0},
	{"kconfig/merge-conflict", test_merge_conflict, 0},
	{"kconfig/merge-override-base", test_merge_override_base, 0},
	{"kconfig/index-explains", test_index_explains, 0},
	{"kconfig/shipped-configs", test_shipped_configs, 0},
	{"kconfig/unknown-app", test_unknown_app, 0},
	{0, 0, 0},
};
