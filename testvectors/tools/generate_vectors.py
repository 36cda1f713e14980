#!/usr/bin/env python3
"""Writes the known-answer vector files under src/main/resources/io/weft/testvectors/.

Published vectors (RFC 7748, RFC 8439, draft-irtf-cfrg-xchacha-03, RFC 7693, the BLAKE2
reference KAT, wireguard-go's kdf_test.go) are written as published, after each one is
recomputed here; the script stops if any recomputation disagrees. Generated vectors
(unkeyed BLAKE2s lengths, BLAKE2s-128, HMAC-BLAKE2s) come from hashlib/hmac and are
checked against a second, pure-Python BLAKE2s/HMAC below.

Needs Python 3.9+ and the 'cryptography' package (OpenSSL X25519 and ChaCha20-Poly1305).
Run from anywhere: python3 testvectors/tools/generate_vectors.py
"""
import hashlib
import hmac
import json
import pathlib
import struct

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

OUT = pathlib.Path(__file__).resolve().parent.parent / "src/main/resources/io/weft/testvectors"
H = bytes.fromhex


def pattern(n, start=0):
    return bytes((start + i) & 0xFF for i in range(n))


def write(name, source, cases):
    for c in cases:
        for k, v in c.items():
            assert isinstance(v, str), (name, k)
    doc = {"name": name, "source": source, "cases": cases}
    (OUT / (name + ".json")).write_text(json.dumps(doc, indent=2) + "\n")
    print(f"{name}: {len(cases)} cases")


# ---------------------------------------------------------------- second implementations

M32 = 0xFFFFFFFF
B2S_IV = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
          0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19]
SIGMA = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
]


def _rotr(x, n):
    return ((x >> n) | (x << (32 - n))) & M32


def _b2s_compress(h, block, t, last):
    m = struct.unpack("<16I", block)
    v = h[:] + B2S_IV[:]
    v[12] ^= t & M32
    v[13] ^= (t >> 32) & M32
    if last:
        v[14] ^= M32

    def g(a, b, c, d, x, y):
        v[a] = (v[a] + v[b] + x) & M32
        v[d] = _rotr(v[d] ^ v[a], 16)
        v[c] = (v[c] + v[d]) & M32
        v[b] = _rotr(v[b] ^ v[c], 12)
        v[a] = (v[a] + v[b] + y) & M32
        v[d] = _rotr(v[d] ^ v[a], 8)
        v[c] = (v[c] + v[d]) & M32
        v[b] = _rotr(v[b] ^ v[c], 7)

    for r in range(10):
        s = SIGMA[r]
        g(0, 4, 8, 12, m[s[0]], m[s[1]])
        g(1, 5, 9, 13, m[s[2]], m[s[3]])
        g(2, 6, 10, 14, m[s[4]], m[s[5]])
        g(3, 7, 11, 15, m[s[6]], m[s[7]])
        g(0, 5, 10, 15, m[s[8]], m[s[9]])
        g(1, 6, 11, 12, m[s[10]], m[s[11]])
        g(2, 7, 8, 13, m[s[12]], m[s[13]])
        g(3, 4, 9, 14, m[s[14]], m[s[15]])
    return [h[i] ^ v[i] ^ v[i + 8] for i in range(8)]


def blake2s_ref(data, outlen=32, key=b""):
    """BLAKE2s as in RFC 7693 section 3 (sequential mode only)."""
    assert 1 <= outlen <= 32 and len(key) <= 32
    h = B2S_IV[:]
    h[0] ^= 0x01010000 ^ (len(key) << 8) ^ outlen
    buf = (key + bytes(64 - len(key))) + data if key else data
    t = 0
    while len(buf) > 64:
        t += 64
        h = _b2s_compress(h, buf[:64], t, False)
        buf = buf[64:]
    t += len(buf)
    h = _b2s_compress(h, buf + bytes(64 - len(buf)), t, True)
    return struct.pack("<8I", *h)[:outlen]


def hmac_ref(key, msg):
    """RFC 2104 over blake2s_ref, block size 64."""
    if len(key) > 64:
        key = blake2s_ref(key)
    key = key + bytes(64 - len(key))
    inner = blake2s_ref(bytes(b ^ 0x36 for b in key) + msg)
    return blake2s_ref(bytes(b ^ 0x5C for b in key) + inner)


def hmac_lib(key, msg):
    return hmac.new(key, msg, hashlib.blake2s).digest()


def blake2s_lib(data, outlen=32, key=b""):
    return hashlib.blake2s(data, digest_size=outlen, key=key).digest()


def _rotl(x, n):
    return ((x << n) | (x >> (32 - n))) & M32


def hchacha20(key, nonce16):
    """draft-irtf-cfrg-xchacha-03 section 2.2."""
    s = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    s += list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16))

    def qr(a, b, c, d):
        s[a] = (s[a] + s[b]) & M32; s[d] = _rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & M32; s[b] = _rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & M32; s[d] = _rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & M32; s[b] = _rotl(s[b] ^ s[c], 7)

    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


P25519 = 2**255 - 19


def x25519_ref(k, u):
    """RFC 7748 section 5 ladder."""
    k = bytearray(k)
    k[0] &= 248; k[31] &= 127; k[31] |= 64
    k = int.from_bytes(k, "little")
    x1 = int.from_bytes(u, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in reversed(range(255)):
        kt = (k >> t) & 1
        swap ^= kt
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = kt
        a, b, c, d = x2 + z2, x2 - z2, x3 + z3, x3 - z3
        aa, bb, da, cb = a * a, b * b, d * a, c * b
        e = aa - bb
        x3, z3 = (da + cb) ** 2 % P25519, x1 * (da - cb) ** 2 % P25519
        x2, z2 = aa * bb % P25519, e * (aa + 121665 * e) % P25519
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, P25519 - 2, P25519) % P25519).to_bytes(32, "little")


def x25519_lib(k, u):
    return X25519PrivateKey.from_private_bytes(k).exchange(X25519PublicKey.from_public_bytes(u))


def check(what, got, want):
    if got != want:
        raise SystemExit(f"MISMATCH {what}: got {got.hex()} want {want.hex()}")


# ---------------------------------------------------------------- 1. X25519, RFC 7748

def x25519_file():
    base = H("09" + "00" * 31)
    single = [
        ("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
         "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
         "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
         "RFC 7748 5.2, first X25519 vector"),
        ("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
         "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
         "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
         "RFC 7748 5.2, second X25519 vector; u has its top bit set, which X25519 must mask"),
    ]
    iterated = {1: "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
                1000: "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"}
    a, a_pub, b, b_pub, shared = (
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
        "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
        "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
    for f in (x25519_lib, x25519_ref):
        for s, u, o, _ in single:
            check("x25519 " + f.__name__, f(H(s), H(u)), H(o))
        k = u = base
        for i in range(1, 1001):
            k, u = f(k, u), k
            if i in iterated:
                check(f"x25519 iterate {i} {f.__name__}", k, H(iterated[i]))
        check("alice public", f(H(a), base), H(a_pub))
        check("bob public", f(H(b), base), H(b_pub))
        check("alice shared", f(H(a), H(b_pub)), H(shared))
        check("bob shared", f(H(b), H(a_pub)), H(shared))

    cases = [{"kind": "scalarmult", "scalar": s, "u": u, "out": o, "comment": c}
             for s, u, o, c in single]
    cases += [{"kind": "iterate", "iterations": str(n), "out": o,
               "comment": f"RFC 7748 5.2, k = u = 9 then k, u = X25519(k, u), k; after {n}"}
              for n, o in iterated.items()]
    cases.append({"kind": "dh", "alice_private": a, "alice_public": a_pub,
                  "bob_private": b, "bob_public": b_pub, "shared": shared,
                  "comment": "RFC 7748 6.1, Curve25519 Diffie-Hellman"})
    write("x25519-rfc7748",
          "RFC 7748 sections 5.2 (two X25519 vectors, 1 and 1000 iterations) and 6.1 "
          "(Diffie-Hellman). Values as stored at dymokomi/luce-crypto-vectors rfc/rfc7748.txt "
          "(an extract of those sections); recomputed with OpenSSL X25519 and with an RFC 7748 "
          "section 5 ladder in testvectors/tools/generate_vectors.py.",
          cases)


# ---------------------------------------------------------------- 2. ChaCha20-Poly1305, RFC 8439

def chacha_file():
    sunscreen = (b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
                 b"for the future, sunscreen would be it.")
    s282 = dict(
        key=pattern(32, 0x80).hex(),
        nonce=("07000000" + "4041424344454647"),
        aad="50515253c0c1c2c3c4c5c6c7",
        plaintext=sunscreen.hex(),
        ciphertext=("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
                    "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
                    "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
                    "3ff4def08e4b7a9de576d26586cec64b6116"),
        tag="1ae10b594f09e26a7e902ecbd0600691",
        comment="RFC 8439 2.8.2; nonce is the 32-bit fixed-common part 07000000 then the IV")
    a5 = dict(
        key="1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
        nonce="000000000102030405060708",
        aad="f33388860000000000004e91",
        plaintext=("496e7465726e65742d4472616674732061726520647261667420646f63756d65"
                   "6e74732076616c696420666f722061206d6178696d756d206f6620736978206d"
                   "6f6e74687320616e64206d617920626520757064617465642c207265706c6163"
                   "65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65"
                   "6e747320617420616e792074696d652e20497420697320696e617070726f7072"
                   "6961746520746f2075736520496e7465726e65742d4472616674732061732072"
                   "65666572656e6365206d6174657269616c206f7220746f206369746520746865"
                   "6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67"
                   "726573732e2fe2809d"),
        ciphertext=("64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
                    "4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
                    "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
                    "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
                    "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
                    "af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
                    "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
                    "49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
                    "a6ad5cb4022b02709b"),
        tag="eead9d67890cbb22392336fea1851f38",
        comment="RFC 8439 A.5 (AEAD decryption example)")
    for c in (s282, a5):
        got = ChaCha20Poly1305(H(c["key"])).encrypt(H(c["nonce"]), H(c["plaintext"]), H(c["aad"]))
        check("chacha20poly1305 " + c["comment"], got, H(c["ciphertext"] + c["tag"]))
    assert len(H(s282["plaintext"])) == 114 and len(H(a5["plaintext"])) == 265
    write("chacha20poly1305-rfc8439",
          "RFC 8439 section 2.8.2 and Appendix A.5, read from the RFC text stored at "
          "floodyberry/poly1305-donna rfc8439.txt; recomputed with OpenSSL ChaCha20-Poly1305.",
          [s282, a5])


# ---------------------------------------------------------------- 3. XChaCha20-Poly1305 draft

def xchacha_file():
    h = dict(kind="hchacha20", key=pattern(32).hex(), nonce="000000090000004a0000000031415927",
             out="82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc",
             comment="draft-irtf-cfrg-xchacha-03 2.2.1")
    check("hchacha20", hchacha20(H(h["key"]), H(h["nonce"])), H(h["out"]))
    a = dict(kind="aead", key=pattern(32, 0x80).hex(), nonce=pattern(24, 0x40).hex(),
             aad="50515253c0c1c2c3c4c5c6c7",
             plaintext=("4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
                        "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
                        "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
                        "637265656e20776f756c642062652069742e"),
             ciphertext=("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
                         "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
                         "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
                         "21f9664c97637da9768812f615c68b13b52e"),
             tag="c0875924c1c7987947deafd8780acf49",
             comment="draft-irtf-cfrg-xchacha-03 A.3.1 (same values as A.1)")
    key, nonce = H(a["key"]), H(a["nonce"])
    sub = hchacha20(key, nonce[:16])
    got = ChaCha20Poly1305(sub).encrypt(b"\0\0\0\0" + nonce[16:], H(a["plaintext"]), H(a["aad"]))
    check("xchacha20poly1305", got, H(a["ciphertext"] + a["tag"]))
    write("xchacha20poly1305-draft",
          "draft-irtf-cfrg-xchacha-03 sections 2.2.1 (HChaCha20) and A.3.1 "
          "(AEAD_XCHACHA20_POLY1305), read from bikeshedders/xchacha-rfc "
          "draft-irtf-cfrg-xchacha-rfc-03.txt; recomputed with an HChaCha20 in "
          "testvectors/tools/generate_vectors.py feeding OpenSSL ChaCha20-Poly1305.",
          [h, a])


# ---------------------------------------------------------------- 4. BLAKE2s, RFC 7693

def blake2s_file():
    abc = H("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982")
    check("blake2s abc lib", blake2s_lib(b"abc"), abc)
    check("blake2s abc ref", blake2s_ref(b"abc"), abc)
    cases = [dict(key="", input=b"abc".hex(), outlen="32", out=abc.hex(),
                  comment="RFC 7693 Appendix B, BLAKE2s-256(\"abc\")")]
    for n in (0, 1, 63, 64, 65, 128, 200):
        data = pattern(n)
        out = blake2s_lib(data)
        check(f"blake2s unkeyed {n}", blake2s_ref(data), out)
        cases.append(dict(key="", input=data.hex(), outlen="32", out=out.hex(),
                          comment=f"generated: unkeyed BLAKE2s-256 of {n} bytes i & 0xff"))
    write("blake2s-rfc7693",
          "RFC 7693 Appendix B (BLAKE2s-256 of \"abc\"; value as quoted from the RFC in "
          "tnakagawa/goref blake2 test and nettle's blake2s test), plus unkeyed BLAKE2s-256 "
          "cases generated with Python hashlib.blake2s over inputs of bytes i & 0xff, each "
          "matched by a pure-Python RFC 7693 BLAKE2s in testvectors/tools/generate_vectors.py.",
          cases)


# ---------------------------------------------------------------- 5. keyed BLAKE2s

# BLAKE2/BLAKE2 testvectors/blake2s-test.txt (commit a976a0ab), the keyed KAT:
# key 000102..1f, input 00 01 .. n-1.
KAT = {
    0: "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49",
    1: "40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1",
    2: "6bb71300644cd3991b26ccd4d274acd1adeab8b1d7914546c1198bbe9fc9d803",
    3: "1d220dbe2ee134661fdf6d9e74b41704710556f2f6e5a091b227697445dbea6b",
    63: "c65382513f07460da39833cb666c5ed82e61b9e998f4b0c4287cee56c3cc9bcd",
    64: "8975b0577fd35566d750b362b0897a26c399136df07bababbde6203ff2954ed4",
    65: "21fe0ceb0052be7fb0f004187cacd7de67fa6eb0938d927677f2398c132317a8",
    127: "ddbfea75cc467882eb3483ce5e2e756a4f4701b76b445519e89f22d60fa86e06",
    128: "0c311f38c35a4fb90d651c289d486856cd1413df9b0677f53ece2cd9e477c60a",
    255: "3fb735061abc519dfe979e54c1ee5bfad0a9d858b3315bad34bde999efd724dd",
}


def blake2s_keyed_file():
    key = pattern(32)
    cases = []
    for n, out in KAT.items():
        data = pattern(n)
        check(f"kat {n} lib", blake2s_lib(data, 32, key), H(out))
        check(f"kat {n} ref", blake2s_ref(data, 32, key), H(out))
        cases.append(dict(key=key.hex(), input=data.hex(), outlen="32", out=out,
                          comment=f"BLAKE2 reference KAT, keyed, input length {n}"))
    # WireGuard's MAC is keyed BLAKE2s-128: mac1 with a 32-byte key over the first 116 (initiation)
    # or 60 (response) bytes, mac2 with the 16-byte cookie over 132 or 76 bytes.
    for klen, kstart, n in ((32, 0x00, 0), (32, 0x00, 60), (32, 0x00, 64), (32, 0x00, 116),
                            (16, 0x40, 76), (16, 0x40, 132)):
        k, data = pattern(klen, kstart), pattern(n)
        out = blake2s_lib(data, 16, k)
        check(f"b2s128 {klen}/{n}", blake2s_ref(data, 16, k), out)
        cases.append(dict(key=k.hex(), input=data.hex(), outlen="16", out=out.hex(),
                          comment=f"generated: keyed BLAKE2s-128, {klen}-byte key, "
                                  f"{n} input bytes i & 0xff"))
    write("blake2s-keyed",
          "outlen 32: BLAKE2 reference KAT, BLAKE2/BLAKE2 testvectors/blake2s-test.txt "
          "(key 000102..1f, input 00 01 .. n-1; blake2s-kat.txt itself is not in the stored "
          "index, its n = 0 and 1 values as quoted by nettle agree). outlen 16: generated with "
          "Python hashlib.blake2s(digest_size=16, key=...). Every case matched by a pure-Python "
          "RFC 7693 BLAKE2s in testvectors/tools/generate_vectors.py.",
          cases)


# ---------------------------------------------------------------- 6. HMAC-BLAKE2s

def hmac_file():
    cases = []
    for klen in (0, 32, 64, 100):
        for n in (0, 3, 64, 200):
            k, data = pattern(klen, 0x80), pattern(n)
            out = hmac_lib(k, data)
            check(f"hmac {klen}/{n}", hmac_ref(k, data), out)
            cases.append(dict(key=k.hex(), input=data.hex(), out=out.hex(),
                              comment=f"{klen}-byte key (0x80 + i) & 0xff, "
                                      f"{n} input bytes i & 0xff"))
    write("hmac-blake2s",
          "Generated: RFC 2104 HMAC over BLAKE2s-256 (64-byte block; keys longer than 64 bytes "
          "are hashed first) with Python hmac.new(key, msg, hashlib.blake2s), each matched by "
          "a pure-Python HMAC and BLAKE2s in testvectors/tools/generate_vectors.py.",
          cases)


# ---------------------------------------------------------------- 7. WireGuard KDF

def kdf_ref(key, data):
    prk = hmac_ref(key, data)
    t1 = hmac_ref(prk, b"\x01")
    t2 = hmac_ref(prk, t1 + b"\x02")
    t3 = hmac_ref(prk, t2 + b"\x03")
    return t1, t2, t3


def hkdf_file():
    # wireguard-go device/kdf_test.go: key and input are hex strings decoded with hex.DecodeString.
    tests = [
        ("746573742d6b6579", "746573742d696e707574",
         "6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
         "df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
         "fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24"),
        ("776972656775617264", "776972656775617264",
         "491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8",
         "1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f",
         "31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160"),
        ("", "",
         "8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
         "58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
         "0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e"),
    ]
    cases = []
    for key, data, t0, t1, t2 in tests:
        got = kdf_ref(H(key), H(data))
        for name, g, want in zip(("t0", "t1", "t2"), got, (t0, t1, t2)):
            check(f"kdf {name} {key}", g, H(want))
        # and once more through hashlib/hmac
        prk = hmac_lib(H(key), H(data))
        check("kdf lib t0", hmac_lib(prk, b"\x01"), H(t0))
        label = "empty key and input" if not key else \
            f"key \"{H(key).decode()}\", input \"{H(data).decode()}\" as ASCII"
        cases.append(dict(key=key, input=data, t0=t0, t1=t1, t2=t2,
                          comment=f"wireguard-go TestKDF: {label}"))
    write("hkdf-blake2s",
          "wireguard-go device/kdf_test.go TestKDF (WireGuard/wireguard-go, commit 9eb3221f): "
          "KDF3 with PRK = HMAC-BLAKE2s(key, input), t0 = HMAC(PRK, 0x01), "
          "t1 = HMAC(PRK, t0 || 0x02), t2 = HMAC(PRK, t1 || 0x03) (device/noise-helpers.go); "
          "recomputed with a pure-Python HMAC-BLAKE2s in testvectors/tools/generate_vectors.py.",
          cases)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    x25519_file()
    chacha_file()
    xchacha_file()
    blake2s_file()
    blake2s_keyed_file()
    hmac_file()
    hkdf_file()
