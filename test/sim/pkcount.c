/* SPDX-License-Identifier: MIT */
/*
 * pkcount.c - counting wrappers around libsodium's expensive calls (see
 * pkcount.h).  __real_x is libsodium's x, as the linker's --wrap=x gives it.
 */
#include "pkcount.h"

#include <sodium.h>

struct sim_pk sim_pk_total;

int __real_crypto_pwhash(unsigned char *const out, unsigned long long outlen,
                         const char *const passwd, unsigned long long passwdlen,
                         const unsigned char *const salt, unsigned long long opslimit,
                         size_t memlimit, int alg);
int __wrap_crypto_pwhash(unsigned char *const out, unsigned long long outlen,
                         const char *const passwd, unsigned long long passwdlen,
                         const unsigned char *const salt, unsigned long long opslimit,
                         size_t memlimit, int alg);
int __real_crypto_scalarmult(unsigned char *q, const unsigned char *n, const unsigned char *p);
int __wrap_crypto_scalarmult(unsigned char *q, const unsigned char *n, const unsigned char *p);
int __real_crypto_scalarmult_base(unsigned char *q, const unsigned char *n);
int __wrap_crypto_scalarmult_base(unsigned char *q, const unsigned char *n);
int __real_crypto_sign_verify_detached(const unsigned char *sig, const unsigned char *m,
                                       unsigned long long mlen, const unsigned char *pk);
int __wrap_crypto_sign_verify_detached(const unsigned char *sig, const unsigned char *m,
                                       unsigned long long mlen, const unsigned char *pk);
int __real_crypto_sign_detached(unsigned char *sig, unsigned long long *siglen_p,
                                const unsigned char *m, unsigned long long mlen,
                                const unsigned char *sk);
int __wrap_crypto_sign_detached(unsigned char *sig, unsigned long long *siglen_p,
                                const unsigned char *m, unsigned long long mlen,
                                const unsigned char *sk);

int __wrap_crypto_pwhash(unsigned char *const out, unsigned long long outlen,
                         const char *const passwd, unsigned long long passwdlen,
                         const unsigned char *const salt, unsigned long long opslimit,
                         size_t memlimit, int alg)
{
	sim_pk_total.argon2id++;
	return __real_crypto_pwhash(out, outlen, passwd, passwdlen, salt, opslimit, memlimit, alg);
}

int __wrap_crypto_scalarmult(unsigned char *q, const unsigned char *n, const unsigned char *p)
{
	sim_pk_total.x25519++;
	return __real_crypto_scalarmult(q, n, p);
}

int __wrap_crypto_scalarmult_base(unsigned char *q, const unsigned char *n)
{
	sim_pk_total.x25519_base++;
	return __real_crypto_scalarmult_base(q, n);
}

int __wrap_crypto_sign_verify_detached(const unsigned char *sig, const unsigned char *m,
                                       unsigned long long mlen, const unsigned char *pk)
{
	sim_pk_total.ed25519_verify++;
	return __real_crypto_sign_verify_detached(sig, m, mlen, pk);
}

int __wrap_crypto_sign_detached(unsigned char *sig, unsigned long long *siglen_p,
                                const unsigned char *m, unsigned long long mlen,
                                const unsigned char *sk)
{
	sim_pk_total.ed25519_sign++;
	return __real_crypto_sign_detached(sig, siglen_p, m, mlen, sk);
}

void sim_pk_charge(struct sim_pk *to, const struct sim_pk *mark)
{
	to->argon2id += sim_pk_total.argon2id - mark->argon2id;
	to->x25519 += sim_pk_total.x25519 - mark->x25519;
	to->x25519_base += sim_pk_total.x25519_base - mark->x25519_base;
	to->ed25519_verify += sim_pk_total.ed25519_verify - mark->ed25519_verify;
	to->ed25519_sign += sim_pk_total.ed25519_sign - mark->ed25519_sign;
}
