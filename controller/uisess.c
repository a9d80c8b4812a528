/* SPDX-License-Identifier: MIT */
/*
 * uisess.c - sessions, CSRF tokens, the cookie parser and sign-in backoff
 * of the web UI (see uisess.h).
 */
#include "controller/uisess.h"

#include <sodium.h>
#include <string.h>

void zt_uisess_init(struct zt_uisess *u)
{
	memset(u, 0, sizeof *u);
	u->checks = ZT_UISESS_CHECKS_BURST * 1000;
}

void zt_uisess_wipe(struct zt_uisess *u)
{
	sodium_memzero(u, sizeof *u);
}

void zt_uisess_end(struct zt_uisess_entry *e)
{
	sodium_memzero(e, sizeof *e);
}

void zt_uisess_end_user(struct zt_uisess *u, const char *user)
{
	for (size_t i = 0; i < ZT_UISESS_MAX; i++)
		if (u->s[i].used && strcmp(u->s[i].user, user) == 0)
			zt_uisess_end(&u->s[i]);
}

static bool expired(const struct zt_uisess_entry *e, int64_t now)
{
	return now - e->last >= ZT_UISESS_IDLE_MS || now - e->created >= ZT_UISESS_LIFE_MS ||
	       now < e->created; /* the clock never goes back; a bad entry */
}

static void token_hash(uint8_t out[32], const char *token, size_t len)
{
	crypto_generichash(out, 32, (const unsigned char *)token, len, NULL, 0);
}

struct zt_uisess_entry *zt_uisess_create(struct zt_uisess *u, int64_t now, const char *user,
                                         const uint8_t rnd[2 * ZT_UISESS_TOKEN_LEN], char *token,
                                         char *csrf)
{
	struct zt_uisess_entry *e = NULL;

	/* A free or expired slot, else the least recently used one. */
	for (size_t i = 0; i < ZT_UISESS_MAX; i++) {
		struct zt_uisess_entry *c = &u->s[i];

		if (!c->used || expired(c, now)) {
			e = c;
			break;
		}
		if (e == NULL || c->last < e->last)
			e = c;
	}
	zt_uisess_end(e);
	sodium_bin2hex(token, ZT_UISESS_TOKEN_HEX + 1, rnd, ZT_UISESS_TOKEN_LEN);
	sodium_bin2hex(csrf, ZT_UISESS_TOKEN_HEX + 1, rnd + ZT_UISESS_TOKEN_LEN,
	               ZT_UISESS_TOKEN_LEN);
	token_hash(e->token_hash, token, ZT_UISESS_TOKEN_HEX);
	memcpy(e->csrf, csrf, ZT_UISESS_TOKEN_HEX + 1);
	strncpy(e->user, user, ZT_UISESS_USER_MAX);
	e->user[ZT_UISESS_USER_MAX] = '\0';
	e->created = e->last = now;
	e->used = true;
	return e;
}

struct zt_uisess_entry *zt_uisess_find(struct zt_uisess *u, int64_t now, const char *token,
                                       size_t len)
{
	struct zt_uisess_entry *found = NULL;
	uint8_t h[32];

	if (len != ZT_UISESS_TOKEN_HEX)
		return NULL;
	token_hash(h, token, len);
	/* Every slot is compared, found or not: the time says nothing. */
	for (size_t i = 0; i < ZT_UISESS_MAX; i++) {
		struct zt_uisess_entry *e = &u->s[i];
		bool same = sodium_memcmp(e->token_hash, h, sizeof h) == 0;

		if (!e->used)
			continue;
		if (expired(e, now)) {
			zt_uisess_end(e);
			continue;
		}
		if (same)
			found = e;
	}
	if (found != NULL)
		found->last = now;
	return found;
}

bool zt_uisess_csrf_ok(const struct zt_uisess_entry *e, const char *v, size_t len)
{
	return e != NULL && e->used && v != NULL && len == ZT_UISESS_TOKEN_HEX &&
	       sodium_memcmp(e->csrf, v, len) == 0;
}

static bool cookie_octet(unsigned char c)
{
	/* RFC 6265 cookie-octet. */
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
	       (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

bool zt_uisess_cookie(const char *hdr, size_t len, const char *name, const char **val, size_t *vlen)
{
	size_t nl = strlen(name), i = 0;

	/* "a=1; b=2": pairs split by ';', blanks around them skipped. */
	while (i < len) {
		size_t start, eq, end;

		while (i < len && (hdr[i] == ' ' || hdr[i] == '\t' || hdr[i] == ';'))
			i++;
		start = i;
		while (i < len && hdr[i] != ';')
			i++;
		end = i;
		while (end > start && (hdr[end - 1] == ' ' || hdr[end - 1] == '\t'))
			end--;
		for (eq = start; eq < end && hdr[eq] != '='; eq++)
			;
		if (eq == end || eq - start != nl || memcmp(hdr + start, name, nl) != 0)
			continue;
		eq++;
		/* An optionally quoted value of cookie octets. */
		if (end - eq >= 2 && hdr[eq] == '"' && hdr[end - 1] == '"') {
			eq++;
			end--;
		}
		for (size_t k = eq; k < end; k++)
			if (!cookie_octet((unsigned char)hdr[k]))
				return false;
		*val = hdr + eq;
		*vlen = end - eq;
		return true;
	}
	return false;
}

static struct zt_uisess_host *host(struct zt_uisess *u, const char *addr, bool make, int64_t now)
{
	struct zt_uisess_host *free_slot = NULL, *oldest = NULL;

	for (size_t i = 0; i < ZT_UISESS_HOSTS; i++) {
		struct zt_uisess_host *h = &u->h[i];

		if (h->addr[0] != '\0' && strcmp(h->addr, addr) == 0)
			return h;
		/* A host that has waited out its last wait and not failed
		 * for as long as the longest wait is as good as free. */
		if (h->addr[0] == '\0' || now - h->last >= ZT_UISESS_MAX_WAIT_MS) {
			if (free_slot == NULL)
				free_slot = h;
		} else if (oldest == NULL || h->last < oldest->last) {
			oldest = h;
		}
	}
	if (!make)
		return NULL;
	if (free_slot == NULL)
		free_slot = oldest;
	memset(free_slot, 0, sizeof *free_slot);
	strncpy(free_slot->addr, addr, sizeof free_slot->addr - 1);
	free_slot->last = now;
	return free_slot;
}

int64_t zt_uisess_signin_wait(struct zt_uisess *u, int64_t now, const char *addr)
{
	struct zt_uisess_host *h = host(u, addr, false, now);
	int64_t dt = now - u->checks_at;

	if (h != NULL && h->until > now)
		return h->until - now;
	/* Refill the global bucket. */
	if (dt > 0) {
		u->checks += dt * ZT_UISESS_CHECKS_PER_SEC;
		if (u->checks > ZT_UISESS_CHECKS_BURST * 1000)
			u->checks = ZT_UISESS_CHECKS_BURST * 1000;
	}
	u->checks_at = now;
	if (u->checks < 1000)
		return (1000 - u->checks + ZT_UISESS_CHECKS_PER_SEC - 1) / ZT_UISESS_CHECKS_PER_SEC;
	u->checks -= 1000;
	return 0;
}

void zt_uisess_signin_result(struct zt_uisess *u, int64_t now, const char *addr, bool ok)
{
	struct zt_uisess_host *h = host(u, addr, !ok, now);

	if (h == NULL)
		return;
	if (ok) {
		memset(h, 0, sizeof *h);
		return;
	}
	/* Failures long ago are forgiven. */
	if (now - h->last >= ZT_UISESS_MAX_WAIT_MS)
		h->fails = 0;
	h->fails++;
	h->last = now;
	if (h->fails >= ZT_UISESS_FREE_FAILS) {
		unsigned shift = h->fails - ZT_UISESS_FREE_FAILS;
		int64_t wait = shift >= 20 ? ZT_UISESS_MAX_WAIT_MS : 1000LL << shift;

		h->until = now + (wait < ZT_UISESS_MAX_WAIT_MS ? wait : ZT_UISESS_MAX_WAIT_MS);
	}
}
