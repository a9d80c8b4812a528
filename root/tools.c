/* SPDX-License-Identifier: MIT */
/*
 * tools.c - zt-root's offline subcommands (see tools.h).
 *
 * A ROOTSPEC names one root as its public identity text and endpoints:
 *   <10 hex>:<64 hex>@<ip/port>[,<ip/port>...]
 * exactly what a running zt-root prints on its "rootspec" line.
 */
#include "root/tools.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/zt.h"
#include "osdep/clock.h"
#include "osdep/home.h"
#include "osdep/idfile.h"

#define ROOTS_TEXT_MAX 65536
#define SPEC_MAX       1024

static int print_public(const struct zt_identity *id)
{
	char text[ZT_IDENTITY_PUBLIC_TEXT];

	if (zt_identity_to_text(id, false, text, sizeof text) != ZT_OK) {
		fprintf(stderr, "zt-root: cannot format the identity\n");
		return 1;
	}
	printf("%s\n", text);
	return 0;
}

int zt_tools_identity(int argc, char **argv)
{
	struct zt_identity id;
	bool created;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: zt-root identity HOMEDIR\n");
		return 1;
	}
	r = zt_home_mkdir(argv[1]);
	if (r < 0) {
		fprintf(stderr, "zt-root: cannot create %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	r = zt_idfile_load_home(argv[1], &id, &created);
	if (r == -EINVAL) {
		fprintf(stderr,
		        "zt-root: %s/" ZT_IDFILE_SECRET " is not a valid identity: restore it "
		        "or move it away to make a new one\n",
		        argv[1]);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "zt-root: cannot read or create %s/" ZT_IDFILE_SECRET ": %s\n",
		        argv[1], strerror(-r));
		return 1;
	}
	r = print_public(&id);
	zt_identity_wipe(&id);
	return r;
}

int zt_tools_genid(int argc, char **argv)
{
	struct zt_identity id;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: zt-root genid FILE\n");
		return 1;
	}
	r = zt_idfile_generate(argv[1], &id);
	if (r == -EEXIST) {
		fprintf(stderr, "zt-root: %s exists: refusing to overwrite an identity\n", argv[1]);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "zt-root: cannot write %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	r = print_public(&id);
	zt_identity_wipe(&id);
	return r;
}

/* Parse one ROOTSPEC into def: 0, or -EINVAL with the reason in err. */
static int parse_spec(const char *spec, struct zt_root_def *def, char *err, size_t errcap)
{
	char buf[SPEC_MAX], *at, *ep, *save = NULL;

	memset(def, 0, sizeof *def);
	if (strlen(spec) >= sizeof buf) {
		snprintf(err, errcap, "ROOTSPEC too long: %.40s...", spec);
		return -EINVAL;
	}
	memcpy(buf, spec, strlen(spec) + 1);
	at = strchr(buf, '@');
	if (!at) {
		snprintf(err, errcap,
		         "ROOTSPEC '%.80s' has no '@': expected <identity>@<ip/port>[,...]", spec);
		return -EINVAL;
	}
	*at = '\0';
	if (zt_identity_from_text(&def->id, buf, strlen(buf)) != ZT_OK) {
		snprintf(err, errcap,
		         "'%.80s' is not a valid public identity (the text zt-root "
		         "prints on its identity line)",
		         buf);
		return -EINVAL;
	}
	/* A roots file carries public keys only. */
	sodium_memzero(def->id.sk, sizeof def->id.sk);
	def->id.has_secret = false;
	for (ep = strtok_r(at + 1, ",", &save); ep; ep = strtok_r(NULL, ",", &save)) {
		if (def->endpoint_count == ZT_MAX_ROOT_ENDPOINTS) {
			snprintf(err, errcap, "root %010" PRIx64 ": more than %d endpoints",
			         def->id.address, ZT_MAX_ROOT_ENDPOINTS);
			return -EINVAL;
		}
		if (zt_endpoint_parse(ep, &def->endpoints[def->endpoint_count]) != ZT_OK) {
			snprintf(err, errcap,
			         "'%.64s' is not an endpoint: expected IP/PORT "
			         "(1.2.3.4/9993 or 2001:db8::1/9993)",
			         ep);
			return -EINVAL;
		}
		def->endpoint_count++;
	}
	if (def->endpoint_count == 0) {
		snprintf(err, errcap, "root %010" PRIx64 " has no endpoint after '@'",
		         def->id.address);
		return -EINVAL;
	}
	return 0;
}

int zt_tools_mkroots(int argc, char **argv)
{
	struct zt_identity signer;
	struct zt_roots roots;
	const char *signer_file = NULL;
	char *text = NULL, err[256];
	int64_t ts = 0;
	int opt, r, rc = 1;

	memset(&signer, 0, sizeof signer);
	memset(&roots, 0, sizeof roots);
	optind = 1;
	while ((opt = getopt(argc, argv, "s:t:")) != -1) {
		char *end;

		switch (opt) {
		case 's': signer_file = optarg; break;
		case 't':
			errno = 0;
			ts = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || ts <= 0) {
				fprintf(stderr,
				        "zt-root: -t %s: expected milliseconds since 1970\n",
				        optarg);
				return 1;
			}
			break;
		default: goto usage;
		}
	}
	if (!signer_file || optind >= argc)
		goto usage;
	if (argc - optind > ZT_MAX_ROOTS) {
		fprintf(stderr, "zt-root: at most %d roots in one file\n", ZT_MAX_ROOTS);
		return 1;
	}
	r = zt_idfile_read(signer_file, &signer);
	if (r == -EINVAL) {
		fprintf(stderr,
		        "zt-root: %s is not an identity secret (make one with zt-root genid)\n",
		        signer_file);
		goto out;
	}
	if (r < 0) {
		fprintf(stderr, "zt-root: cannot read %s: %s\n", signer_file, strerror(-r));
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		if (parse_spec(argv[i], &roots.roots[roots.count], err, sizeof err) < 0) {
			fprintf(stderr, "zt-root: %s\n", err);
			goto out;
		}
		for (unsigned k = 0; k < roots.count; k++) {
			if (roots.roots[k].id.address == roots.roots[roots.count].id.address) {
				fprintf(stderr, "zt-root: root %010" PRIx64 " is listed twice\n",
				        roots.roots[k].id.address);
				goto out;
			}
		}
		roots.count++;
	}
	roots.timestamp = ts ? ts : zt_clock_wall();
	text = malloc(ROOTS_TEXT_MAX);
	if (!text) {
		fprintf(stderr, "zt-root: out of memory\n");
		goto out;
	}
	r = zt_roots_write(&roots, &signer, text, ROOTS_TEXT_MAX);
	if (r < 0) {
		fprintf(stderr, "zt-root: cannot write the roots file: %s\n", zt_strerror(r));
		goto out;
	}
	if (fwrite(text, 1, (size_t)r, stdout) != (size_t)r || fflush(stdout) != 0) {
		fprintf(stderr, "zt-root: writing to stdout: %s\n", strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
usage:
	fprintf(stderr, "usage: zt-root mkroots -s SIGNER_SECRET_FILE [-t TIMESTAMP_MS] "
	                "ROOTSPEC... > roots\n"
	                "  ROOTSPEC = <identity public text>@<ip/port>[,<ip/port>...]\n");
out:
	zt_identity_wipe(&signer);
	free(text);
	return rc;
}

int zt_tools_verifyroots(int argc, char **argv)
{
	struct zt_roots roots;
	char hex[65], idt[ZT_IDENTITY_PUBLIC_TEXT], ep[64];
	char *text;
	size_t len;
	int r, rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: zt-root verifyroots FILE\n");
		return 1;
	}
	text = malloc(ROOTS_TEXT_MAX);
	if (!text) {
		fprintf(stderr, "zt-root: out of memory\n");
		return 1;
	}
	r = zt_home_read(argv[1], text, ROOTS_TEXT_MAX, &len);
	if (r < 0) {
		fprintf(stderr, "zt-root: cannot read %s: %s\n", argv[1],
		        r == -EFBIG ? "too large for a roots file" : strerror(-r));
		goto out;
	}
	r = zt_roots_parse(&roots, text, len, NULL);
	if (r != ZT_OK) {
		fprintf(stderr, "zt-root: %s is not a valid roots file: %s\n", argv[1],
		        zt_strerror(r));
		goto out;
	}
	sodium_bin2hex(hex, sizeof hex, roots.signer, sizeof roots.signer);
	printf("signer %s\n", hex);
	printf("timestamp %" PRId64 "\n", roots.timestamp);
	for (unsigned i = 0; i < roots.count; i++) {
		const struct zt_root_def *d = &roots.roots[i];

		if (zt_identity_to_text(&d->id, false, idt, sizeof idt) != ZT_OK)
			snprintf(idt, sizeof idt, "%010" PRIx64 ":?", d->id.address);
		printf("root %s", idt);
		for (unsigned k = 0; k < d->endpoint_count; k++) {
			if (zt_endpoint_to_text(&d->endpoints[k], ep, sizeof ep) != ZT_OK)
				snprintf(ep, sizeof ep, "?");
			printf("%c%s", k ? ',' : '@', ep);
		}
		printf("\n");
	}
	printf("OK %u root%s\n", roots.count, roots.count == 1 ? "" : "s");
	rc = 0;
out:
	free(text);
	return rc;
}
