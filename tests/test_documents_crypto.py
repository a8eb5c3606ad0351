"""SM2 signatures, SM3 digests and SM4-encrypted seal keys; production refuses to start without a key."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from gmssl import sm2

from yichuang.documents import crypto
from yichuang.documents.checks import refuse_without_seal_master_key, seal_master_key_configured


def test_sm3_matches_the_standards_example_on_both_paths():
    # GB/T 32905-2016 appendix A, example 1: SM3("abc").
    expected = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert crypto.sm3_hex(b"abc") == crypto.sm3_hex_pure(b"abc") == expected
    data = secrets.token_bytes(5000)
    stream = crypto.Sm3Stream()
    stream.update(data[:1234])
    stream.update(data[1234:])
    assert stream.hexdigest() == crypto.sm3_hex(data) == crypto.sm3_hex_pure(data)


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


def test_signatures_interoperate_with_plain_gmssl_and_use_fresh_nonces():
    pair = crypto.sm2_generate()
    message = b"yichuang"
    first = crypto.sm2_sign(private_key=pair.private_key, public_key=pair.public_key, message=message)
    second = crypto.sm2_sign(private_key=pair.private_key, public_key=pair.public_key, message=message)
    assert first != second  # a new random k each time
    plain = sm2.CryptSM2(private_key="", public_key=pair.public_key, mode=1)
    assert plain.verify_with_sm3(first, message) and plain.verify_with_sm3(second, message)


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


def test_a_signature_gmssl_cannot_even_check_is_simply_not_genuine(monkeypatch):
    """gmssl's verify raises TypeError when an intermediate point is at infinity (seen with a tampered
    statement); the verify page must then say "not genuine", never answer 500."""
    from gmssl import sm2

    from yichuang.documents import crypto

    def broken(self, signature, message):
        raise TypeError("object of type 'NoneType' has no len()")

    monkeypatch.setattr(sm2.CryptSM2, "verify_with_sm3", broken)
    assert crypto.sm2_verify(public_key="a" * 128, message=b"x", signature="b" * 128) is False


def test_a_key_whose_x_coordinate_starts_with_04_signs_and_verifies():
    """gmssl strips every leading 0 and 4 of a public key that starts with 04 (one key in 256):
    such a seal could never sign, and the document tests failed now and then."""
    private_key = "4451c0b7a8ec273d14d3d185002a995f5f902a850e1ceb000b6d4d9f8d8bc886"
    public_key = crypto._public_from_private(private_key)
    assert public_key.startswith("04")
    signature = crypto.sm2_sign(private_key=private_key, public_key=public_key, message=b"receipt")
    assert crypto.sm2_verify(public_key=public_key, message=b"receipt", signature=signature)
    assert not crypto.sm2_verify(public_key=public_key, message=b"receipt!", signature=signature)
