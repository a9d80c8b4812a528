/* SPDX-License-Identifier: MIT */
/*
 * fuzz_rulesc.c - libFuzzer target for the rules language compiler
 * (controller/rulesc.c): any bytes as a script.  Beyond "no crash, no
 * leak": an error names a place inside the script (or none only when the
 * script is too large) and a message, in UTF-8 when the script is; a
 * success is the three arrays within their bounds, every entry an object
 * with a "type"; and compiling twice gives the same JSON.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "controller/rulesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rules(const json_t *rules, size_t max)
{
	const json_t *r;
	size_t i;

	if (!json_is_array(rules) || json_array_size(rules) > max)
		abort();
	json_array_foreach(rules, i, r)
	{
		if (!json_is_string(json_object_get(r, "type")))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zt_rulesc_error e, e2;
	json_t *j, *j2, *c, *names;
	unsigned lines = 1;
	size_t i;
	int r = zt_rulesc_compile((const char *)data, size, &j, &e);
	/* The second time with the names: the same answer, and a name for
	 * every tag and capability. */
	int r2 = zt_rulesc_compile_named((const char *)data, size, &j2, &names, &e2);

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (r != r2)
		abort();
	if (r < 0) {
		if (j != NULL || j2 != NULL || names != NULL || e.msg[0] == '\0' ||
		    strcmp(e.msg, e2.msg) != 0)
			abort();
		if (r == -EINVAL && (e.line < 1 || e.line > lines || e.column < 1))
			abort();
		if (r != -EINVAL && r != -EFBIG && r != -ENOMEM)
			abort();
		/* A script in UTF-8 (as the admin API gets it, in a JSON
		 * string) gets a message in UTF-8. */
		if ((c = json_stringn((const char *)data, size)) != NULL) {
			json_decref(c);
			if ((c = json_string(e.msg)) == NULL)
				abort();
			json_decref(c);
		}
		return 0;
	}
	if (!json_equal(j, j2))
		abort();
	check_rules(json_object_get(j, "rules"), ZT_RULESC_BASE_MAX);
	if (!json_is_array(json_object_get(j, "capabilities")) ||
	    json_array_size(json_object_get(j, "capabilities")) > ZT_RULESC_CAPS_MAX ||
	    !json_is_array(json_object_get(j, "tags")) ||
	    json_array_size(json_object_get(j, "tags")) > ZT_RULESC_TAGS_MAX)
		abort();
	json_array_foreach(json_object_get(j, "capabilities"), i, c)
	    check_rules(json_object_get(c, "rules"), ZT_RULESC_CAP_RULES_MAX);
	if (json_object_size(json_object_get(names, "tagsByName")) !=
	        json_array_size(json_object_get(j, "tags")) ||
	    json_object_size(json_object_get(names, "capabilitiesByName")) !=
	        json_array_size(json_object_get(j, "capabilities")))
		abort();
	json_decref(j);
	json_decref(j2);
	json_decref(names);
	return 0;
}
