"""SM2 / SM3 / SM4 (GB/T 32918, GB/T 32905, GB/T 32907) for seals and documents.

- SM2 through ``gmalglib`` (C; its ``core.SM2``): the signature covers SM3(Z‖M) with the default user
  id 1234567812345678 (GB/T 35276), r‖s as 128 hex digits: the format gmssl made until decision 68,
  so every document signed before still verifies (tested both ways against gmssl). Nonces and keys come from ``secrets`` (a predictable nonce gives the private key away).
- SM3 of whole files through OpenSSL (``hashlib``) when it offers ``sm3``, else gmalglib's (C); both
  give the digest of the standard's examples (tested).
- Private keys at rest: SM4-CBC through gmssl (gmalglib has the SM4 block, not CBC with padding),
  with a random IV under the master key (``SEAL_MASTER_KEY`` or ``SEAL_MASTER_KEY_FILE``: 32
  hexadecimal digits). Decryption is checked by deriving the public key
  again: a wrong master key is reported, never used to sign.

Without a configured master key (dev, demo, test) a key is generated once under
``YICHUANG_DATA_DIR/keys/``; production refuses to start without one (``checks.py``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from gmalglib.sm2 import SM2
from gmalglib.sm3 import SM3
from gmssl import sm4

_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
KEY_FILE_NAME = "seal-master.key"


# —— SM3 ——


def _openssl_sm3() -> bool:
    try:
        hashlib.new("sm3")
    except ValueError:
        return False
    return True


_HAS_OPENSSL_SM3 = _openssl_sm3()


def sm3_hex(data: bytes) -> str:
    """SM3 digest of ``data`` as 64 lowercase hexadecimal digits."""
    if _HAS_OPENSSL_SM3:
        return hashlib.new("sm3", data).hexdigest()
    digest: bytes = SM3(data).digest()
    return digest.hex()


class Sm3Stream:
    """SM3 over a stream read in chunks (an uploaded copy on the verify page)."""

    def __init__(self) -> None:
        self._hash: Any = hashlib.new("sm3") if _HAS_OPENSSL_SM3 else SM3()

    def update(self, chunk: bytes) -> None:
        self._hash.update(chunk)

    def hexdigest(self) -> str:
        if _HAS_OPENSSL_SM3:
            return str(self._hash.hexdigest())
        return str(self._hash.digest().hex())


# —— SM2 ——


@dataclass(frozen=True)
class KeyPair:
    private_key: str  # 64 hex digits
    public_key: str  # 128 hex digits: x‖y


#: An uncompressed point: ``04`` then x‖y (the public keys are stored without the prefix).
_UNCOMPRESSED = b"\x04"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX128 = re.compile(r"^[0-9a-f]{128}$")


@functools.lru_cache(maxsize=256)
def _signer(private_key: str) -> tuple[SM2, str]:
    """gmalglib's SM2 object for one private key and that key's public key (deriving it, as SM2_Init
    does, is half the cost of a signature: kept per process like the decrypted key). Nonces are drawn
    from ``secrets``: gmalglib's default is /dev/urandom too, but a build with its ``SIMPLE_RANDOM``
    would use C ``rand()``, and a predictable nonce gives the private key away."""
    return SM2(bytes.fromhex(private_key), rnd_fn=secrets.token_bytes), _public_from_private(private_key)


def _public_from_private(private_key: str) -> str:
    public_key: bytes = SM2.get_pk(bytes.fromhex(private_key))
    return public_key[1:].hex()


def sm2_generate() -> KeyPair:
    """A fresh key pair: 1 ≤ d ≤ n-2 (GB/T 32918.1 6.1), d drawn from ``secrets``."""
    private_key, public_key = SM2(rnd_fn=secrets.token_bytes).generate_keypair()
    return KeyPair(private_key.hex(), public_key[1:].hex())


def sm2_sign(*, private_key: str, public_key: str, message: bytes) -> str:
    """SM2 signature of ``message`` (SM3 with Z, default user id 1234567812345678, GB/T 35276), as
    r‖s in 128 hex digits. ``public_key`` is the one the verifier will use: it must be the private
    key's own (Z is computed from it), else this raises rather than sign what would never verify."""
    if not _HEX64.match(private_key or ""):
        raise ValueError("an SM2 private key is 64 hexadecimal digits")
    signer, own_public_key = _signer(private_key)
    if not hmac.compare_digest(own_public_key, public_key):
        raise ValueError("the public key is not the private key's")
    signature: bytes = signer.sign(message)
    return signature.hex()


def sm2_verify(*, public_key: str, message: bytes, signature: str) -> bool:
    if not _HEX128.match(signature or "") or not _HEX128.match(public_key or ""):
        return False
    try:
        verifier = SM2(pk=_UNCOMPRESSED + bytes.fromhex(public_key))
    except ValueError:  # not a point of the curve: nothing it "signed" is genuine
        return False
    return bool(verifier.verify(message, bytes.fromhex(signature)))


# —— SM4: private keys at rest ——


class MasterKeyError(ImproperlyConfigured):
    pass


def _key_file() -> Path:
    return Path(settings.DATA_DIR) / "keys" / KEY_FILE_NAME


def configured_master_key() -> str:
    """``settings.SEAL_MASTER_KEY`` (from ``SEAL_MASTER_KEY`` or ``SEAL_MASTER_KEY_FILE``), may be empty."""
    return (getattr(settings, "SEAL_MASTER_KEY", "") or "").strip()


def master_key() -> bytes:
    """The 16-byte SM4 key that encrypts seal private keys.

    The configured key, else (never in production) the one in ``DATA_DIR/keys/seal-master.key``,
    created on first use with a link so two processes starting together agree on one key.
    """
    value = configured_master_key()
    if value:
        if not _HEX32.match(value):
            raise MasterKeyError("SEAL_MASTER_KEY must be 32 hexadecimal digits (16 bytes, an SM4 key)")
        return bytes.fromhex(value)
    if getattr(settings, "PRODUCTION", False):
        raise MasterKeyError(
            "SEAL_MASTER_KEY (or SEAL_MASTER_KEY_FILE) is required when YICHUANG_ENV=production"
        )
    path = _key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".{KEY_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(16) + "\n")
        try:
            os.link(temporary, path)  # fails if another process was first: then its key is the key
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    value = path.read_text().strip()
    if not _HEX32.match(value):
        raise MasterKeyError(f"{path} does not hold 32 hexadecimal digits")
    return bytes.fromhex(value)


def master_key_id(key: bytes | None = None) -> str:
    """A short public name of the master key, stored beside each encrypted key."""
    return sm3_hex(b"yichuang-seal-master:" + (key if key is not None else master_key()))[:8]


def encrypt_private_key(private_key: str) -> str:
    """``sm4cbc$<master key id>$<iv>$<ciphertext>`` (hex)."""
    key = master_key()
    iv = secrets.token_bytes(16)
    cipher = sm4.CryptSM4()
    cipher.set_key(key, sm4.SM4_ENCRYPT)
    encrypted = cipher.crypt_cbc(iv, bytes.fromhex(private_key))
    return f"sm4cbc${master_key_id(key)}${iv.hex()}${bytes(encrypted).hex()}"


class KeyDecryptionError(Exception):
    pass


def decrypt_private_key(stored: str, *, public_key: str) -> str:
    """The private key, checked against ``public_key``; ``KeyDecryptionError`` if it cannot be had.

    Kept per process once decrypted (SM4 in pure Python and the check cost a few ms; a signing server
    holds its keys in memory anyway). The master key is part of the cache key, so a new one misses.
    """
    return _decrypt(stored, public_key, master_key())


@functools.lru_cache(maxsize=256)
def _decrypt(stored: str, public_key: str, key: bytes) -> str:
    try:
        scheme, key_id, iv_hex, data_hex = stored.split("$")
    except ValueError as exc:
        raise KeyDecryptionError("unknown private key format") from exc
    if scheme != "sm4cbc":
        raise KeyDecryptionError(f"unknown private key scheme {scheme!r}")
    if not hmac.compare_digest(key_id, master_key_id(key)):
        raise KeyDecryptionError(
            f"the seal key was encrypted under master key {key_id}, the configured one is {master_key_id(key)}"
        )
    cipher = sm4.CryptSM4()
    cipher.set_key(key, sm4.SM4_DECRYPT)
    try:
        private_key = bytes(cipher.crypt_cbc(bytes.fromhex(iv_hex), bytes.fromhex(data_hex))).hex()
    except (ValueError, IndexError) as exc:
        raise KeyDecryptionError("the private key does not decrypt") from exc
    try:
        matches = len(private_key) == 64 and hmac.compare_digest(
            _public_from_private(private_key), public_key
        )
    except ValueError:  # not a valid SM2 private key at all (0, or not below n - 1)
        matches = False
    if not matches:
        raise KeyDecryptionError("the decrypted private key does not match the seal's public key")
    return private_key
