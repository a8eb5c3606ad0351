"""SM2 signatures, SM3 digests and SM4-encrypted seal keys; production refuses to start without a key."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from gmssl import func, sm2, sm3

from yichuang.documents import crypto
from yichuang.documents.checks import refuse_without_seal_master_key, seal_master_key_configured


def _gmssl_sm3(data: bytes) -> str:
    return str(sm3.sm3_hash(func.bytes_to_list(data)))


@pytest.mark.parametrize("openssl", [True, False], ids=["openssl", "gmalglib"])
def test_sm3_matches_the_standards_example_on_both_paths(monkeypatch, openssl):
    if openssl and not crypto._HAS_OPENSSL_SM3:
        pytest.skip("this OpenSSL has no SM3")
    monkeypatch.setattr(crypto, "_HAS_OPENSSL_SM3", openssl)
    # GB/T 32905-2016 appendix A, example 1: SM3("abc").
    expected = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert crypto.sm3_hex(b"abc") == expected
    data = secrets.token_bytes(5000)
    stream = crypto.Sm3Stream()
    stream.update(data[:1234])
    stream.update(data[1234:])
    assert stream.hexdigest() == crypto.sm3_hex(data) == _gmssl_sm3(data)


def test_a_signature_round_trips_and_any_change_breaks_it():
    pair = crypto.sm2_generate()
    message = b"sm3=00ff\nseal=A-SPZ"
    signature = crypto.sm2_sign(private_key=pair.private_key, public_key=pair.public_key, message=message)
    assert len(signature) == 128
    assert crypto.sm2_verify(public_key=pair.public_key, message=message, signature=signature)
    assert not crypto.sm2_verify(public_key=pair.public_key, message=message + b" ", signature=signature)
    other = crypto.sm2_generate()
    assert not crypto.sm2_verify(public_key=other.public_key, message=message, signature=signature)
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert not crypto.sm2_verify(public_key=pair.public_key, message=message, signature=flipped)
    assert not crypto.sm2_verify(public_key=pair.public_key, message=message, signature="not hex")


#: A key whose public x coordinate starts with 04: gmssl's constructor strips every leading 0 and 4
#: of such a key (``lstrip("04")``), one key in 256; it must interoperate too.
KEY_04 = "4451c0b7a8ec273d14d3d185002a995f5f902a850e1ceb000b6d4d9f8d8bc886"


def _gmssl(private_key: str, public_key: str) -> sm2.CryptSM2:
    crypt = sm2.CryptSM2(private_key=private_key, public_key="", mode=1)
    crypt.public_key = public_key  # not through the constructor: see KEY_04
    return crypt


def _gmssl_sign(private_key: str, public_key: str, message: bytes) -> str:
    """A signature as documents were signed before gmalglib (gmssl, nonce from ``secrets``)."""
    while True:
        try:
            signature = _gmssl(private_key, public_key).sign_with_sm3(message, secrets.token_hex(32))
        except (ValueError, TypeError):  # gmssl drops a leading zero of a coordinate now and then
            continue
        if signature and _gmssl(private_key, public_key).verify_with_sm3(signature, message):
            return str(signature)


@pytest.mark.parametrize("private_key", ["fresh", KEY_04])
def test_signatures_made_by_gmssl_verify_and_gmssl_verifies_ours(private_key):
    """Every document signed before the switch (gmssl) still verifies, and the other way round."""
    if private_key == "fresh":
        pair = crypto.sm2_generate()
    else:
        pair = crypto.KeyPair(private_key, crypto._public_from_private(private_key))
        assert pair.public_key.startswith("04")
    assert pair.public_key == _gmssl(pair.private_key, "")._kg(
        int(pair.private_key, 16), sm2.default_ecc_table["g"]
    )
    for message in (b"yichuang-document-v1\ncode=0123456789ABCDEF", secrets.token_bytes(300)):
        old = _gmssl_sign(pair.private_key, pair.public_key, message)
        assert crypto.sm2_verify(public_key=pair.public_key, message=message, signature=old)
        assert not crypto.sm2_verify(public_key=pair.public_key, message=message + b"!", signature=old)
        new = crypto.sm2_sign(private_key=pair.private_key, public_key=pair.public_key, message=message)
        assert _gmssl("", pair.public_key).verify_with_sm3(new, message)
        assert not _gmssl("", pair.public_key).verify_with_sm3(new, message + b"!")


def test_each_signature_draws_a_fresh_nonce_from_secrets(monkeypatch):
    pair = crypto.sm2_generate()
    first = crypto.sm2_sign(private_key=pair.private_key, public_key=pair.public_key, message=b"yichuang")
    second = crypto.sm2_sign(private_key=pair.private_key, public_key=pair.public_key, message=b"yichuang")
    assert first != second  # a new random k each time
    drawn: list[int] = []

    def token_bytes(n: int) -> bytes:
        drawn.append(n)
        return secrets.SystemRandom().randbytes(n)

    crypto._signer.cache_clear()
    monkeypatch.setattr(crypto.secrets, "token_bytes", token_bytes)
    crypto.sm2_sign(private_key=pair.private_key, public_key=pair.public_key, message=b"yichuang")
    crypto.sm2_generate()
    assert len(drawn) >= 2 and all(n == 32 for n in drawn)


def test_a_public_key_that_is_not_the_signers_is_refused_rather_than_used():
    pair, other = crypto.sm2_generate(), crypto.sm2_generate()
    with pytest.raises(ValueError):
        crypto.sm2_sign(private_key=pair.private_key, public_key=other.public_key, message=b"x")


def test_private_keys_are_stored_encrypted_and_checked_on_the_way_out(settings, tmp_path):
    settings.SEAL_MASTER_KEY = secrets.token_hex(16)
    pair = crypto.sm2_generate()
    stored = crypto.encrypt_private_key(pair.private_key)
    assert pair.private_key not in stored and stored.startswith("sm4cbc$")
    assert crypto.decrypt_private_key(stored, public_key=pair.public_key) == pair.private_key
    with pytest.raises(crypto.KeyDecryptionError):
        crypto.decrypt_private_key(stored, public_key=crypto.sm2_generate().public_key)
    settings.SEAL_MASTER_KEY = secrets.token_hex(16)
    with pytest.raises(crypto.KeyDecryptionError, match="master key"):
        crypto.decrypt_private_key(stored, public_key=pair.public_key)


def test_without_a_configured_key_dev_makes_one_under_the_data_directory(settings, tmp_path):
    settings.SEAL_MASTER_KEY = ""
    settings.PRODUCTION = False
    settings.DATA_DIR = tmp_path
    first = crypto.master_key()
    assert len(first) == 16 and crypto.master_key() == first
    key_file = Path(tmp_path) / "keys" / crypto.KEY_FILE_NAME
    assert key_file.read_text().strip() == first.hex()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_production_refuses_to_start_without_a_well_formed_key(settings):
    settings.PRODUCTION = True
    settings.SEAL_MASTER_KEY = ""
    errors = seal_master_key_configured()
    assert [e.id for e in errors] == ["yichuang.documents.E001"]
    assert "SEAL_MASTER_KEY" in errors[0].msg
    with pytest.raises(ImproperlyConfigured):
        refuse_without_seal_master_key()
    settings.SEAL_MASTER_KEY = "too-short"
    assert seal_master_key_configured()
    settings.SEAL_MASTER_KEY = secrets.token_hex(16)
    assert seal_master_key_configured() == []
    refuse_without_seal_master_key()


def test_dev_starts_without_a_key_and_the_system_check_passes(settings):
    settings.PRODUCTION = False
    settings.SEAL_MASTER_KEY = ""
    assert seal_master_key_configured() == []
    call_command("check")


def test_a_signature_or_key_that_cannot_even_be_checked_is_simply_not_genuine():
    """A key that is no point of the curve, or a signature of zeros: the verify page says "not
    genuine", never answers 500."""
    pair = crypto.sm2_generate()
    signature = crypto.sm2_sign(private_key=pair.private_key, public_key=pair.public_key, message=b"x")
    assert crypto.sm2_verify(public_key="a" * 128, message=b"x", signature=signature) is False
    assert crypto.sm2_verify(public_key=pair.public_key, message=b"x", signature="0" * 128) is False
    assert crypto.sm2_verify(public_key=pair.public_key, message=b"x", signature="f" * 128) is False


def test_a_key_whose_x_coordinate_starts_with_04_signs_and_verifies():
    private_key = KEY_04
    public_key = crypto._public_from_private(private_key)
    assert public_key.startswith("04")
    signature = crypto.sm2_sign(private_key=private_key, public_key=public_key, message=b"receipt")
    assert crypto.sm2_verify(public_key=public_key, message=b"receipt", signature=signature)
    assert not crypto.sm2_verify(public_key=public_key, message=b"receipt!", signature=signature)
