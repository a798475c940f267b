"""The deployment's Chinese national cryptography: SM2 key pairs, SM3 digests, SM2 signatures and
the SM4 encryption of a seal's private key at rest (GB/T 32918, GB/T 32905, GB/T 32907).

It sits in the bottom layer (``gongwen``) because three apps use it: the electronic seal
(``sealing``: the seal's key pair, the signature over a sealed PDF), the exchange packages
(``exchange.packages``: the signed manifest, the trusted keys) and the audit checkpoints
(``audit.checkpoints``: the deployment's signing key).

Which library does what, and why:

* **gmssl** (3.2.2, pure Python) is the SM2 and SM4 implementation: ``CryptSM2`` computes the
  public key (``_kg``), signs and verifies; ``CryptSM4`` encrypts the private key (CBC). It has
  three traps this module steps around, each covered by a test:

  - ``CryptSM2.__init__`` strips a leading ``04`` with ``str.lstrip("04")``, which removes *every*
    leading ``0`` and ``4`` character, so a key whose x coordinate starts with ``0`` or ``4``
    (about one key in eight) silently becomes a different point. We set ``public_key`` (x‖y,
    128 hex) on the object after constructing it.
  - its own nonce (``func.random_hex``) comes from ``random.choice`` (Mersenne Twister, not a
    cryptographic generator); a predictable SM2 nonce gives away the private key. We draw the
    nonce with :mod:`secrets` and pass it in.
  - ``sign_with_sm3`` hashes the message with gmssl's own pure-Python SM3 (≈ 4 s per MB);
    ``verify`` does not check the ranges of r and s nor that the public key is on the curve.
    We compute e = SM3(Z‖M) ourselves (fast SM3, below) and call gmssl's ``sign``/``verify`` on
    e, which is exactly what ``sign_with_sm3``/``verify_with_sm3`` do (a test proves the
    signatures are identical for the same nonce); and we check r, s and the point first.

* **SM3**: OpenSSL's ``sm3`` through :mod:`hashlib` when the Python build has it (C speed: a
  sealed PDF of several MB hashes in milliseconds), otherwise gmalg's SM3 (pure Python, about
  1.6× gmssl's). Both give the GB/T 32905 test vectors.

* **gmalg** (1.1.2) is the independent second implementation: the tests verify our signatures
  with gmalg's SM2 and check our SM3 against it. The conventions agree: both use the default
  user ID ``1234567812345678`` (ENTL 0x0080) in Z, the signature is r‖s (2 × 32 bytes, here
  128 hex characters, not DER), the public key is the uncompressed point 04‖x‖y.

Formats used by the rest of the app:

* private key: 64 hex characters (the scalar d, 1 ≤ d ≤ n − 2);
* public key: **130** hex characters, ``04`` ‖ x ‖ y (the uncompressed point, as stored in
  ``Seal.public_key``); the functions also accept the 128-character x ‖ y form;
* signature: 128 hex characters, r ‖ s;
* encrypted private key (``Seal.private_key_encrypted``): ``sm4:`` + base64(IV ‖ C ‖ MAC) — SM4-CBC
  with a random 16-byte IV and PKCS#7 padding under the first 16 bytes of
  SM3(settings.SEAL_KEY, or SECRET_KEY when SEAL_KEY is not set), then HMAC-SM3 over IV ‖ C under
  the last 16 bytes of that digest (encrypt-then-MAC: CBC alone would not notice a wrong key or a
  changed byte reliably).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from gmssl import sm2 as gm_sm2
from gmssl import sm4 as gm_sm4

from gongwen.errors import DomainError

_TABLE = gm_sm2.default_ecc_table
_N = int(_TABLE["n"], 16)
_P = int(_TABLE["p"], 16)
_A = int(_TABLE["a"], 16)
_B = int(_TABLE["b"], 16)
_G = _TABLE["g"]
_TOKEN_PREFIX = "sm4:"  # noqa: S105 — the format tag of the stored token, not a secret
_HEX = frozenset("0123456789abcdefABCDEF")
_MAC_LEN = 32


# --- SM3 -------------------------------------------------------------------------------------

def _openssl_sm3():
    try:
        hashlib.new("sm3", b"abc")
    except ValueError:
        return None
    return lambda data: hashlib.new("sm3", data).digest()


def _gmalg_sm3(data: bytes) -> bytes:
    from gmalg import SM3

    h = SM3()
    h.update(data)
    return h.value()


_sm3 = _openssl_sm3() or _gmalg_sm3


def sm3_digest(data: bytes) -> bytes:
    """The 32-byte SM3 digest of ``data``."""
    return _sm3(bytes(data))


def sm3_hex(data: bytes) -> str:
    """The SM3 digest of ``data`` as 64 lowercase hex characters."""
    return sm3_digest(data).hex()


def _hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC (RFC 2104) with SM3, block size 64 bytes; written out so it works with either SM3."""
    if len(key) > 64:
        key = _sm3(key)
    key = key.ljust(64, b"\0")
    inner = _sm3(bytes(k ^ 0x36 for k in key) + data)
    return _sm3(bytes(k ^ 0x5C for k in key) + inner)


# --- keys ------------------------------------------------------------------------------------

def _xy(public_hex: str) -> str:
    """x‖y (128 lowercase hex) of a public key given as 04‖x‖y or x‖y; ValueError otherwise."""
    if not isinstance(public_hex, str):
        raise ValueError("public key must be a hex string")
    key = public_hex.strip().lower()
    if len(key) == 130 and key.startswith("04"):
        key = key[2:]
    if len(key) != 128 or not _HEX.issuperset(key):
        raise ValueError("public key must be 04‖x‖y (130 hex) or x‖y (128 hex)")
    x, y = int(key[:64], 16), int(key[64:], 16)
    if not (x < _P and y < _P and (y * y - (x * x * x + _A * x + _B)) % _P == 0):
        raise ValueError("public key is not a point on the SM2 curve")
    return key


def public_xy(public_hex: str) -> str:
    """x‖y (128 lowercase hex) of a public key given as 04‖x‖y or x‖y, checked to be a point
    on the curve; ValueError otherwise (exchange checks a key before it registers it)."""
    return _xy(public_hex)


def _engine(private_hex: str, xy: str) -> gm_sm2.CryptSM2:
    engine = gm_sm2.CryptSM2(private_key=private_hex, public_key="")
    engine.public_key = xy  # not through __init__: its lstrip("04") eats leading 0s and 4s of x
    return engine


def _public_of(d: int) -> str:
    return _engine("", _G)._kg(d, _G)


def generate_keypair() -> tuple[str, str]:
    """A new SM2 key pair: (private key, 64 hex; public key, 130 hex ``04``‖x‖y)."""
    d = secrets.randbelow(_N - 2) + 1  # 1 ≤ d ≤ n − 2
    return f"{d:064x}", "04" + _public_of(d)


def public_key_of(private_hex: str) -> str:
    """The public key (04‖x‖y) belonging to a private key."""
    d = int(private_hex, 16)
    if not 1 <= d <= _N - 2:
        raise ValueError("private key out of range")
    return "04" + _public_of(d)


# --- SM4 encryption of the private key -------------------------------------------------------

def _seal_keys() -> tuple[bytes, bytes]:
    from django.conf import settings

    secret = getattr(settings, "SEAL_KEY", None) or settings.SECRET_KEY
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    digest = _sm3(secret)
    return digest[:16], digest[16:]


def encrypt_private(private_hex: str) -> str:
    """The private key encrypted for storage: ``sm4:`` + base64(IV ‖ SM4-CBC ‖ HMAC-SM3)."""
    enc_key, mac_key = _seal_keys()
    iv = secrets.token_bytes(16)
    cipher = gm_sm4.CryptSM4()
    cipher.set_key(enc_key, gm_sm4.SM4_ENCRYPT)
    body = iv + cipher.crypt_cbc(iv, private_hex.encode("ascii"))
    return _TOKEN_PREFIX + base64.b64encode(body + _hmac_sm3(mac_key, body)).decode("ascii")


def decrypt_private(token: str) -> str:
    """The private key (64 hex) from :func:`encrypt_private`'s token.

    Refuses (DomainError) when the token was changed or was encrypted under another seal key.
    """
    refused = DomainError(
        "无法解密电子印章的私钥：密文已被改动，或本系统的印章密钥（SEAL_KEY）与制作该印章时的不同。"
        "请联系系统管理员核对印章密钥，或重新制作电子印章。",
        code="seal_key",
    )
    try:
        if not token.startswith(_TOKEN_PREFIX):
            raise ValueError
        raw = base64.b64decode(token[len(_TOKEN_PREFIX):], validate=True)
    except (ValueError, TypeError, AttributeError):
        raise refused from None
    body, mac = raw[:-_MAC_LEN], raw[-_MAC_LEN:]
    if len(body) < 32 or len(body) % 16:
        raise refused
    enc_key, mac_key = _seal_keys()
    if not hmac.compare_digest(mac, _hmac_sm3(mac_key, body)):
        raise refused
    cipher = gm_sm4.CryptSM4()
    cipher.set_key(enc_key, gm_sm4.SM4_DECRYPT)
    try:
        private_hex = cipher.crypt_cbc(body[:16], body[16:]).decode("ascii")
        if len(private_hex) != 64:
            raise ValueError
        int(private_hex, 16)
    except ValueError:
        raise refused from None
    return private_hex


# --- SM2 signatures --------------------------------------------------------------------------

def _e(xy: str, data: bytes) -> bytes:
    """e = SM3(Z_A ‖ M), Z_A with the default user ID 1234567812345678 (GB/T 32918.2 §6.1)."""
    za = _sm3(bytes.fromhex("0080" + "31323334353637383132333435363738" + _TABLE["a"] + _TABLE["b"] + _G + xy))
    return _sm3(za + bytes(data))


def sign(private_hex: str, public_hex: str, data: bytes) -> str:
    """The SM2 signature (SM3 with Z, default ID) of ``data``: r‖s, 128 hex characters."""
    xy = _xy(public_hex)
    engine = _engine(private_hex, xy)
    e = _e(xy, data)
    while True:
        k = secrets.randbelow(_N - 1) + 1
        signature = engine.sign(e, f"{k:064x}")
        if signature:  # gmssl returns None for the rare r = 0, r + k = n, s = 0: draw again
            return signature


def verify(public_hex: str, data: bytes, signature_hex: str) -> bool:
    """Whether ``signature_hex`` is a valid SM2 signature of ``data`` under ``public_hex``.

    Never raises: a malformed key or signature is simply not valid.
    """
    try:
        xy = _xy(public_hex)
        if not isinstance(signature_hex, str) or len(signature_hex) != 128 or not _HEX.issuperset(signature_hex):
            return False
        r, s = int(signature_hex[:64], 16), int(signature_hex[64:], 16)
        if not (1 <= r < _N and 1 <= s < _N):
            return False
        return bool(_engine("", xy).verify(signature_hex.lower(), _e(xy, data)))
    except Exception:  # garbage in, False out
        return False
