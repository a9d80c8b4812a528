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
#include "osdep/args.h"
#include "osdep/clock.h"
#include "osdep/home.h"
#include "osdep/idfile.h"

#define ROOTS_TEXT_MAX 65536
#define SPEC_MAX       1024

/* The public identity, one line, to stdout or (out not NULL) into the
 * file out. */
static int print_public(const struct zt_identity *id, const char *out)
{
	char text[ZT_IDENTITY_PUBLIC_TEXT + 1], err[ZT_HOME_PATH_MAX + 64];
	size_t len;

	if (zt_identity_to_text(id, false, text, sizeof text - 1) != ZT_OK) {
		fprintf(stderr, "zt-root: cannot format the identity\n");
		return 1;
	}
	len = strlen(text);
	text[len++] = '\n';
	if (zt_home_output(out, text, len, 0644, err, sizeof err) < 0) {
		fprintf(stderr, "zt-root: %s\n", err);
		return 1;
	}
	return 0;
}

int zt_tools_identity(int argc, char **argv)
{
	struct zt_identity id;
	const char *home, *out = NULL;
	bool created;
	int opt, r;

	optind = 1;
	opterr = 0;
	while ((opt = getopt(argc, argv, "o:")) != -1) {
		if (opt != 'o')
			goto usage;
		out = optarg;
	}
	if (optind != argc - 1)
		goto usage;
	home = argv[optind];
	r = zt_home_mkdir(home);
	if (r < 0) {
		fprintf(stderr, "zt-root: cannot create %s: %s\n", home, strerror(-r));
		return 1;
	}
	r = zt_idfile_load_home(home, &id, &created);
	if (r == -EINVAL) {
		fprintf(stderr,
		        "zt-root: %s/" ZT_IDFILE_SECRET " is not a valid identity: restore it "
		        "or move it away to make a new one\n",
		        home);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "zt-root: cannot read or create %s/" ZT_IDFILE_SECRET ": %s\n",
		        home, strerror(-r));
		return 1;
	}
	r = print_public(&id, out);
	zt_identity_wipe(&id);
	return r;
usage:
	fprintf(stderr, "usage: zt-root identity [-o FILE] HOMEDIR\n");
	return 1;
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
	r = print_public(&id, NULL);
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
		struct zt_endpoint *e = &def->endpoints[def->endpoint_count];
		char what[48];

		snprintf(what, sizeof what, "root %010" PRIx64 " endpoint", def->id.address);
		if (zt_args_endpoint(what, ep, e, err, errcap) < 0)
			return -EINVAL;
		for (unsigned k = 0; k < def->endpoint_count; k++) {
			if (zt_endpoint_eq(&def->endpoints[k], e)) {
				snprintf(err, errcap, "%s %.64s is given twice: give each once",
				         what, ep);
				return -EINVAL;
			}
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
	const char *signer_file = NULL, *out = NULL;
	char *text = NULL, err[ZT_HOME_PATH_MAX + 64];
	int64_t ts = 0;
	int opt, r, rc = 1;

	memset(&signer, 0, sizeof signer);
	memset(&roots, 0, sizeof roots);
	optind = 1;
	opterr = 0;
	while ((opt = getopt(argc, argv, "s:t:o:")) != -1) {
		char *end;

		switch (opt) {
		case 's': signer_file = optarg; break;
		case 'o': out = optarg; break;
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
			const struct zt_root_def *a = &roots.roots[k],
			                         *b = &roots.roots[roots.count];

			if (a->id.address == b->id.address) {
				fprintf(stderr, "zt-root: root %010" PRIx64 " is listed twice\n",
				        a->id.address);
				goto out;
			}
			/* One address and port is one root process. */
			for (unsigned x = 0; x < a->endpoint_count; x++) {
				for (unsigned y = 0; y < b->endpoint_count; y++) {
					char ep[64];

					if (!zt_endpoint_eq(&a->endpoints[x], &b->endpoints[y]))
						continue;
					(void)zt_endpoint_to_text(&b->endpoints[y], ep, sizeof ep);
					fprintf(stderr,
					        "zt-root: roots %010" PRIx64 " and %010" PRIx64
					        " both give endpoint %s: give each root its own\n",
					        a->id.address, b->id.address, ep);
					goto out;
				}
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
	/* A roots file is public: members and controllers read it. */
	if (zt_home_output(out, text, (size_t)r, 0644, err, sizeof err) < 0) {
		fprintf(stderr, "zt-root: %s\n", err);
		goto out;
	}
	rc = 0;
	goto out;
usage:
	fprintf(stderr, "usage: zt-root mkroots -s SIGNER_SECRET_FILE [-t TIMESTAMP_MS] "
	                "[-o FILE] ROOTSPEC...\n"
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
	unsigned line;
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
	r = zt_roots_parse_at(&roots, text, len, NULL, &line);
	if (r != ZT_OK && line) {
		fprintf(stderr, "zt-root: %s:%u: not a valid roots file: %s\n", argv[1], line,
		        zt_strerror(r));
		goto out;
	}
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
