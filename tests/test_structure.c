/* test_structure.c: the shape of the code: the arrows between src/ folders
 * run one way, a command includes no other command, files and functions stay small. */
#include "harness.h"
#include "lib/util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

/* The arrows between src/ folders run one way (src/README.md): a folder
 * includes only itself and the folders listed for it, and another folder's
 * NAME_impl.h (its private tables) never. */
static const struct {
	const char *dir, *may;
} layers[] = {
	{"lib", " lib "},
	{"stage", " lib stage "},
	{"source", " lib stage source "},
	{"kernel", " lib kernel "},
	{"manifest", " lib stage source kernel rootfs vm bundle guest manifest "},
	{"oci", " lib stage source kernel rootfs vm bundle guest manifest oci "},
	{"rootfs", " lib rootfs "},
	{"vm", " lib rootfs vm guest "},
	{"bundle", " lib stage source kernel rootfs vm bundle guest "},
	{"apps", " lib kernel vm bundle manifest apps "},
	{"bench", " lib kernel rootfs vm bundle manifest apps bench "},
	{"cmd", " lib stage source kernel manifest rootfs vm bundle guest oci apps bench cmd "},
};

static void check_includes(const char *dir, const char *may, const char *file)
{
	char *path = xasprintf("src/%s/%s", dir, file), *text = file_read(path, NULL);

	CHECK(text != NULL);
	for (char *p = text; p && (p = strstr(p, "#include \"")); p++) {
		char *q = p + 10, *slash = strchr(q, '/'), *quote = strchr(q, '"');
		if (!slash || !quote || slash > quote)
			continue;
		char *folder = xasprintf(" %.*s ", (int)(slash - q), q), *own = xasprintf(" %s ", dir);
		if (!strstr(may, folder))
			check_fail(__FILE__, __LINE__, "%s includes %.*s: %s may not call up", path, (int)(quote - q), q,
				   dir);
		else if (strcmp(folder, own) && quote - q > 7 && !strncmp(quote - 7, "_impl.h", 7))
			check_fail(__FILE__, __LINE__, "%s includes %.*s: private to its folder", path,
				   (int)(quote - q), q);
		else if (!strcmp(dir, "cmd") && !strcmp(folder, " cmd ") && strncmp(q, "cmd/cmds.h\"", 11) &&
			 strncmp(q, "cmd/options.h\"", 14))
			check_fail(__FILE__, __LINE__, "%s includes %.*s: a command calls libraries, not another command",
				   path, (int)(quote - q), q);
		free(own);
		free(folder);
	}
	free(text);
	free(path);
}

static void test_layering(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(layers); i++) {
		char *d = xasprintf("src/%s", layers[i].dir);
		DIR *dir = opendir(d);
		struct dirent *de;
		CHECK(dir != NULL);
		while (dir && (de = readdir(dir)))
			if (str_ends(de->d_name, ".c") || str_ends(de->d_name, ".h"))
				check_includes(layers[i].dir, layers[i].may, de->d_name);
		if (dir)
			closedir(dir);
		free(d);
	}
}

/* Longest function body in text: from a line "{" or a definition line at
 * column 0 ending in "{" (not a struct or initialiser), to the "}" at column 0. */
static int longest_function(const char *text, int *at)
{
	int line = 1, start = 0, longest = 0;

	for (const char *p = text; *p; line++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int opens = len && p[len - 1] == '{' && p[0] != ' ' && p[0] != '\t' && p[0] != '#' &&
			    (len == 1 || (memchr(p, '(', len) && !memchr(p, '=', len)));
		if (!start && opens)
			start = line;
		else if (start && len == 1 && p[0] == '}') {
			if (line - start > longest)
				longest = line - start, *at = start;
			start = 0;
		}
		p = nl ? nl + 1 : p + len;
	}
	return longest;
}

/* Files of at most 400 lines, functions of at most 60, in src/, guest/ and tests/. */
static void test_sizes(void)
{
	static const char *const dirs[] = {"src", "src/apps", "src/bench", "src/bundle", "src/cmd", "src/kernel",
					   "src/lib", "src/manifest", "src/oci", "src/rootfs", "src/source",
					   "src/stage", "src/vm", "guest", "guest/init", "tests", "tests/cri"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (!str_ends(de->d_name, ".c") && !str_ends(de->d_name, ".h"))
				continue;
			char *path = xasprintf("%s/%s", dirs[i], de->d_name), *text = file_read(path, NULL);
			int lines = 0, at = 0, fn = text ? longest_function(text, &at) : 0;
			for (const char *p = text; p && *p; p++)
				lines += *p == '\n';
			if (lines > 400)
				check_fail(__FILE__, __LINE__, "%s has %d lines: split it", path, lines);
			if (fn > 60)
				check_fail(__FILE__, __LINE__, "%s:%d: a function of %d lines: split it", path, at, fn);
			free(text);
			free(path);
		}
		if (d)
			closedir(d);
	}
}

const struct test structure_tests[] = {
	{"unit/layering", test_layering, 0},
	{"unit/sizes", test_sizes, 0},
	{0, 0, 0},
};
