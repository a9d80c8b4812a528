#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
mkcorpus.py - writes the seed corpora of the fuzz targets to
test/fuzz/corpus/<target>/ (run from anywhere: python3 test/fuzz/mkcorpus.py).

The targets use fixed identities (fuzz_common.h: fz_init_ids), so seeds
that reach deep need their addresses and keys.  They are recomputed here
independently: the same BLAKE2b counter-mode random stream, Ed25519 key
pairs from it, and the address derivation (Argon2id, see
test/vectors/identity_ref.py), skipping reserved addresses as
zt_identity_generate does.
"""

import hashlib
import os
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

TOP = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(TOP, "corpus")


# ---- the fixed identities of fuzz_common.h ----


class Rng:
    def __init__(self, seed):
        self.key = struct.pack("<Q", seed) + bytes(24)
        self.ctr = 0

    def take32(self):
        block = hashlib.blake2b(struct.pack("<Q", self.ctr), key=self.key, digest_size=64)
        self.ctr += 1
        return block.digest()[:32]


def address_of(pk):
    out = Argon2id(
        salt=b"zt-address-v1...", length=32, iterations=2, lanes=1, memory_cost=2048
    ).derive(pk)
    return int.from_bytes(out[:5], "big")


def valid(a):
    return a != 0 and (a >> 32) != 0xFF


class Ident:
    def __init__(self, seed):
        self.seed = seed
        self.sk = Ed25519PrivateKey.from_private_bytes(seed)
        self.pk = self.sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.address = address_of(self.pk)

    def public_text(self):
        return "%010x:%s" % (self.address, self.pk.hex())

    def secret_text(self):
        return self.public_text() + ":" + self.seed.hex()


def fz_identity(i):
    rng = Rng(0x5EED0000 + i)
    while True:
        ident = Ident(rng.take32())
        if valid(ident.address):
            return ident


IDS = [fz_identity(i) for i in range(4)]


# ---- helpers ----


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def u16(n):
    return struct.pack(">H", n)


def u40(a):
    return a.to_bytes(5, "big")


def ep4(a, b, c, d, port):
    return bytes([4]) + u16(port) + bytes([a, b, c, d])


def nethash(nwid):
    h = hashlib.blake2b(struct.pack(">Q", nwid), key=b"zt-nethash-v1", digest_size=16)
    return h.digest()[:8]


def mac(nwid, address):
    first = (nwid & 0xFE) | 0x02
    x = (address ^ (nwid >> 8)) & 0xFFFFFFFFFF
    return bytes([first]) + u40(x)


def header(ptype, hops, dst, src):
    return bytes([0x10 | ptype, hops]) + u40(dst) + u40(src)


# ---- fuzz_wire ----

NWID_WIRE = 0xFF000000000000AA


def wire_ops():
    me, root, peer, leaf2 = IDS
    # Leaf with sessions (mode 2): inner messages from the root (peer 0)
    # and from the known peer (peer 1).
    def sealed(peer_i, msg, to_other=False, hops=0):
        op = 2 | (peer_i << 3) | ((1 if to_other else 0) << 4) | (hops << 5)
        return bytes([op]) + u16(len(msg)) + msg

    def tick(ms):
        return bytes([5]) + u16(ms // 10)

    frame_from_peer = (
        b"\x01"
        + struct.pack(">Q", NWID_WIRE)
        + mac(NWID_WIRE, me.address)
        + mac(NWID_WIRE, peer.address)
        + b"\x08\x00"
        + bytes(range(46))
    )
    seeds = {
        "leaf_register_ok": b"\x02"
        + sealed(0, b"\x11" + struct.pack(">Q", 1700000000000) + ep4(198, 51, 100, 7, 4242)),
        "leaf_whois_ok": b"\x02"
        + sealed(0, b"\x13" + u40(leaf2.address) + leaf2.pk + b"\x02" + ep4(10, 0, 3, 1, 9993)
                 + bytes([6]) + u16(9993) + bytes(15) + b"\x01"),
        "leaf_rendezvous": b"\x02"
        + sealed(0, b"\x16" + u40(peer.address) + b"\x01" + ep4(10, 0, 2, 1, 9993))
        + tick(1000),
        "leaf_members": b"\x02"
        + sealed(0, b"\x18" + nethash(NWID_WIRE) + u16(2) + u40(peer.address) + u40(leaf2.address))
        + tick(30000),
        "leaf_frame": b"\x02" + sealed(1, frame_from_peer) + sealed(1, b"\x02" + bytes(12)),
        "leaf_big_frame_relayed": b"\x02"
        + sealed(1, frame_from_peer[:23] + bytes(2000), hops=1),
        "leaf_tap": b"\x02"
        + bytes([4 | 8])
        + u16(60)
        + mac(NWID_WIRE, peer.address)
        + bytes(6)
        + b"\x08\x00"
        + bytes(46)
        + tick(5000),
        "leaf_raw": b"\x00" + bytes([0]) + u16(20) + header(4, 0, me.address, root.address) + bytes(8),
        "leaf_rekey": b"\x02" + bytes([7]) + sealed(0, b"\x00") + tick(130000),
        # Root with sessions (mode 3): leaves 0 and 1 register and talk.
        "root_register": b"\x03"
        + sealed(0, b"\x10" + struct.pack(">Q", 1700000000000))
        + sealed(1, b"\x10" + struct.pack(">Q", 1700000000000)),
        "root_whois": b"\x03" + sealed(0, b"\x12" + u40(leaf2.address)),
        "root_rendezvous": b"\x03" + sealed(0, b"\x15" + u40(leaf2.address)),
        "root_announce": b"\x03"
        + sealed(0, b"\x17" + nethash(NWID_WIRE) + b"\x00")
        + sealed(1, b"\x17" + nethash(NWID_WIRE) + b"\x00")
        + tick(130000),
        "root_relay": b"\x03" + sealed(0, b"\x01" + bytes(60), to_other=True),
        "root_raw": b"\x01" + bytes([3 | (4 << 3)]) + b"\x00\x00\x00" + u16(30) + bytes(30) + b"\x00",
        "empty_leaf": b"\x00",
        "empty_root": b"\x01",
    }
    for name, data in seeds.items():
        write("fuzz_wire", name, data)


# ---- fuzz_handshake ----


def handshake_seeds():
    write("fuzz_handshake", "honest", b"\x00" + bytes(64))
    write("fuzz_handshake", "dup_reorder", b"\x00" + bytes([6, 7, 0, 6, 7, 7, 9, 0] * 8))
    write("fuzz_handshake", "delays", b"\x00" + bytes([8, 0x18, 0x28, 0, 0xf8, 0] * 6))
    write("fuzz_handshake", "drops", b"\x01" + bytes([10, 0, 0, 10, 0, 10] * 8))
    write("fuzz_handshake", "flips", b"\x01" + bytes([11, 0, 20, 0, 0x2b, 0, 60, 0] * 6))
    write("fuzz_handshake", "rebind", b"\x01" + bytes([0, 0, 13, 0, 0, 0x1d, 0, 0] * 6))
    write("fuzz_handshake", "inject", b"\x01" + bytes([15]) + u16(12) + header(2, 0, 1, 2) + bytes([0] * 20))


# ---- fuzz_identity ----


def identity_seeds():
    write("fuzz_identity", "public", IDS[0].public_text() + "\n")
    write("fuzz_identity", "secret", IDS[1].secret_text())
    write("fuzz_identity", "upper", IDS[2].public_text().upper())
    write("fuzz_identity", "endpoint4", "192.0.2.1/9993")
    write("fuzz_identity", "endpoint6", "2001:db8::1/9993")
    write("fuzz_identity", "wire6", bytes([6]) + u16(9993) + bytes(15) + b"\x01")
    write("fuzz_identity", "address", "0123456789")


# ---- fuzz_roots ----


def roots_body(roots, signer):
    lines = ["# zt roots file: who the roots are and where they listen.", "zt-roots 1",
             "timestamp 1700000000000", "signer " + signer.pk.hex()]
    for ident, eps in roots:
        lines.append("root " + ident.public_text() + " " + " ".join(eps))
    return "\n".join(lines) + "\n"


def roots_seeds():
    signer = IDS[0]
    body1 = roots_body([(IDS[1], ["192.0.2.1/9993"])], signer)
    body3 = roots_body(
        [
            (IDS[1], ["192.0.2.1/9993", "2001:db8::1/9993"]),
            (IDS[2], ["198.51.100.1/443"]),
            (IDS[3], ["203.0.113.5/1", "::ffff:1.2.3.4/2", "10.0.0.1/3", "::1/4"]),
        ],
        signer,
    )
    # Signed whole files (mode 0): Ed25519 is deterministic, so this is
    # what zt_roots_write would give.
    for name, body in (("signed1", body1), ("signed3", body3)):
        sig = signer.sk.sign(body.encode())
        write("fuzz_roots", name, b"\x00" + (body + "signature " + sig.hex() + "\n").encode())
    # Bodies the target signs (mode 1).
    write("fuzz_roots", "body1", b"\x01" + body1.encode())
    write("fuzz_roots", "body3", b"\x01" + body3.encode())
    write("fuzz_roots", "body_crlf", b"\x01" + body1.replace("\n", "\r\n").encode())


# ---- fuzz_frag ----


def frag_seeds():
    # Raw mode: the two fragments of a 2000-byte DATA packet, in reverse.
    pkt = header(4, 0, 0x0102030405, 0x0A0B0C0D0E) + bytes(range(256)) * 8
    pkt = pkt[:2000]
    chunk = 1452 - 18
    frags = []
    for i in range(2):
        part = pkt[i * chunk:(i + 1) * chunk]
        frags.append(header(5, 0, 0x0102030405, 0x0A0B0C0D0E) + struct.pack(">IBB", 7, i, 2) + part)
    # Records: time step, source (frag.h's share per source: see
    # fuzz_frag.c), length, bytes.
    raw = b"\x00"
    for f in reversed(frags):
        raw += bytes([2, 0x11]) + u16(len(f)) + f
    write("fuzz_frag", "raw_two", raw)
    write("fuzz_frag", "raw_dup_expire", b"\x00" + bytes([2, 0x11]) + u16(len(frags[0])) + frags[0]
          + bytes([255, 0x11]) + u16(len(frags[0])) + frags[0])
    # One source's first fragments of 12 packets (more than its share),
    # then strangers', then the second fragment of the last packet.
    flood = b"\x00"
    for pid in range(12):
        f = frags[0][:12] + struct.pack(">I", 100 + pid) + frags[0][16:200]
        flood += bytes([0, 0x12 if pid % 2 else 0x02]) + u16(len(f)) + f
    flood += bytes([0, 0x11]) + u16(len(frags[1])) + frags[1]
    write("fuzz_frag", "raw_flood", flood)
    # Differential mode: length, hops, order bytes, body.
    write("fuzz_frag", "diff_small", b"\x01" + u16(100) + b"\x01" + bytes([0, 1, 2, 3]) + b"body")
    write("fuzz_frag", "diff_big", b"\x01" + u16(15000) + b"\x02" + bytes(range(11, -1, -1)) + bytes([0xf1, 0xf2]) + b"x" * 20)


def main():
    wire_ops()
    handshake_seeds()
    identity_seeds()
    roots_seeds()
    frag_seeds()
    for i, ident in enumerate(IDS):
        print("fz_id[%d] = %010x" % (i, ident.address))


if __name__ == "__main__":
    main()
