/* SPDX-License-Identifier: MIT */
/*
 * ui.h - zt-controller's web UI (--ui ADDR:PORT, off by default): a page
 * of plain HTML, CSS and JavaScript built into the binary (controller/ui/,
 * ui_assets.h) and the JSON endpoints under /ui/api/ that it calls
 * (doc/API.md).  The endpoints reuse the admin API's handlers (capi.h,
 * zt_capi_handle_as) on behalf of the signed-in administrator, whose name
 * goes into the audit trail; what the UI adds is the sign-in (users of
 * the store's admin_user table, crypto_pwhash_str hashes), sessions and
 * CSRF tokens (uisess.h), a member list paged and searched on the
 * server, members' online state from the controller's peers, and invite
 * codes with the controller's roots.
 *
 * Every answer carries a strict Content-Security-Policy (no inline
 * script or style, nothing from elsewhere), X-Frame-Options DENY and
 * nosniff; the session cookie is HttpOnly, SameSite=Strict, Path=/, and
 * Secure only with secure_cookie (the controller cannot know whether a
 * TLS proxy stands in front of it).
 */
#ifndef ZT_CONTROLLER_UI_H
#define ZT_CONTROLLER_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "controller/capi.h"
#include "controller/uisess.h"
#include "node/zt.h"
#include "osdep/httpd.h"

#define ZT_UI_PAGE      50 /* members per page by default */
#define ZT_UI_PAGE_MAX  200
#define ZT_UI_SCAN_MAX  2000  /* members read for one page of a search */
#define ZT_UI_ONLINE_MS 60000 /* a member heard from this recently is online */

struct zt_ui {
	struct zt_capi *api;    /* the admin API it drives (its ctl, clock, random) */
	struct zt_invite roots; /* the roots invite codes carry (nwid, token unset) */
	bool secure_cookie;
	struct zt_uisess sess;
	char dummy_hash[128]; /* checked for an unknown name, to take as long */
	char headers[1024];   /* the reply's extra headers (until the next request) */
};

/* Set up ui for api; roots (NULL: none) are those invite codes carry. */
int zt_ui_init(struct zt_ui *ui, struct zt_capi *api, const struct zt_roots *roots,
               bool secure_cookie);
void zt_ui_cleanup(struct zt_ui *ui);

/* A zt_httpd_handler_fn; ctx is the struct zt_ui. */
void zt_ui_handle(void *ctx, const struct zt_http_request *req, struct zt_httpd_reply *reply);

#endif
