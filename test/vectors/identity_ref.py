#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
identity_ref.py - an independent reference of zt's address derivation
(node/identity.h): address = first 40 bits (big-endian) of
Argon2id(password = Ed25519 public key, salt = "zt-address-v1...",
t = ZT_ID_PWHASH_OPS = 2, m = ZT_ID_PWHASH_MEM = 2 MiB, p = 1, 32 bytes),
which is what libsodium's crypto_pwhash(..., ALG_ARGON2ID13) computes.

Its output is pasted into test/unit/identity_test.c (id_vectors[]); rerun
with `python3 test/vectors/identity_ref.py` if the derivation ever changes
(it must not: addresses are persistent names).
"""

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SALT = b"zt-address-v1..."


def address(seed):
    pk = (
        Ed25519PrivateKey.from_private_bytes(seed)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    out = Argon2id(salt=SALT, length=32, iterations=2, lanes=1, memory_cost=2048).derive(pk)
    return pk, out[:5].hex()


def main():
    for seed in (bytes(range(32)), bytes(32), b"\xff" * 32):
        pk, a = address(seed)
        print("seed %s pk %s address %s" % (seed.hex(), pk.hex(), a))
    # The first of sha256("zt reserved %d") whose address starts with 0xff
    # (reserved: ad-hoc network ids), for the "reserved address" tests.
    for i in range(10000):
        seed = hashlib.sha256(b"zt reserved %d" % i).digest()
        pk, a = address(seed)
        if a.startswith("ff"):
            print("reserved %d seed %s pk %s address %s" % (i, seed.hex(), pk.hex(), a))
            break


if __name__ == "__main__":
    main()
