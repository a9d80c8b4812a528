/* SPDX-License-Identifier: MIT */
/*
 * rulescmd.c - `zt-controller rules compile FILE` (see rulescmd.h).
 *
 * The JSON goes to stdout, ready to POST as a network's "rules",
 * "capabilities" and "tags"; an error goes to stderr as
 * FILE:LINE:COLUMN: message (the form editors jump to) and exits 1.
 * FILE "-" is stdin.
 */
#include "controller/rulescmd.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/rulesc.h"

static const char usage_line[] = "usage: zt-controller rules compile FILE";

/* The whole of f into a malloc'd buffer (*len bytes): 0, -EFBIG past
 * ZT_RULESC_SRC_MAX, or a negative errno. */
static int slurp(FILE *f, char **out, size_t *len)
{
	char *buf = malloc(ZT_RULESC_SRC_MAX + 1);
	size_t n = 0, got;

	*out = NULL;
	if (buf == NULL)
		return -ENOMEM;
	/* One byte more than allowed tells "too large" from "just fits". */
	while (n <= ZT_RULESC_SRC_MAX &&
	       (got = fread(buf + n, 1, ZT_RULESC_SRC_MAX + 1 - n, f)) > 0)
		n += got;
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	if (n > ZT_RULESC_SRC_MAX) {
		free(buf);
		return -EFBIG;
	}
	*out = buf;
	*len = n;
	return 0;
}

int zt_rulescmd_main(int argc, char **argv)
{
	struct zt_rulesc_error e;
	const char *path;
	json_t *j = NULL;
	char *src = NULL, *text = NULL;
	size_t len = 0;
	FILE *f;
	int r, rc = 1;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("%s\n\n"
		       "  compile a rule script (ZeroTier's rules language, doc/rules.md) to the\n"
		       "  JSON of a network's \"rules\", \"capabilities\" and \"tags\"; FILE - is\n"
		       "  stdin.  Errors: FILE:LINE:COLUMN: what was expected (exit 1).\n",
		       usage_line);
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "compile") != 0) {
		fprintf(stderr, "zt-controller: %s\n", usage_line);
		return 1;
	}
	path = argv[2];
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "zt-controller: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	r = slurp(f, &src, &len);
	if (f != stdin)
		fclose(f);
	if (r == -EFBIG) {
		fprintf(stderr, "zt-controller: %s: larger than %d bytes\n", path,
		        ZT_RULESC_SRC_MAX);
		goto out;
	}
	if (r < 0) {
		fprintf(stderr, "zt-controller: cannot read %s: %s\n", path, strerror(-r));
		goto out;
	}
	if (zt_rulesc_compile(src, len, &j, &e) < 0) {
		if (e.line > 0)
			fprintf(stderr, "%s:%u:%u: %s\n", path, e.line, e.column, e.msg);
		else
			fprintf(stderr, "zt-controller: %s: %s\n", path, e.msg);
		goto out;
	}
	text = json_dumps(j, JSON_INDENT(2));
	if (text == NULL) {
		fprintf(stderr, "zt-controller: out of memory\n");
		goto out;
	}
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "zt-controller: cannot write the output: %s\n", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(src);
	json_decref(j);
	return rc;
}
