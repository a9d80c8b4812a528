/* SPDX-License-Identifier: MIT */
/*
 * ctl_json.h - the controller's objects as JSON, with ZeroTier's controller
 * field names and meanings: new objects with defaults, and validated
 * updates from API request bodies.  No I/O, no store: a fuzz target links
 * this with node/ alone.
 *
 * An update either applies every field of the request or none: on error
 * the object is unchanged and err holds one line naming the field.
 * Unknown fields are ignored (as ZeroTier does); read-only ones (id, nwid,
 * revision, creationTime, ...) too.  Values are read as ZeroTier reads
 * them: a boolean may be a number or a string ("true", "1"), an integer a
 * string of digits, and the assign modes are replaced (a mode a request
 * does not name is off).
 */
#ifndef ZT_CONTROLLER_CTL_JSON_H
#define ZT_CONTROLLER_CTL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"

#define ZT_CTL_MAX_POOLS 32
#define ZT_CTL_NAME_MAX  (ZT_NETCONF_NAME_MAX - 1)

/* A network's rulesSource: the rule script, kept as written. */
#define ZT_CTL_RULES_SOURCE_MAX 65536

/* How deep a JSON value nests (a scalar is 0), counted only up to just
 * past ZT_CTL_JSON_DEPTH_MAX, so that a caller can refuse what nests
 * deeper without walking all of it (request bodies, imported files). */
#define ZT_CTL_JSON_DEPTH_MAX 32
int zt_ctl_json_depth(const json_t *j);

/* The body of a request into *out: empty means {}.  0; -EINVAL for
 * anything but an object or nesting deeper than 32, -EFBIG for more than
 * 64 KiB, -ENOMEM; err says why. */
int zt_ctl_parse_body(const char *body, size_t len, json_t **out, char *err, size_t errcap);

/* New objects with ZeroTier's defaults (NULL when out of memory), and the
 * update of one by a request body: 0, or -EINVAL (or -ENOMEM) with the
 * reason in err and the object unchanged. */
json_t *zt_ctl_net_new(uint64_t nwid, int64_t now);
int zt_ctl_net_update(json_t *net, const json_t *req, char *err, size_t errcap);

json_t *zt_ctl_member_new(uint64_t nwid, uint64_t address, int64_t now);
int zt_ctl_member_update(json_t *m, const json_t *req, int64_t now, char *err, size_t errcap);

/* Add the fields ZeroTier 1.14 shows that a stored object lacks (records
 * written by an older zt-controller), with their neutral values. */
void zt_ctl_net_fill(json_t *net);
void zt_ctl_member_fill(json_t *m);

/* Integers of an object (0 if absent or not an integer). */
int64_t zt_ctl_int(const json_t *obj, const char *key);
bool zt_ctl_bool(const json_t *obj, const char *key);

/* "10.1.2.3" / "fd00::1" (bits = 32 / 128), and "10.1.0.0/16": 0 or
 * -EINVAL. */
int zt_ctl_parse_ip(const char *s, struct zt_inetaddr *out);
int zt_ctl_parse_cidr(const char *s, struct zt_inetaddr *out);
/* Text of an address without (cidr=false) or with "/bits". */
void zt_ctl_ip_text(const struct zt_inetaddr *a, bool cidr, char *out, size_t cap);

#endif
