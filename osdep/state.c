/* SPDX-License-Identifier: MIT */
/*
 * state.c - the home directory files the programs share (see state.h).
 */
#include "osdep/state.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osdep/home.h"
#include "osdep/log.h"

static void trim(char *s, size_t *len)
{
	while (*len > 0 && (s[*len - 1] == '\n' || s[*len - 1] == '\r' || s[*len - 1] == ' ' ||
	                    s[*len - 1] == '\t'))
		s[--*len] = '\0';
}

int zt_state_read_file(const char *path, const char *what, char *buf, size_t cap, size_t *len,
                       char *err, size_t errcap)
{
	int r = zt_home_read(path, buf, cap, len);

	if (r == -EFBIG)
		snprintf(err, errcap, "%s %s is too large (over %zu bytes): is it the right file?",
		         what, path, cap - 1);
	else if (r < 0)
		snprintf(err, errcap, "cannot read %s %s: %s", what, path, strerror(-r));
	return r;
}

int zt_state_lock_home(const char *home, const char *lockname, const char *prog, int *lock_fd,
                       char *err, size_t errcap)
{
	char path[ZT_HOME_PATH_MAX];
	long other = 0;
	int r;

	*lock_fd = -1;
	r = zt_home_mkdir(home);
	if (r < 0) {
		snprintf(err, errcap, "cannot create home directory %s: %s", home, strerror(-r));
		return r;
	}
	r = zt_home_path(path, sizeof path, home, lockname);
	/* A program that is stopping holds the lock for up to a second
	 * (ztd's last words to the router): a restart right after the stop
	 * waits for it rather than being refused. */
	for (int tries = 0; r == 0; tries++) {
		struct timespec ts = {0, 50 * 1000000L};
		r = zt_home_lock(path, lock_fd, &other);
		if (r != -EWOULDBLOCK || tries >= ZT_STATE_LOCK_WAIT_MS / 50)
			break;
		r = 0;
		(void)nanosleep(&ts, NULL);
	}
	if (r == -EWOULDBLOCK)
		snprintf(err, errcap, "another %s (pid %ld) is using %s: stop it first", prog,
		         other, home);
	else if (r < 0)
		snprintf(err, errcap, "cannot lock %s/%s: %s", home, lockname, strerror(-r));
	return r;
}

static bool token_ok(const char *t, size_t len)
{
	if (len == 0 || len > ZT_STATE_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (t[i] <= ' ' || t[i] > '~')
			return false;
	return true;
}

int zt_state_token(const char *home, char *token, size_t cap, char *err, size_t errcap)
{
	return zt_state_token_file(home, "authtoken.secret", token, cap, err, errcap);
}

int zt_state_token_file(const char *home, const char *name, char *token, size_t cap, char *err,
                        size_t errcap)
{
	static const char alnum[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char path[ZT_HOME_PATH_MAX], buf[ZT_STATE_TOKEN_MAX + 8];
	size_t len, read_len = 0;
	int r;

	if (cap < ZT_STATE_TOKEN_MAX + 1)
		return -EINVAL;
	r = zt_home_path(path, sizeof path, home, name);
	if (r < 0)
		goto fail;
	r = zt_home_read(path, buf, sizeof buf, &len);
	if (r == 0) {
		read_len = len;
		trim(buf, &len);
	}
	/* The token alone, no line end, as ZeroTier writes it: its
	 * zerotier-cli sends the file's bytes as the X-ZT1-Auth header, and
	 * a newline there ends the headers early (a POST's body then comes
	 * cut: `zerotier-cli set` failed). */
	if (r == -ENOENT) {
		for (size_t i = 0; i < ZT_STATE_TOKEN_LEN; i++)
			buf[i] = alnum[randombytes_uniform(sizeof alnum - 1)];
		buf[ZT_STATE_TOKEN_LEN] = '\0';
		r = zt_home_create(path, buf, ZT_STATE_TOKEN_LEN, 0600);
		if (r < 0)
			goto fail;
		len = ZT_STATE_TOKEN_LEN;
		buf[len] = '\0';
		zt_log_info("created %s", path);
	} else if (r == -EFBIG || (r == 0 && !token_ok(buf, len))) {
		snprintf(err, errcap,
		         "%s is not a valid token (1 to %d printable characters): delete it "
		         "and restart ztd to make a new one",
		         path, ZT_STATE_TOKEN_MAX);
		r = -EINVAL;
		goto out;
	} else if (r < 0) {
		goto fail;
	} else if (len < read_len) {
		/* a file written by an older zt (or by hand with echo); the
		 * token itself is fine, so a read-only home only warns */
		r = zt_home_write(path, buf, len, 0600);
		if (r < 0)
			zt_log_warn("%s ends in a line end that ZeroTier's zerotier-cli would send "
			            "in its auth header, and cannot be rewritten: %s",
			            path, strerror(-r));
		else
			zt_log_info("rewrote %s without its trailing line end (ZeroTier's "
			            "zerotier-cli sends the file as it is)",
			            path);
	}
	memcpy(token, buf, len + 1);
	r = 0;
	goto out;
fail:
	snprintf(err, errcap, "cannot create or read %s: %s", path, strerror(-r));
out:
	sodium_memzero(buf, sizeof buf);
	return r;
}

static int parse_signer(const char *hex, size_t len, uint8_t key[32])
{
	size_t bin_len;

	if (len != 64 || sodium_hex2bin(key, 32, hex, len, NULL, &bin_len, NULL) != 0 ||
	    bin_len != 32)
		return -EINVAL;
	return 0;
}

/* Verify text against the pin (if any) and explain a failure. */
static int verify_roots(const char *name, const char *text, size_t len, const uint8_t *pin,
                        const char *pin_path, struct zt_roots *out, char *err, size_t errcap)
{
	char got[65], want[65], where[32] = "";
	unsigned line;
	int r;

	r = zt_roots_parse_at(out, text, len, pin, &line);
	if (r == ZT_OK)
		return 0;
	/* Was it only the pin?  Then say which keys differ and how to re-pin. */
	if (pin && zt_roots_parse(out, text, len, NULL) == ZT_OK) {
		sodium_bin2hex(got, sizeof got, out->signer, 32);
		sodium_bin2hex(want, sizeof want, pin, 32);
		snprintf(err, errcap,
		         "roots file %s is signed by %.16s... but %s pins %.16s...: delete %s "
		         "to trust the new signer",
		         name, got, pin_path, want, pin_path);
		memset(out, 0, sizeof *out);
		return -EPERM;
	}
	if (line)
		snprintf(where, sizeof where, ", line %u", line);
	snprintf(err, errcap,
	         "roots file %s is invalid (%s%s): make it with zt-root mkroots and check it "
	         "with zt-root verifyroots",
	         name, zt_strerror(r), where);
	memset(out, 0, sizeof *out);
	return -EINVAL;
}

/* Rollback: refuse `out` (read from `name`) if HOMEDIR/roots.seen says an
 * older file from the same signer, or one as old with other roots, was
 * accepted before. */
static int check_seen(const char *seen_path, const char *name, const struct zt_roots *out,
                      char *err, size_t errcap)
{
	struct zt_roots_seen seen;
	char text[ZT_ROOTS_SEEN_TEXT + 8];
	size_t len;
	int r;

	r = zt_home_read(seen_path, text, sizeof text, &len);
	if (r == -ENOENT)
		return 0;
	if (r == -EFBIG || (r == 0 && zt_roots_seen_from_text(&seen, text, len) != ZT_OK)) {
		snprintf(err, errcap,
		         "%s is corrupt (expected '<signer> <timestamp> <digest>'): delete it to "
		         "accept the roots file as it is",
		         seen_path);
		return -EINVAL;
	}
	if (r < 0) {
		snprintf(err, errcap, "cannot read %s: %s", seen_path, strerror(-r));
		return r;
	}
	if (zt_roots_check_seen(&seen, out) == ZT_OK)
		return 0;
	if (out->timestamp < seen.timestamp)
		snprintf(err, errcap,
		         "roots file %s is older (timestamp %" PRId64
		         ") than the one accepted before (timestamp %" PRId64
		         ", %s): to go back to older roots on purpose, sign them again with "
		         "zt-root mkroots (a newer timestamp)",
		         name, out->timestamp, seen.timestamp, seen_path);
	else
		snprintf(err, errcap,
		         "roots file %s has the timestamp of the one accepted before (%" PRId64
		         ", %s) but other roots: sign it again with zt-root mkroots (a newer "
		         "timestamp)",
		         name, seen.timestamp, seen_path);
	return -EPERM;
}

/* Remember `roots` as the last accepted in HOMEDIR/roots.seen. */
static int remember_seen(const char *seen_path, const struct zt_roots *roots, char *err,
                         size_t errcap)
{
	struct zt_roots_seen seen;
	char text[ZT_ROOTS_SEEN_TEXT];
	int r;

	zt_roots_seen_of(&seen, roots);
	r = zt_roots_seen_to_text(&seen, text, sizeof text);
	r = r < 0 ? -ERANGE : zt_home_write(seen_path, text, (size_t)r, 0644);
	if (r < 0)
		snprintf(err, errcap, "cannot write %s: %s", seen_path, strerror(-r));
	return r;
}

int zt_state_roots(const char *home, const char *roots_file, struct zt_roots *out, bool *have,
                   char *err, size_t errcap)
{
	char home_roots[ZT_HOME_PATH_MAX], pin_path[ZT_HOME_PATH_MAX], seen_path[ZT_HOME_PATH_MAX];
	char pin_hex[80], old[256];
	uint8_t pin[32];
	bool pinned = false;
	char *text = NULL;
	size_t len, pin_len;
	int r;

	*have = false;
	memset(out, 0, sizeof *out);
	if (zt_home_path(home_roots, sizeof home_roots, home, "roots") < 0 ||
	    zt_home_path(pin_path, sizeof pin_path, home, "roots.signer") < 0 ||
	    zt_home_path(seen_path, sizeof seen_path, home, "roots.seen") < 0) {
		snprintf(err, errcap, "home directory path %s is too long", home);
		return -ENAMETOOLONG;
	}
	text = malloc(ZT_STATE_ROOTS_MAX);
	if (!text) {
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	r = zt_home_read(pin_path, pin_hex, sizeof pin_hex, &pin_len);
	if (r == 0) {
		trim(pin_hex, &pin_len);
		if (parse_signer(pin_hex, pin_len, pin) < 0) {
			snprintf(err, errcap,
			         "%s is corrupt (expected 64 hex digits): delete it to pin the "
			         "signer of the next roots file",
			         pin_path);
			r = -EINVAL;
			goto out;
		}
		pinned = true;
	} else if (r != -ENOENT) {
		snprintf(err, errcap, "cannot read %s: %s", pin_path, strerror(-r));
		goto out;
	}

	if (roots_file) {
		r = zt_state_read_file(roots_file, "roots file", text, ZT_STATE_ROOTS_MAX, &len,
		                       err, errcap);
		if (r < 0)
			goto out;
		r = verify_roots(roots_file, text, len, pinned ? pin : NULL, pin_path, out, err,
		                 errcap);
		if (r == 0)
			r = check_seen(seen_path, roots_file, out, err, errcap);
		if (r < 0)
			goto out;
		r = zt_home_write(home_roots, text, len, 0644);
		if (r < 0) {
			snprintf(err, errcap, "cannot write %s: %s", home_roots, strerror(-r));
			goto out;
		}
	} else {
		r = zt_home_read(home_roots, text, ZT_STATE_ROOTS_MAX, &len);
		if (r == -ENOENT) {
			r = 0; /* no roots: the caller warns */
			goto out;
		}
		if (r < 0) {
			snprintf(err, errcap, "cannot read %s: %s", home_roots, strerror(-r));
			goto out;
		}
		r = verify_roots(home_roots, text, len, pinned ? pin : NULL, pin_path, out, err,
		                 errcap);
		if (r == 0)
			r = check_seen(seen_path, home_roots, out, err, errcap);
		if (r < 0)
			goto out;
	}
	r = remember_seen(seen_path, out, err, errcap);
	if (r < 0)
		goto out;
	if (!pinned) {
		sodium_bin2hex(old, sizeof old, out->signer, 32);
		len = strlen(old);
		old[len++] = '\n';
		r = zt_home_write(pin_path, old, len, 0644);
		if (r < 0) {
			snprintf(err, errcap, "cannot write %s: %s", pin_path, strerror(-r));
			goto out;
		}
		zt_log_info("pinned the roots signer in %s", pin_path);
	}
	*have = true;
	r = 0;
out:
	if (r < 0)
		memset(out, 0, sizeof *out);
	free(text);
	return r;
}

int zt_state_write_port(const char *home, unsigned port, char *err, size_t errcap)
{
	/* zt's own name, and the one ZeroTier's zerotier-cli -D<home> reads. */
	static const char *const names[] = {"ztd.port", "zerotier-one.port"};
	char path[ZT_HOME_PATH_MAX] = "", buf[16];
	int n, r = 0;

	n = snprintf(buf, sizeof buf, "%u\n", port);
	for (size_t i = 0; i < sizeof names / sizeof names[0] && r == 0; i++) {
		r = zt_home_path(path, sizeof path, home, names[i]);
		if (r == 0)
			r = zt_home_write(path, buf, (size_t)n, 0644);
	}
	if (r < 0)
		snprintf(err, errcap, "cannot write %s: %s", path, strerror(-r));
	return r;
}

int64_t zt_state_roots_stamp(const char *home)
{
	struct zt_roots_seen seen;
	char path[ZT_HOME_PATH_MAX], text[ZT_ROOTS_SEEN_TEXT + 8];
	size_t len;

	if (zt_home_path(path, sizeof path, home, "roots.seen") < 0 ||
	    zt_home_read(path, text, sizeof text, &len) < 0 ||
	    zt_roots_seen_from_text(&seen, text, len) != ZT_OK)
		return 0;
	return seen.timestamp;
}
