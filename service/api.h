/* SPDX-License-Identifier: MIT */
/*
 * api.h - the local API's routes (ZeroTier's service API shapes):
 *
 *   GET    /status               the node
 *   GET    /network              joined networks
 *   GET    /network/<nwid>       one network
 *   POST   /network/<nwid>       join (body: {} or ZeroTier's allow* flags)
 *   DELETE /network/<nwid>       leave
 *   GET    /peer                 known peers
 *   GET    /peer/<address>       one peer
 *
 * Every request needs the token of HOMEDIR/authtoken.secret in
 * "X-ZT1-Auth: <token>" or "Authorization: Bearer <token>".  Errors are
 * {"error": "..."} with 400, 401, 404, 405, 413 or 500.
 */
#ifndef ZT_SERVICE_API_H
#define ZT_SERVICE_API_H

#include "osdep/httpd.h"

/* A zt_httpd_handler_fn; ctx is the struct zt_daemon. */
void zt_api_handle(void *ctx, const struct zt_http_request *req, struct zt_httpd_reply *reply);

#endif
