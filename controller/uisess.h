/* SPDX-License-Identifier: MIT */
/*
 * uisess.h - the web UI's sign-in state (ui.c): sessions, their CSRF
 * tokens, the session cookie's parser and the backoff on failed sign-ins.
 * Pure: time and random bytes come in as arguments, so the unit tests
 * drive it as they like.
 *
 * A session is kept in memory only (a restart signs everyone out): its
 * cookie carries a random token of ZT_UISESS_TOKEN_LEN bytes (hex), of
 * which only a hash is kept, compared in constant time.  A session ends
 * after ZT_UISESS_IDLE_MS without a request, ZT_UISESS_LIFE_MS after
 * sign-in, or at sign-out; when all ZT_UISESS_MAX are taken, the least
 * recently used goes.  Each session has its own CSRF token, which the
 * page sends in a header on every change (the cookie alone is refused).
 *
 * Failed sign-ins: each client address may fail ZT_UISESS_FREE_FAILS
 * times, then waits 1 s, 2 s, 4 s ... up to ZT_UISESS_MAX_WAIT_MS before
 * its next try; a success clears that.  Every password check (Argon2id,
 * tens of milliseconds of the event loop) also takes a token from one
 * bucket for all clients, ZT_UISESS_CHECKS_PER_SEC, so that a flood from
 * many addresses cannot hold the controller.
 */
#ifndef ZT_CONTROLLER_UISESS_H
#define ZT_CONTROLLER_UISESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZT_UISESS_MAX            64
#define ZT_UISESS_TOKEN_LEN      32 /* bytes; the cookie has 64 hex digits */
#define ZT_UISESS_TOKEN_HEX      (2 * ZT_UISESS_TOKEN_LEN)
#define ZT_UISESS_IDLE_MS        (30LL * 60 * 1000)
#define ZT_UISESS_LIFE_MS        (12LL * 3600 * 1000)
#define ZT_UISESS_USER_MAX       64
#define ZT_UISESS_COOKIE         "zt_session"
#define ZT_UISESS_HOSTS          256
#define ZT_UISESS_FREE_FAILS     3
#define ZT_UISESS_MAX_WAIT_MS    (5LL * 60 * 1000)
#define ZT_UISESS_CHECKS_BURST   8
#define ZT_UISESS_CHECKS_PER_SEC 4
#define ZT_UISESS_ADDR_MAX       48

struct zt_uisess_entry {
	bool used;
	uint8_t token_hash[32];
	char user[ZT_UISESS_USER_MAX + 1];
	char csrf[ZT_UISESS_TOKEN_HEX + 1];
	int64_t created, last;
	/* The caller's (ui.c): a hash of the password hash the user signed
	 * in with, so that a new password ends the user's other sessions. */
	uint8_t pw_tag[16];
};

struct zt_uisess_host {
	char addr[ZT_UISESS_ADDR_MAX]; /* "" : a free slot */
	unsigned fails;
	int64_t until; /* no sign-in before then */
	int64_t last;
};

struct zt_uisess {
	struct zt_uisess_entry s[ZT_UISESS_MAX];
	struct zt_uisess_host h[ZT_UISESS_HOSTS];
	int64_t checks;    /* the global bucket, in thousandths */
	int64_t checks_at; /* its last refill */
};

void zt_uisess_init(struct zt_uisess *u);
/* Forget every session, wiping the tokens. */
void zt_uisess_wipe(struct zt_uisess *u);

/* A new session for user (at most ZT_UISESS_USER_MAX characters) from
 * 2 * ZT_UISESS_TOKEN_LEN random bytes: the cookie's token (hex) into
 * token, the CSRF token (hex) into csrf; both ZT_UISESS_TOKEN_HEX + 1
 * bytes.  The session returned is the caller's until the next call. */
struct zt_uisess_entry *zt_uisess_create(struct zt_uisess *u, int64_t now, const char *user,
                                         const uint8_t rnd[2 * ZT_UISESS_TOKEN_LEN], char *token,
                                         char *csrf);
/* The live session of a cookie token (len bytes, not NUL-terminated), or
 * NULL; a found session counts as used now. */
struct zt_uisess_entry *zt_uisess_find(struct zt_uisess *u, int64_t now, const char *token,
                                       size_t len);
/* Does the header value v (len bytes; NULL: no header) equal the
 * session's CSRF token?  Constant time. */
bool zt_uisess_csrf_ok(const struct zt_uisess_entry *e, const char *v, size_t len);
void zt_uisess_end(struct zt_uisess_entry *e);
/* End every session of user (deleted, or a new password). */
void zt_uisess_end_user(struct zt_uisess *u, const char *user);

/* The value of cookie `name` in a Cookie header (len bytes): true with
 * *val / *vlen pointing into hdr, false if absent or malformed. */
bool zt_uisess_cookie(const char *hdr, size_t len, const char *name, const char **val,
                      size_t *vlen);

/* May addr try a password now?  0: yes (a check is taken from the
 * bucket); otherwise how many ms to wait. */
int64_t zt_uisess_signin_wait(struct zt_uisess *u, int64_t now, const char *addr);
/* The outcome of addr's try. */
void zt_uisess_signin_result(struct zt_uisess *u, int64_t now, const char *addr, bool ok);

#endif
