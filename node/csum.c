/* SPDX-License-Identifier: MIT */
/*
 * csum.c - the Internet checksum (see csum.h).
 */
#include "csum.h"

#include <string.h>

uint64_t zt_csum_add(uint64_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t w0, w1, w2, w3;

	/* 32-bit words into a 64-bit accumulator: no carry is lost for any
	 * length below 16 GiB, and the fold takes the carries around. */
	while (len >= 16) {
		memcpy(&w0, p, 4);
		memcpy(&w1, p + 4, 4);
		memcpy(&w2, p + 8, 4);
		memcpy(&w3, p + 12, 4);
		sum += (uint64_t)w0 + w1 + w2 + w3;
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		memcpy(&w0, p, 4);
		sum += w0;
		p += 4;
		len -= 4;
	}
	if (len > 0) {
		uint8_t tail[4] = {0, 0, 0, 0};
		memcpy(tail, p, len);
		memcpy(&w0, tail, 4);
		sum += w0;
	}
	return sum;
}

uint16_t zt_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

uint64_t zt_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
                        uint32_t l4len)
{
	/* IPv4: src, dst, 0, proto, length (16 bits); IPv6: src, dst, length
	 * (32 bits), 3 zeros, next header.  With length < 64 KiB both sum to
	 * the same 16-bit words. */
	uint8_t tail[8] = {0, proto, (uint8_t)(l4len >> 8),  (uint8_t)l4len,
	                   0, 0,     (uint8_t)(l4len >> 24), (uint8_t)(l4len >> 16)};
	uint64_t sum = zt_csum_add(0, src, alen);
	sum = zt_csum_add(sum, dst, alen);
	return zt_csum_add(sum, tail, sizeof tail);
}

uint64_t zt_csum_pseudo_ip(const uint8_t *ip, bool v6, uint8_t proto, uint32_t l4len)
{
	if (v6)
		return zt_csum_pseudo(ip + 8, ip + 24, 16, proto, l4len);
	return zt_csum_pseudo(ip + 12, ip + 16, 4, proto, l4len);
}

void zt_csum_store(uint8_t *p, uint64_t sum)
{
	uint16_t c = (uint16_t)~zt_csum_fold(sum);
	memcpy(p, &c, 2);
}

void zt_csum_store_udp(uint8_t *p, uint64_t sum)
{
	uint16_t c = (uint16_t)~zt_csum_fold(sum);
	if (c == 0)
		c = 0xffff;
	memcpy(p, &c, 2);
}

bool zt_csum_valid(uint64_t sum)
{
	return zt_csum_fold(sum) == 0xffff;
}

uint16_t zt_csum_replace(uint16_t check, uint16_t old, uint16_t new_)
{
	/* ~(~HC + ~m + m') */
	return (uint16_t)~zt_csum_fold((uint64_t)(uint16_t)~check + (uint16_t)~old + new_);
}
