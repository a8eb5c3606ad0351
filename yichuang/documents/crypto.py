"""SM2 / SM3 / SM4 (GB/T 32918, GB/T 32905, GB/T 32907) for seals and documents.

- SM2 through ``gmssl`` (``sign_with_sm3``: the signature covers SM3(Z‖M) with the default user id
  1234567812345678, GB/T 35276). gmssl draws its nonce from ``random``, which is not a CSPRNG, and a
  predictable nonce gives the private key away: every signature here passes a nonce from ``secrets``.
- SM3 of whole files through OpenSSL (``hashlib``) when it offers ``sm3`` — about a thousand times
  faster than gmssl's pure Python, which is the fallback; both give the same digest (tested).
- Private keys at rest: SM4-CBC with a random IV under the master key (``SEAL_MASTER_KEY`` or
  ``SEAL_MASTER_KEY_FILE``: 32 hexadecimal digits). Decryption is checked by deriving the public key
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

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from gmssl import func, sm2, sm3, sm4

_CURVE = sm2.default_ecc_table
_N = int(_CURVE["n"], 16)
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
    return str(sm3.sm3_hash(func.bytes_to_list(data)))


def sm3_hex_pure(data: bytes) -> str:
    """gmssl's SM3 (pure Python): the reference the fast path is tested against."""
    return str(sm3.sm3_hash(func.bytes_to_list(data)))


class Sm3Stream:
    """SM3 over a stream read in chunks (an uploaded copy on the verify page)."""

    def __init__(self) -> None:
        self._openssl = hashlib.new("sm3") if _HAS_OPENSSL_SM3 else None
        self._chunks: list[bytes] = []

    def update(self, chunk: bytes) -> None:
        if self._openssl is not None:
            self._openssl.update(chunk)
        else:
            self._chunks.append(chunk)

    def hexdigest(self) -> str:
        if self._openssl is not None:
            return self._openssl.hexdigest()
        return sm3_hex_pure(b"".join(self._chunks))


# —— SM2 ——


@dataclass(frozen=True)
class KeyPair:
    private_key: str  # 64 hex digits
    public_key: str  # 128 hex digits: x‖y


def _crypt(*, private_key: str = "", public_key: str = "") -> sm2.CryptSM2:
    """gmssl's SM2 object holding ``public_key`` as given. Its constructor runs
    ``public_key.lstrip("04")`` on a key that starts with ``04`` (meant for the uncompressed-point
    prefix), which strips every leading 0 and 4 of the x coordinate: one key in 256 (x starting
    with 04) could then never sign nor verify. The attribute is set after construction instead."""
    crypt = sm2.CryptSM2(private_key=private_key, public_key="", mode=1)
    crypt.public_key = public_key
    return crypt


def _public_from_private(private_key: str) -> str:
    signer = _crypt(private_key=private_key)
    return str(signer._kg(int(private_key, 16), _CURVE["g"]))


def sm2_generate() -> KeyPair:
    d = secrets.randbelow(_N - 2) + 1  # 1 ≤ d ≤ n-2 (GB/T 32918.1 6.1)
    private_key = f"{d:064x}"
    return KeyPair(private_key, _public_from_private(private_key))


def sm2_sign(*, private_key: str, public_key: str, message: bytes) -> str:
    """SM2 signature of ``message`` (SM3 with Z), as r‖s in 128 hex digits."""
    signer = _crypt(private_key=private_key, public_key=public_key)
    for _attempt in range(16):
        nonce = f"{secrets.randbelow(_N - 1) + 1:064x}"
        try:
            signature = signer.sign_with_sm3(message, nonce)
        except (ValueError, TypeError):  # gmssl drops a leading zero of a coordinate now and then
            continue
        # gmssl returns None for the (negligible) r = 0 or r + k = n cases, and its point arithmetic
        # mis-handles some intermediate values: keep only a signature it verifies itself, so a genuine
        # document always verifies.
        if signature and sm2_verify(public_key=public_key, message=message, signature=str(signature)):
            return str(signature)
    raise RuntimeError("SM2 signing failed sixteen times in a row")  # pragma: no cover


def sm2_verify(*, public_key: str, message: bytes, signature: str) -> bool:
    if not re.fullmatch(r"[0-9a-f]{128}", signature or "") or not re.fullmatch(
        r"[0-9a-f]{128}", public_key or ""
    ):
        return False
    verifier = _crypt(public_key=public_key)
    try:
        return bool(verifier.verify_with_sm3(signature, message))
    except (ValueError, ZeroDivisionError, IndexError, TypeError):
        # gmssl raises instead of answering False on some forged inputs (a point at infinity comes back
        # as None): a signature that cannot even be checked is not genuine.
        return False


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

    Kept per process once decrypted (SM4 and the check cost ~15 ms in pure Python; a signing server
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
    if len(private_key) != 64 or not hmac.compare_digest(_public_from_private(private_key), public_key):
        raise KeyDecryptionError("the decrypted private key does not match the seal's public key")
    return private_key
