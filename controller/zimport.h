/* SPDX-License-Identifier: MIT */
/*
 * zimport.h - a ZeroTier controller's networks and members (its
 * controller.d JSON files) as this controller's, and back (doc/migrate.md).
 *
 * A zt address is an Argon2id hash of an Ed25519 key (node/identity.c), a
 * ZeroTier one another hash of another key: neither the controller's
 * address (the first 10 hex digits of every network id) nor a member's can
 * be kept.  So an imported network gets a new id, this controller's
 * address followed by ZeroTier's last 6 hex digits, and each imported
 * member becomes a reservation: a member record under its old ZeroTier
 * address that nobody can request a config for ("reservation": true), with
 * what ZeroTier knew of it under "zerotier" (address, network, identity,
 * authorized).  It keeps its addresses from the pools, and a one-use
 * invite whose token names it (zt_zimport_token) hands all of it to the
 * new member that redeems it (zt_zimport_redeem).
 *
 * No I/O here (the command is zimportcmd.c): a fuzz target links this with
 * ctl_json.c and node/.
 */
#ifndef ZT_CONTROLLER_ZIMPORT_H
#define ZT_CONTROLLER_ZIMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller/ctl.h"

/* A controller.d file larger than this is refused (ZeroTier's largest are
 * networks with long rules, far below it). */
#define ZT_ZIMPORT_FILE_MAX (1024 * 1024)

/* A claim token: ZT_CTL_TOKEN_LEN random bytes, then the 5 bytes of the
 * old member address it claims.  The store keeps only the hash of the
 * whole token, so the address in it cannot be changed by whoever holds
 * it. */
#define ZT_ZIMPORT_TOKEN_LEN (ZT_CTL_TOKEN_LEN + 5)

/* The text of one controller.d file into a JSON object: at most
 * ZT_ZIMPORT_FILE_MAX bytes, no duplicate keys, nesting at most 32.  0, or
 * -EINVAL / -EFBIG / -ENOMEM with the reason in err. */
int zt_zimport_parse(const char *text, size_t len, json_t **out, char *err, size_t errcap);

/* A ZeroTier network object as a network of controller `ctl_address`
 * (*out, new): its id is the old one's last 24 bits under ctl_address
 * (*old_nwid the old id).  Every field is checked as the admin API checks
 * it: 0, or -EINVAL with the field named in err and *out NULL. */
int zt_zimport_net(const json_t *zt, uint64_t ctl_address, int64_t now, json_t **out,
                   uint64_t *old_nwid, char *err, size_t errcap);

/* A ZeroTier member object of old network old_nwid as the reservation
 * for it in network nwid (*out; *old_addr its ZeroTier address).  As
 * zt_zimport_net. */
int zt_zimport_member(const json_t *zt, uint64_t old_nwid, uint64_t nwid, int64_t now, json_t **out,
                      uint64_t *old_addr, char *err, size_t errcap);

/* Is m an imported member not claimed yet? */
bool zt_zimport_is_reservation(const json_t *m);

/* The claim token of reservation old_addr: random (ZT_CTL_TOKEN_LEN bytes
 * from the caller) then the address. */
void zt_zimport_token(uint8_t token[ZT_ZIMPORT_TOKEN_LEN], const uint8_t *random,
                      uint64_t old_addr);

/* A new claim invite for reservation old_addr of nwid (an admin's, when
 * the import's was lost or expired): one use until `expires`; random is
 * ZT_CTL_TOKEN_LEN bytes from the caller, the token goes to token.
 * ZT_ENOTFOUND: no such reservation (or claimed already). */
int zt_zimport_invite(struct zt_store *s, uint64_t nwid, uint64_t old_addr, const uint8_t *random,
                      int64_t expires, int64_t now, uint8_t token[ZT_ZIMPORT_TOKEN_LEN]);

/* Inside the transaction of a config request whose invite token was just
 * taken (the store's invite_use): when the token is a claim token, hand
 * the reservation it names to member m (name, addresses, tags,
 * capabilities, bridge flag, and where it came from) and delete the
 * reservation.  1: claimed, *authorize says whether ZeroTier had
 * authorized it; 0: not a claim token; ZT_ENOTFOUND: the reservation is
 * gone (deleted by an admin: the token lets nobody in); other zt errors
 * from the store. */
int zt_zimport_redeem(struct zt_store *s, uint64_t nwid, const uint8_t *token, size_t token_len,
                      json_t *m, bool *authorize);

/* A stored network / member in the shape ZeroTier's controller writes
 * (a reservation as the member it was: its old address, identity and
 * authorization); NULL when out of memory.  *addr: the member's address
 * there. */
json_t *zt_zimport_export_net(const json_t *net);
json_t *zt_zimport_export_member(const json_t *m, uint64_t *addr);

#endif
