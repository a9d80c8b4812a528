/* SPDX-License-Identifier: MIT */
/*
 * swver.c - peers tell each other their software version (doc/PROTOCOL.md
 * §5 VERSION), so that the local API can show it as ZeroTier's tools expect.
 *
 * Each end sends one VERSION on every session as it comes up (the initiator
 * when the HS_RESP authenticates, the responder at the first DATA under the
 * new keys), with the ASK flag while it does not know the other's.  An ASK
 * is answered only on a session we have not told ours on yet, so a peer
 * gets at most one VERSION per session from us whatever it sends: a
 * session costs a handshake, which the handshake budgets bound.  An older
 * peer ignores the unknown type (§5) and stays "unknown" (-1).
 */
#include "swver.h"

#include "node.h"
#include "peer.h"
#include "send.h"
#include "util.h"
#include "wire.h"

/* The number at *s (at most 5 digits, 0..65535), *s moved past it. */
static bool parse_part(const char **s, uint16_t *out)
{
	const char *p = *s;
	unsigned v = 0, digits = 0;

	while (*p >= '0' && *p <= '9') {
		if (++digits > 5)
			return false;
		v = v * 10 + (unsigned)(*p - '0');
		p++;
	}
	if (digits == 0 || v > 65535)
		return false;
	*out = (uint16_t)v;
	*s = p;
	return true;
}

bool zt_swver_parse(const char *s, uint16_t out[3])
{
	if (s == NULL)
		return false;
	for (int i = 0; i < 3; i++) {
		if (i > 0 && *s++ != '.')
			return false;
		if (!parse_part(&s, &out[i]))
			return false;
	}
	return true;
}

static void send_version(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	uint8_t msg[ZT_VERSION_LEN];

	msg[0] = ZT_MSG_VERSION;
	msg[1] = p->sw_version_known ? 0 : ZT_VERSION_F_ASK;
	for (int i = 0; i < 3; i++)
		zt_put_u16(msg + 2 + 2 * i, n->version[i]);
	/* Marked as told only once it went out: a send that found no path
	 * leaves the peer's next ASK to be answered. */
	if (zt_send_msg(n, now, p, msg, sizeof msg) == ZT_OK)
		p->kp_cur.told_version = true;
}

void zt_swver_session_up(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	if (n->has_version && p->kp_cur.valid)
		send_version(n, now, p);
}

void zt_swver_handle(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                     size_t len)
{
	/* Longer is allowed (a later version may add fields), shorter is not. */
	if (len < ZT_VERSION_LEN) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	for (int i = 0; i < 3; i++)
		p->sw_version[i] = zt_get_u16(msg + 2 + 2 * i);
	p->sw_version_known = true;
	/* At most one answer per session, so no ASK can make us send more. */
	if ((msg[1] & ZT_VERSION_F_ASK) && n->has_version && p->kp_cur.valid &&
	    !p->kp_cur.told_version)
		send_version(n, now, p);
}
