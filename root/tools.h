/* SPDX-License-Identifier: MIT */
/*
 * tools.h - zt-root's offline subcommands: identities and roots files.
 * Each returns the process exit status and prints its errors as one line
 * on stderr.
 */
#ifndef ZT_ROOT_TOOLS_H
#define ZT_ROOT_TOOLS_H

/* zt-root identity HOMEDIR: create the identity if missing, print the
 * public text. */
int zt_tools_identity(int argc, char **argv);
/* zt-root genid FILE: a new identity secret into FILE (0600, must not
 * exist), print its public text. */
int zt_tools_genid(int argc, char **argv);
/* zt-root mkroots -s SIGNER_SECRET_FILE [-t TIMESTAMP_MS] ROOTSPEC...:
 * a signed roots file on stdout. */
int zt_tools_mkroots(int argc, char **argv);
/* zt-root verifyroots FILE: parse, verify, describe. */
int zt_tools_verifyroots(int argc, char **argv);

#endif
