"""Seal and open personal data: SM4-GCM (authenticated), each ciphertext naming its key (decision 96).

A sealed value is ``s1.<key id>.<base64url of nonce ‖ ciphertext ‖ tag>``. The associated data is the
column's name (``cases.Case.applicant_phone``), so a ciphertext copied into another column does not
open. An equality look-up uses the blind index: HMAC-SM3 under the index key over the column's name
and the normalised value — the same value in the same column gives the same index, and the index alone
does not give the value back (a phone number has only ~10^9 values: the index key must stay as secret
as the SM4 keys, and lives in the same file).
"""

from __future__ import annotations

import base64
import hmac as std_hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from yichuang.pii.keys import KeyError_, keyring

PREFIX = "s1"
NONCE_BYTES = 12
TAG_BYTES = 16


class SealError(Exception):
    """A sealed value does not open: wrong key, altered text, or not sealed at all. Never a silent ''."""


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX + ".")


def key_id_of(value: str) -> str:
    return value.split(".", 2)[1] if is_sealed(value) else ""


def seal(plain: str, *, context: str, key_id: str | None = None) -> str:
    if plain == "":
        return ""
    ring = keyring()
    kid = key_id or ring.current
    nonce = secrets.token_bytes(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(ring.key(kid)), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(context.encode())
    body = encryptor.update(plain.encode()) + encryptor.finalize()
    token = base64.urlsafe_b64encode(nonce + body + encryptor.tag).rstrip(b"=").decode()
    return f"{PREFIX}.{kid}.{token}"


def unseal(value: str, *, context: str) -> str:
    if value == "":
        return ""
    if not is_sealed(value):
        raise SealError(
            f"{context}: 数据库中的值不是密文（未加密的个人信息？）。The stored value is not sealed."
        )
    _prefix, kid, token = value.split(".", 2)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError as exc:
        raise SealError(f"{context}: 密文已损坏。The sealed value is damaged.") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise SealError(f"{context}: 密文已损坏。The sealed value is damaged.")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    try:
        decryptor = Cipher(algorithms.SM4(keyring().key(kid)), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(context.encode())
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except InvalidTag as exc:
        raise SealError(
            f"{context}: 密文无法用密钥 {kid} 打开（密钥错误或数据被改动）。Wrong key or altered data."
        ) from exc
    except KeyError_ as exc:
        raise SealError(str(exc)) from exc


def normalise(value: str) -> str:
    """What counts as the same value for a look-up: no spaces around, capital X in an ID number."""
    return value.strip().upper()


def blind_index(value: str, *, context: str) -> str:
    if value == "":
        return ""
    mac = crypto_hmac.HMAC(keyring().index_key, hashes.SM3())
    mac.update(context.encode() + b"\x00" + normalise(value).encode())
    return mac.finalize().hex()


def same_index(a: str, b: str) -> bool:
    return std_hmac.compare_digest(a.encode(), b.encode())
