/* SPDX-License-Identifier: MIT */
/*
 * ui_assets.h - the web UI's files (controller/ui/), built into the
 * binary: controller/ui/embed.sh writes them as C arrays at build time
 * (build/gen/ui_assets.c), so the controller needs no files at run time.
 */
#ifndef ZT_CONTROLLER_UI_ASSETS_H
#define ZT_CONTROLLER_UI_ASSETS_H

#include <stddef.h>

struct zt_ui_asset {
	const char *path; /* "/" for index.html, else "/<file name>" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};

/* Ends with an entry whose path is NULL. */
extern const struct zt_ui_asset zt_ui_assets[];

#endif
