/* SPDX-License-Identifier: MIT */
/*
 * adduser.c - `zt-controller adduser|deluser` (see adduser.h).
 *
 * The password is read from the terminal (twice, not echoed) or, when
 * stdin is not a terminal, as its first line (scripts: printf '%s\n' "$PW"
 * | zt-controller adduser alice).  It is hashed here with crypto_pwhash_str
 * (Argon2id, libsodium's interactive limits) and only the hash goes to the
 * controller (POST /controller/user/<name>), so the controller's event
 * loop does no memory-hard work for it and the password never leaves this
 * process.
 */
#include "controller/adduser.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "controller/capi.h"
#include "controller/invite.h"

#define PW_MIN     8
#define PW_MAX     1024
#define ANSWER_MAX 4096

/* One line of stdin into buf (without its newline), not echoed when stdin
 * is a terminal.  0, or -1 (end of input, too long). */
static int read_line(const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	size_t n;
	int r = 0;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(buf, (int)cap, stdin) == NULL)
		r = -1;
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (r < 0)
		return -1;
	n = strlen(buf);
	if (n == 0 || buf[n - 1] != '\n') {
		if (!feof(stdin))
			return -1; /* longer than cap */
	} else {
		buf[--n] = '\0';
	}
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

static int get_password(char *pw, size_t cap, char *err, size_t errcap)
{
	char again[PW_MAX + 2];
	int r = 0;

	if (read_line("Password: ", pw, cap) < 0) {
		snprintf(err, errcap, "no password given (or longer than %d characters)", PW_MAX);
		return -EINVAL;
	}
	if (strlen(pw) < PW_MIN) {
		snprintf(err, errcap, "the password needs at least %d characters", PW_MIN);
		return -EINVAL;
	}
	if (isatty(STDIN_FILENO)) {
		if (read_line("Again: ", again, sizeof again) < 0 || strcmp(pw, again) != 0) {
			snprintf(err, errcap, "the passwords differ");
			r = -EINVAL;
		}
		sodium_memzero(again, sizeof again);
	}
	return r;
}

int zt_adduser_main(int argc, char **argv, const char *default_home)
{
	bool add = strcmp(argv[0], "adduser") == 0;
	const char *home = default_home, *name;
	char err[1024] = "", path[96], pw[PW_MAX + 2], hash[crypto_pwhash_STRBYTES];
	char body[crypto_pwhash_STRBYTES + 64], *answer = NULL;
	int c, status = 0, r = -EINVAL;

	optind = 1;
	while ((c = getopt(argc, argv, ":D:h")) != -1) {
		switch (c) {
		case 'D': home = optarg; break;
		case 'h': printf("usage: zt-controller %s [-D HOMEDIR] NAME\n", argv[0]); return 0;
		default:
			fprintf(stderr,
			        "zt-controller %s: unknown option or missing argument "
			        "(usage: zt-controller %s [-D HOMEDIR] NAME)\n",
			        argv[0], argv[0]);
			return 1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: zt-controller %s [-D HOMEDIR] NAME\n", argv[0]);
		return 1;
	}
	name = argv[optind];
	if (!zt_capi_user_name_ok(name)) {
		fprintf(stderr,
		        "zt-controller %s: invalid user name '%.64s': 1-64 letters, digits, '.', "
		        "'_' or '-', not starting with '.' or '-', and not 'admin' (the API "
		        "token's name in the audit trail)\n",
		        argv[0], name);
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "zt-controller %s: cannot initialise libsodium\n", argv[0]);
		return 1;
	}
	snprintf(path, sizeof path, "/controller/user/%s", name);
	body[0] = '\0';
	if (add) {
		r = get_password(pw, sizeof pw, err, sizeof err);
		if (r == 0 &&
		    crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
		                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
			snprintf(err, sizeof err, "out of memory for the password hash");
			r = -ENOMEM;
		}
		sodium_memzero(pw, sizeof pw);
		if (r < 0)
			goto out;
		snprintf(body, sizeof body, "{\"passwordHash\":\"%s\"}", hash);
	}
	answer = malloc(ANSWER_MAX);
	if (answer == NULL) {
		snprintf(err, sizeof err, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	r = zt_invite_api(home, add ? "POST" : "DELETE", path, body, &status, answer, ANSWER_MAX,
	                  err, sizeof err);
	if (r < 0)
		goto out;
	if (status != 200) {
		json_t *j = json_loads(answer, 0, NULL);
		const char *d = json_string_value(json_object_get(j, "description"));
		snprintf(err, sizeof err, "%s", d != NULL ? d : "the controller refused");
		json_decref(j);
		r = -EINVAL;
		goto out;
	}
	printf("%s %s\n",
	       add ? (strstr(answer, "\"created\":true") ? "added" : "new password for")
	           : "deleted",
	       name);
	r = 0;
out:
	sodium_memzero(hash, sizeof hash);
	sodium_memzero(body, sizeof body);
	free(answer);
	if (r < 0)
		fprintf(stderr, "zt-controller %s: %s\n", argv[0], err);
	return r < 0 ? 1 : 0;
}
