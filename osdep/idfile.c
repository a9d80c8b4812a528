/* SPDX-License-Identifier: MIT */
/*
 * idfile.c - identity files (see idfile.h).
 */
#include "osdep/idfile.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "osdep/home.h"
#include "osdep/log.h"
#include "osdep/random.h"

#define IDFILE_MAX 1024

int zt_idfile_read(const char *path, struct zt_identity *out)
{
	char buf[IDFILE_MAX];
	size_t len;
	int r;

	memset(out, 0, sizeof *out);
	r = zt_home_read(path, buf, sizeof buf, &len);
	if (r == -EFBIG)
		r = -EINVAL;
	if (r < 0)
		goto out;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	/* The core's error codes are not errnos: any failure means "corrupt". */
	if (zt_identity_from_text(out, buf, len) != ZT_OK || !out->has_secret) {
		zt_identity_wipe(out);
		r = -EINVAL;
		goto out;
	}
	r = 0;
out:
	sodium_memzero(buf, sizeof buf);
	return r;
}

static int write_text(const char *path, const struct zt_identity *id, bool secret, bool create)
{
	char text[ZT_IDENTITY_SECRET_TEXT + 1];
	size_t len;
	int r;

	if (zt_identity_to_text(id, secret, text, sizeof text - 1) != ZT_OK) {
		r = -EINVAL;
		goto out;
	}
	len = strlen(text);
	text[len++] = '\n';
	if (create)
		r = zt_home_create(path, text, len, secret ? 0600 : 0644);
	else
		r = zt_home_write(path, text, len, secret ? 0600 : 0644);
out:
	sodium_memzero(text, sizeof text);
	return r;
}

int zt_idfile_generate(const char *path, struct zt_identity *out)
{
	int r;

	if (zt_identity_generate(out, zt_random_fill, NULL) != ZT_OK) {
		memset(out, 0, sizeof *out);
		return -EINVAL;
	}
	r = write_text(path, out, true, true);
	if (r < 0)
		zt_identity_wipe(out);
	return r;
}

int zt_idfile_load_home(const char *home, struct zt_identity *out, bool *created)
{
	char spath[ZT_HOME_PATH_MAX], ppath[ZT_HOME_PATH_MAX];
	char pub[ZT_IDENTITY_PUBLIC_TEXT + 8];
	size_t len;
	int r;

	*created = false;
	memset(out, 0, sizeof *out);
	r = zt_home_path(spath, sizeof spath, home, ZT_IDFILE_SECRET);
	if (r < 0)
		return r;
	r = zt_home_path(ppath, sizeof ppath, home, ZT_IDFILE_PUBLIC);
	if (r < 0)
		return r;
	r = zt_idfile_read(spath, out);
	if (r == -ENOENT) {
		r = zt_idfile_generate(spath, out);
		if (r < 0)
			return r;
		*created = true;
	} else if (r < 0) {
		return r;
	}
	/* identity.public is derived data: rewrite it when it is missing or
	 * does not match (an operator restored only the secret). */
	if (zt_home_read(ppath, pub, sizeof pub, &len) == 0) {
		char want[ZT_IDENTITY_PUBLIC_TEXT];

		if (zt_identity_to_text(out, false, want, sizeof want) == ZT_OK &&
		    strncmp(pub, want, strlen(want)) == 0)
			return 0;
		zt_log_warn("%s:1: not the public form of %s: rewritten from it", ppath, spath);
	}
	r = write_text(ppath, out, false, false);
	if (r < 0)
		zt_identity_wipe(out);
	return r;
}
