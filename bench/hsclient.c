/* SPDX-License-Identifier: MIT */
/* hsclient.c - a root's session from the initiator's side (see hsclient.h). */
#include "bench/hsclient.h"

#include <sodium.h>
#include <string.h>

#include "node/cookie.h"
#include "node/replay.h"
#include "node/util.h"

#define MAC1_OFF (ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN)

int hsclient_root_parse(struct hsclient_root *r, const char *text)
{
	struct zt_identity id;
	int rc;

	memset(r, 0, sizeof *r);
	rc = zt_identity_from_text(&id, text, strlen(text));
	if (rc != ZT_OK)
		return rc;
	r->address = id.address;
	memcpy(r->pk, id.pk, 32);
	zt_cookie_mac1_key(r->mac1_key, r->pk);
	zt_cookie_cookie_key(r->cookie_key, r->pk);
	zt_identity_wipe(&id);
	return ZT_OK;
}

void hsclient_macs(uint8_t pkt[ZT_HS_INIT_LEN], const struct hsclient_root *r,
                   const uint8_t *cookie)
{
	zt_cookie_mac(pkt + MAC1_OFF, r->mac1_key, 32, pkt, MAC1_OFF);
	if (cookie != NULL)
		zt_cookie_mac(pkt + MAC1_OFF + ZT_MAC_LEN, cookie, 16, pkt, MAC1_OFF + ZT_MAC_LEN);
	else
		memset(pkt + MAC1_OFF + ZT_MAC_LEN, 0, ZT_MAC_LEN);
}

void hsclient_readdress(uint8_t pkt[ZT_HS_INIT_LEN], const struct hsclient_root *r, uint64_t src,
                        uint32_t index, const uint8_t *cookie)
{
	zt_put_u40(pkt + 7, src);
	zt_put_u32(pkt + ZT_HDR_LEN, index);
	hsclient_macs(pkt, r, cookie);
}

int hsclient_init(uint8_t pkt[ZT_HS_INIT_LEN], struct hsclient_hs *hs,
                  const struct hsclient_root *r, const struct zt_identity *id, uint64_t src,
                  uint32_t index, uint64_t ts, const uint8_t e_seed[32], const uint8_t *cookie)
{
	struct zt_hdr h = {ZT_PT_HS_INIT, 0, r->address, src};
	struct zt_noise_hs local;
	struct zt_noise_hs *nh = hs != NULL ? &hs->noise : &local;
	uint8_t payload[ZT_NOISE_INIT_PAYLOAD];
	int rc;

	zt_wire_hdr_encode(pkt, &h);
	zt_put_u32(pkt + ZT_HDR_LEN, index);
	zt_put_u64(payload, ts);
	zt_put_u32(payload + 8, 0); /* no AES offer: the root uses ChaCha20-Poly1305 */
	rc = zt_noise_init_create(nh, id, r->pk, e_seed, payload, pkt + ZT_HDR_LEN + 4);
	if (rc == ZT_OK) {
		hsclient_macs(pkt, r, cookie);
		if (hs != NULL) {
			hs->index = index;
			memcpy(hs->mac1, pkt + MAC1_OFF, 16);
		}
	}
	if (hs == NULL)
		zt_noise_wipe(&local);
	return rc;
}

int hsclient_cookie(uint8_t cookie[16], const struct hsclient_root *r, const uint8_t mac1[16],
                    const uint8_t *pkt, size_t len)
{
	if (len != ZT_COOKIE_LEN || (pkt[0] & 0x0f) != ZT_PT_COOKIE)
		return ZT_EINVAL;
	return zt_cookie_open(cookie, pkt + ZT_HDR_LEN + 4, pkt + ZT_HDR_LEN + 28, r->cookie_key,
	                      mac1);
}

int hsclient_resp(struct hsclient_hs *hs, const struct zt_identity *id, const uint8_t *pkt,
                  size_t len, struct zt_keypair *kp)
{
	uint8_t payload[ZT_NOISE_RESP_PAYLOAD], k1[32], k2[32];
	int rc;

	if (len != ZT_HS_RESP_LEN || (pkt[0] & 0x0f) != ZT_PT_HS_RESP ||
	    zt_get_u32(pkt + ZT_HDR_LEN + 4) != hs->index)
		return ZT_EINVAL;
	rc = zt_noise_resp_consume(&hs->noise, id, pkt + ZT_HDR_LEN + 8, payload);
	if (rc != ZT_OK)
		return rc;
	zt_noise_split(&hs->noise, k1, k2);
	memset(kp, 0, sizeof *kp);
	kp->valid = true;
	kp->initiator = true;
	kp->confirmed = true;
	kp->local_index = hs->index;
	kp->remote_index = zt_get_u32(pkt + ZT_HDR_LEN);
	zt_session_set_keys(kp, ZT_CIPHER_CHACHA20POLY1305, k1, k2);
	zt_replay_init(&kp->replay);
	sodium_memzero(k1, sizeof k1);
	sodium_memzero(k2, sizeof k2);
	return ZT_OK;
}

uint64_t hsclient_address(uint64_t rnd)
{
	uint64_t a = rnd & 0xffffffffffULL;

	/* 0 and 0xff.. are reserved: a root drops them before any work. */
	if ((a >> 32) == 0xff)
		a ^= 0x8000000000ULL;
	return a == 0 ? 1 : a;
}
