/* SPDX-License-Identifier: MIT */
/*
 * zimport.c - ZeroTier's controller.d objects to this controller's and back
 * (see zimport.h).  Every field goes through the admin API's own checks
 * (ctl_json.c), so an imported network is one the API could have made.
 */
#include "controller/zimport.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "controller/ctl_json.h"

#define DEPTH_MAX    ZT_CTL_JSON_DEPTH_MAX
#define IDENTITY_MAX 1024 /* ZeroTier's public identity text is ~270 chars */

/* What a network carries over, by ZeroTier's names.  dns is taken only as
 * an object (ZeroTier's default is []); rulesSource is ZeroTier's rules
 * language, not ours (doc/rules.md): it is kept aside, under "zerotier",
 * and written back by export. */
static const char *const net_fields[] = {"name",
                                         "private",
                                         "enableBroadcast",
                                         "mtu",
                                         "multicastLimit",
                                         "v4AssignMode",
                                         "v6AssignMode",
                                         "ipAssignmentPools",
                                         "routes",
                                         "rules",
                                         "capabilities",
                                         "tags",
                                         NULL};
/* What a member carries over ("authorized" goes to the reservation's
 * "zerotier" object: a reservation itself is never authorized). */
static const char *const member_fields[] = {
    "name", "ipAssignments", "activeBridge", "noAutoAssignIps",
    "tags", "capabilities",  "authorized",   NULL};
/* What a claim hands over. */
static const char *const claim_fields[] = {
    "name", "ipAssignments", "activeBridge", "noAutoAssignIps",
    "tags", "capabilities",  "creationTime", NULL};

int zt_zimport_parse(const char *text, size_t len, json_t **out, char *err, size_t errcap)
{
	json_error_t je;
	json_t *j;

	*out = NULL;
	if (len > ZT_ZIMPORT_FILE_MAX) {
		snprintf(err, errcap, "larger than %d bytes", ZT_ZIMPORT_FILE_MAX);
		return -EFBIG;
	}
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		snprintf(err, errcap, "invalid JSON at line %d column %d: %s", je.line, je.column,
		         je.text);
		return -EINVAL;
	}
	if (!json_is_object(j) || zt_ctl_json_depth(j) > DEPTH_MAX) {
		json_decref(j);
		snprintf(err, errcap, "expected a JSON object nesting at most %d deep", DEPTH_MAX);
		return -EINVAL;
	}
	*out = j;
	return 0;
}

/* The id of a ZeroTier object: "id" (ZeroTier writes it, and "nwid" or
 * "address" the same) as 16 (network) or 10 (member) hex digits; objtype,
 * when there, must say what the object is. */
static int object_id(const json_t *zt, const char *objtype, const char *alt, uint64_t *id,
                     char *err, size_t errcap)
{
	const char *t = json_string_value(json_object_get(zt, "objtype"));
	const char *s = json_string_value(json_object_get(zt, "id"));
	const char *a = json_string_value(json_object_get(zt, alt));
	bool net = strcmp(objtype, "network") == 0;
	int r;

	if (json_object_get(zt, "objtype") != NULL && (t == NULL || strcmp(t, objtype) != 0)) {
		snprintf(err, errcap, "field 'objtype': expected \"%s\"", objtype);
		return -EINVAL;
	}
	if (s == NULL)
		s = a;
	if (s == NULL) {
		snprintf(err, errcap, "field 'id': missing (the %s's id)", objtype);
		return -EINVAL;
	}
	r = strlen(s) == (net ? 16u : 10u) ? (net ? zt_nwid_parse(s, id) : zt_address_parse(s, id))
	                                   : ZT_EINVAL;
	if (r != ZT_OK || *id == 0) {
		snprintf(err, errcap, "field 'id': expected %d hex digits, not \"%.24s\"",
		         net ? 16 : 10, s);
		return -EINVAL;
	}
	if (a != NULL && strcmp(a, s) != 0) {
		snprintf(err, errcap, "field '%s': \"%.24s\" is not its id \"%s\"", alt, a, s);
		return -EINVAL;
	}
	return 0;
}

/* The fields of zt named in names into a new request object. */
static json_t *pick(const json_t *zt, const char *const *names)
{
	json_t *req = json_object(), *v;

	for (const char *const *k = names; req != NULL && *k != NULL; k++)
		if ((v = json_object_get(zt, *k)) != NULL && !json_is_null(v) &&
		    json_object_set(req, *k, v) != 0) {
			json_decref(req);
			return NULL;
		}
	return req;
}

static int64_t creation_time(const json_t *zt, int64_t now)
{
	int64_t t = zt_ctl_int(zt, "creationTime");
	return t > 0 ? t : now;
}

int zt_zimport_net(const json_t *zt, uint64_t ctl_address, int64_t now, json_t **out,
                   uint64_t *old_nwid, char *err, size_t errcap)
{
	json_t *req = NULL, *net = NULL, *v, *aside;
	char oldn[24];
	int r;

	*out = NULL;
	r = object_id(zt, "network", "nwid", old_nwid, err, errcap);
	if (r < 0)
		return r;
	r = -ENOMEM;
	req = pick(zt, net_fields);
	net = zt_ctl_net_new((ctl_address << 24) | (*old_nwid & 0xffffff), creation_time(zt, now));
	if (req == NULL || net == NULL)
		goto oom;
	if ((v = json_object_get(zt, "dns")) != NULL && json_is_object(v) &&
	    json_object_set(req, "dns", v) != 0)
		goto oom;
	r = zt_ctl_net_update(net, req, err, errcap);
	if (r < 0)
		goto out;
	/* What was ZeroTier's and has no place here, for export. */
	snprintf(oldn, sizeof oldn, "%016" PRIx64, *old_nwid);
	aside = json_pack("{s:s}", "nwid", oldn);
	if (aside == NULL)
		goto oom;
	v = json_object_get(zt, "rulesSource");
	if (json_is_string(v) && json_string_length(v) > 0 &&
	    (json_string_length(v) > ZT_CTL_RULES_SOURCE_MAX ||
	     json_object_set(aside, "rulesSource", v) != 0)) {
		json_decref(aside);
		snprintf(err, errcap, "field 'rulesSource': at most %d bytes",
		         ZT_CTL_RULES_SOURCE_MAX);
		r = -EINVAL;
		goto out;
	}
	if (json_object_set_new(net, "zerotier", aside) != 0)
		goto oom;
	*out = net;
	net = NULL;
	r = 0;
	goto out;
oom:
	snprintf(err, errcap, "out of memory");
	r = -ENOMEM;
out:
	json_decref(req);
	json_decref(net);
	return r;
}

int zt_zimport_member(const json_t *zt, uint64_t old_nwid, uint64_t nwid, int64_t now, json_t **out,
                      uint64_t *old_addr, char *err, size_t errcap)
{
	const char *ident = json_string_value(json_object_get(zt, "identity"));
	const char *n = json_string_value(json_object_get(zt, "nwid"));
	json_t *req = NULL, *m = NULL, *aside;
	char oldn[24], olda[16];
	uint64_t in;
	bool auth;
	int r;

	*out = NULL;
	r = object_id(zt, "member", "address", old_addr, err, errcap);
	if (r < 0)
		return r;
	if (json_object_get(zt, "nwid") != NULL &&
	    (n == NULL || zt_nwid_parse(n, &in) != ZT_OK || in != old_nwid)) {
		snprintf(err, errcap, "field 'nwid': expected \"%016" PRIx64 "\" (its folder)",
		         old_nwid);
		return -EINVAL;
	}
	if (json_object_get(zt, "identity") != NULL &&
	    !json_is_null(json_object_get(zt, "identity")) &&
	    (ident == NULL || strlen(ident) > IDENTITY_MAX)) {
		snprintf(err, errcap, "field 'identity': expected a string of at most %d bytes",
		         IDENTITY_MAX);
		return -EINVAL;
	}
	r = -ENOMEM;
	req = pick(zt, member_fields);
	m = zt_ctl_member_new(nwid, *old_addr, creation_time(zt, now));
	if (req == NULL || m == NULL)
		goto oom;
	r = zt_ctl_member_update(m, req, now, err, errcap);
	if (r < 0)
		goto out;
	/* Read with the API's leniency (a boolean may be "true" or 1),
	 * then kept aside: the reservation itself is never authorized. */
	auth = zt_ctl_bool(m, "authorized");
	snprintf(oldn, sizeof oldn, "%016" PRIx64, old_nwid);
	snprintf(olda, sizeof olda, "%010" PRIx64, *old_addr);
	aside = json_pack("{s:s, s:s, s:s, s:b}", "address", olda, "nwid", oldn, "identity",
	                  ident != NULL ? ident : "", "authorized", auth);
	if (aside == NULL || json_object_set_new(m, "zerotier", aside) != 0 ||
	    json_object_set_new(m, "reservation", json_true()) != 0 ||
	    json_object_set_new(m, "authorized", json_false()) != 0 ||
	    json_object_set_new(m, "lastAuthorizedTime", json_integer(0)) != 0 ||
	    json_object_set_new(m, "lastAuthorizedCredentialType", json_null()) != 0)
		goto oom;
	*out = m;
	m = NULL;
	r = 0;
	goto out;
oom:
	snprintf(err, errcap, "out of memory");
	r = -ENOMEM;
out:
	json_decref(req);
	json_decref(m);
	return r;
}

bool zt_zimport_is_reservation(const json_t *m)
{
	return zt_ctl_bool(m, "reservation");
}

void zt_zimport_token(uint8_t token[ZT_ZIMPORT_TOKEN_LEN], const uint8_t *random, uint64_t old_addr)
{
	memcpy(token, random, ZT_CTL_TOKEN_LEN);
	for (int i = 0; i < 5; i++)
		token[ZT_CTL_TOKEN_LEN + i] = (uint8_t)(old_addr >> (8 * (4 - i)));
}

int zt_zimport_invite(struct zt_store *s, uint64_t nwid, uint64_t old_addr, const uint8_t *random,
                      int64_t expires, int64_t now, uint8_t token[ZT_ZIMPORT_TOKEN_LEN])
{
	char *text = NULL;
	json_t *m = NULL;
	uint8_t h[32];
	int r = s->ops->member_get(s, nwid, old_addr, &text);

	if (r != ZT_OK)
		return r;
	m = json_loads(text, 0, NULL);
	free(text);
	r = zt_zimport_is_reservation(m) ? ZT_OK : ZT_ENOTFOUND;
	json_decref(m);
	if (r != ZT_OK)
		return r;
	zt_zimport_token(token, random, old_addr);
	crypto_generichash(h, sizeof h, token, ZT_ZIMPORT_TOKEN_LEN, NULL, 0);
	return s->ops->invite_put(s, h, nwid, 1, expires, now);
}

int zt_zimport_redeem(struct zt_store *s, uint64_t nwid, const uint8_t *token, size_t token_len,
                      json_t *m, bool *authorize)
{
	uint64_t old = 0;
	json_t *res = NULL, *v;
	char *text = NULL;
	int r;

	*authorize = false;
	if (token_len != ZT_ZIMPORT_TOKEN_LEN)
		return 0;
	for (int i = 0; i < 5; i++)
		old = old << 8 | token[ZT_CTL_TOKEN_LEN + i];
	r = s->ops->member_get(s, nwid, old, &text);
	if (r != ZT_OK)
		goto out;
	res = json_loads(text, 0, NULL);
	r = ZT_ENOTFOUND;
	if (!zt_zimport_is_reservation(res))
		goto out;
	r = ZT_ENOMEM;
	for (const char *const *k = claim_fields; *k != NULL; k++)
		if ((v = json_object_get(res, *k)) != NULL && json_object_set(m, *k, v) != 0)
			goto out;
	v = json_object_get(res, "zerotier");
	if (json_object_set(m, "zerotier", v) != 0)
		goto out;
	*authorize = zt_ctl_bool(v, "authorized");
	/* Gone before the claimer's record is written: its addresses are
	 * then no one else's. */
	r = s->ops->member_delete(s, nwid, old);
	if (r == ZT_OK)
		r = 1;
out:
	json_decref(res);
	free(text);
	return r;
}

/* ZeroTier writes every rule with its "not" and "or" flags. */
static void rules_flags(json_t *rules)
{
	size_t i;
	json_t *r;

	json_array_foreach(rules, i, r)
	{
		if (json_object_get(r, "not") == NULL)
			(void)json_object_set_new(r, "not", json_false());
		if (json_object_get(r, "or") == NULL)
			(void)json_object_set_new(r, "or", json_false());
	}
}

json_t *zt_zimport_export_net(const json_t *net)
{
	json_t *out = json_deep_copy(net);
	const json_t *rs = json_object_get(json_object_get(net, "zerotier"), "rulesSource");

	if (out == NULL)
		return NULL;
	if (json_is_string(rs) && json_string_length(json_object_get(net, "rulesSource")) == 0)
		(void)json_object_set(out, "rulesSource", (json_t *)rs);
	(void)json_object_del(out, "zerotier");
	(void)json_object_set_new(out, "objtype", json_string("network"));
	rules_flags(json_object_get(out, "rules"));
	{
		size_t i;
		json_t *cap;
		json_array_foreach(json_object_get(out, "capabilities"), i, cap)
		    rules_flags(json_object_get(cap, "rules"));
	}
	return out;
}

json_t *zt_zimport_export_member(const json_t *m, uint64_t *addr)
{
	json_t *out = json_deep_copy(m);
	const json_t *zt = json_object_get(m, "zerotier");
	const char *a = json_string_value(json_object_get(m, "id"));

	if (out == NULL)
		return NULL;
	if (zt_zimport_is_reservation(m)) {
		/* The member it stands for, as ZeroTier knew it. */
		a = json_string_value(json_object_get(zt, "address"));
		(void)json_object_set(out, "id", json_object_get(zt, "address"));
		(void)json_object_set(out, "address", json_object_get(zt, "address"));
		(void)json_object_set(out, "identity", json_object_get(zt, "identity"));
		(void)json_object_set_new(out, "authorized",
		                          json_boolean(zt_ctl_bool(zt, "authorized")));
	}
	(void)json_object_del(out, "zerotier");
	(void)json_object_del(out, "reservation");
	(void)json_object_set_new(out, "objtype", json_string("member"));
	if (a == NULL || zt_address_parse(a, addr) != ZT_OK) {
		json_decref(out);
		return NULL;
	}
	return out;
}
