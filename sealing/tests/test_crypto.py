"""SM2/SM3/SM4 of the electronic seal, cross-checked against gmalg (a second implementation)."""

from __future__ import annotations

import base64
import os

import gmalg
import pytest
from gmssl import sm2 as gm_sm2

from gongwen import crypto
from gongwen.errors import DomainError

UID = b"1234567812345678"


@pytest.fixture(scope="module")
def keys():
    return crypto.generate_keypair()


@pytest.fixture(scope="module")
def payload():
    return os.urandom(200_000)


@pytest.fixture(scope="module")
def signed(keys, payload):
    private, public = keys
    return crypto.sign(private, public, payload)


def gmalg_verify(public: str, data: bytes, signature: str) -> bool:
    return gmalg.SM2(uid=UID, pk=bytes.fromhex(public)).verify(
        data, bytes.fromhex(signature[:64]), bytes.fromhex(signature[64:]))


# --- SM3 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, digest", [
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    (b"", "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"),
])
def test_sm3_matches_the_standard_vectors_and_gmalg(data, digest):
    assert crypto.sm3_hex(data) == digest
    h = gmalg.SM3()
    h.update(data)
    assert h.value().hex() == digest


def test_sm3_of_a_large_payload_agrees_with_gmalg_the_fallback(payload):
    assert crypto.sm3_hex(payload) == crypto._gmalg_sm3(payload).hex()


# --- keys ------------------------------------------------------------------------------------

def test_keypair_formats_and_the_public_key_is_on_the_curve(keys):
    private, public = keys
    assert len(private) == 64 and int(private, 16) > 0
    assert len(public) == 130 and public.startswith("04")
    assert crypto.public_key_of(private) == public
    assert gmalg.SM2().verify_pk(bytes.fromhex(public))
    # gmalg derives the same public key from the same private key
    assert gmalg.SM2().generate_pk(bytes.fromhex(private)).hex() == public
    assert crypto.generate_keypair()[0] != private


# --- signatures ------------------------------------------------------------------------------

def test_sign_verify_round_trip_and_gmalg_agrees(keys, payload, signed):
    private, public = keys
    assert len(signed) == 128
    assert crypto.verify(public, payload, signed)
    assert crypto.verify(public[2:], payload, signed)  # x‖y without 04 is accepted too
    assert gmalg_verify(public, payload, signed)
    # two signatures of the same data differ (fresh nonce) and both verify
    again = crypto.sign(private, public, payload)
    assert again != signed and crypto.verify(public, payload, again)


def test_gmalg_signature_verifies_with_ours(keys):
    private, public = keys
    r, s = gmalg.SM2(sk=bytes.fromhex(private), uid=UID, pk=bytes.fromhex(public)).sign(b"gongwen")
    signature = r.rjust(32, b"\0").hex() + s.rjust(32, b"\0").hex()
    assert crypto.verify(public, b"gongwen", signature)
    assert not crypto.verify(public, b"gongwen!", signature)


@pytest.mark.parametrize("where", [0, 1, 4096, 99_999, 150_001, 199_999])
def test_one_flipped_byte_anywhere_fails(keys, payload, signed, where):
    _, public = keys
    changed = bytearray(payload)
    changed[where] ^= 0x01
    assert not crypto.verify(public, bytes(changed), signed)


def test_appended_or_truncated_data_fails(keys, payload, signed):
    _, public = keys
    assert not crypto.verify(public, payload + b"\0", signed)
    assert not crypto.verify(public, payload[:-1], signed)


def test_wrong_key_fails(payload, signed):
    _, other = crypto.generate_keypair()
    assert not crypto.verify(other, payload, signed)
    assert not gmalg_verify(other, payload[:1000], crypto.sign(*crypto.generate_keypair(), payload[:1000]))


@pytest.mark.parametrize("garbage", [
    "", "00", "zz" * 64, "0" * 128, "f" * 128, "1" * 127, "1" * 130, None, 12345, b"ab" * 64,
])
def test_garbage_signature_is_false_not_an_exception(keys, payload, garbage):
    _, public = keys
    assert crypto.verify(public, payload, garbage) is False


def test_flipped_signature_bit_fails(keys, payload, signed):
    _, public = keys
    for i in (0, 63, 64, 127):
        bad = signed[:i] + ("1" if signed[i] != "1" else "2") + signed[i + 1:]
        assert crypto.verify(public, payload, bad) is False


@pytest.mark.parametrize("public", [
    "", "04", "04" + "0" * 128, "04" + "1" * 128, "nothex" * 20, None, "05" + "1" * 128,
])
def test_garbage_public_key_is_false(payload, signed, public):
    assert crypto.verify(public, payload, signed) is False


def test_a_point_off_the_curve_is_refused(keys, payload, signed):
    _, public = keys
    off = public[:-1] + ("0" if public[-1] != "0" else "1")
    assert crypto.verify(off, payload, signed) is False


def test_same_digest_as_gmssl_sign_with_sm3(keys):
    """We hash Z‖M with the fast SM3; gmssl's own sign_with_sm3 gives the same signature."""
    private, public = keys
    xy = public[2:]
    engine = gm_sm2.CryptSM2(private_key=private, public_key="")
    engine.public_key = xy
    data = "用印测试".encode() * 100
    assert crypto._e(xy, data).hex() == engine._sm3_z(data)
    k = "6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F"
    assert engine.sign_with_sm3(data, k) == engine.sign(crypto._e(xy, data), k)
    assert engine.verify_with_sm3(crypto.sign(private, public, data), data)


def test_keys_whose_x_starts_with_0_or_4_survive_gmssl_lstrip_quirk():
    """gmssl's CryptSM2("…", "04" + x‖y) does public_key.lstrip("04"): a key whose x starts with
    0 or 4 loses characters there. Ours must sign and verify such keys."""
    found = []
    d = 1
    while len(found) < 2:
        d += 1
        public = crypto.public_key_of(f"{d:064x}")
        if public[2] in "04":
            found.append((f"{d:064x}", public))
    for private, public in found:
        signature = crypto.sign(private, public, b"data")
        assert crypto.verify(public, b"data", signature)
        assert gmalg_verify(public, b"data", signature)
        # the quirk itself, so we notice if gmssl changes: the constructor mangles the key
        assert gm_sm2.CryptSM2(private_key=private, public_key=public).public_key != public[2:]


# --- SM4 encryption of the private key -------------------------------------------------------

def test_encrypt_decrypt_round_trip_with_random_iv(keys):
    private, _ = keys
    one, two = crypto.encrypt_private(private), crypto.encrypt_private(private)
    assert one != two  # a fresh IV each time
    assert private not in one
    assert crypto.decrypt_private(one) == crypto.decrypt_private(two) == private


def test_the_seal_key_setting_wins_over_secret_key(keys, settings):
    private, _ = keys
    settings.SEAL_KEY = "印章密钥-test"
    token = crypto.encrypt_private(private)
    assert crypto.decrypt_private(token) == private
    settings.SECRET_KEY = "another-secret-key-entirely-0123456789-abcdefghijklmnop"
    assert crypto.decrypt_private(token) == private  # SECRET_KEY is not used when SEAL_KEY is set
    settings.SEAL_KEY = "另一把印章密钥"
    with pytest.raises(DomainError, match="无法解密电子印章的私钥"):
        crypto.decrypt_private(token)


def test_a_wrong_key_is_refused(keys, settings):
    private, _ = keys
    settings.SEAL_KEY = ""
    token = crypto.encrypt_private(private)  # under SECRET_KEY
    settings.SECRET_KEY = "a-different-secret-key-0123456789-abcdefghijklmnopqrstuv"
    with pytest.raises(DomainError, match="印章密钥"):
        crypto.decrypt_private(token)


def test_every_tampered_byte_is_refused(keys):
    private, _ = keys
    token = crypto.encrypt_private(private)
    raw = base64.b64decode(token[4:])
    for i in range(len(raw)):
        bad = bytearray(raw)
        bad[i] ^= 0x80
        with pytest.raises(DomainError):
            crypto.decrypt_private("sm4:" + base64.b64encode(bytes(bad)).decode())


@pytest.mark.parametrize("token", ["", "sm4:", "sm4:!!!", "plain", "sm4:" + base64.b64encode(b"x" * 80).decode(),
                                   None])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(DomainError):
        crypto.decrypt_private(token)


def test_ciphertext_decrypts_with_gmalg_sm4_cbc(keys, settings):
    """The stored token is plain SM4-CBC/PKCS#7 (GB/T 32907): gmalg's SM4 reads it."""
    private, _ = keys
    settings.SEAL_KEY = "k"
    token = crypto.encrypt_private(private)
    raw = base64.b64decode(token[4:])
    iv, body = raw[:16], raw[16:-32]
    sm4 = gmalg.SM4(crypto.sm3_digest(b"k")[:16])
    prev, plain = iv, b""
    for i in range(0, len(body), 16):
        block = body[i:i + 16]
        plain += bytes(a ^ b for a, b in zip(sm4.decrypt(block), prev, strict=True))
        prev = block
    assert plain[:-plain[-1]].decode() == private
