"""The keys that seal personal data at rest: SM4 keys by id, and the SM3-HMAC key of the look-up index.

Where the keys come from is a ``KeyBackend``; the default reads a JSON key file —
``YICHUANG_PII_KEY_FILE``, else ``YICHUANG_DATA_DIR/keys/pii-keys.json``::

    {"current": "3f9a0c1e", "keys": {"3f9a0c1e": "<32 hex digits>", …}, "index_key": "<64 hex digits>"}

Every ciphertext names the id of the key that sealed it, so older keys stay in the file until
``yichuang rotate_pii_key`` has sealed every row again under the current one. The index key never
rotates with them: the index of a phone number must stay the same for look-ups to find old rows (a new
index key means computing every index again — ``rotate_pii_key --index`` is not offered; docs/operations.md).

Outside production a missing file is created on first use (the demo's keys); production refuses to
start without it (``checks.py``), because a key made beside the database protects nothing. A KMS is
another backend: a class with ``load()`` (and ``add_key()`` for rotation) named by
``YICHUANG_PII_KEY_BACKEND``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

KEY_FILE_NAME = "pii-keys.json"


class KeyError_(Exception):
    """The keys cannot be read, or a ciphertext names a key that is not there."""


@dataclass(frozen=True)
class KeyRing:
    current: str
    keys: dict[str, bytes]
    index_key: bytes

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise KeyError_(
                f"个人信息密钥 {key_id} 不在密钥文件中（被删除或换错了文件）。Personal-data key {key_id} is missing."
            ) from None


class KeyBackend(Protocol):
    def load(self) -> KeyRing: ...

    def add_key(self) -> str:
        """Make a new SM4 key the current one; return its id."""
        ...


def new_key_id() -> str:
    return secrets.token_hex(4)


class FileKeyBackend:
    """The key file (0600, in a 0700 folder). Written by a link so two processes starting together
    agree on one file."""

    def __init__(self, path: Path | None = None) -> None:
        configured = getattr(settings, "PII_KEY_FILE", "") or ""
        self.path = Path(path or configured or Path(settings.DATA_DIR) / "keys" / KEY_FILE_NAME)

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> KeyRing:
        if not self.path.exists():
            if getattr(settings, "PRODUCTION", False):
                raise KeyError_(
                    f"生产环境必须提供个人信息密钥文件 {self.path}（YICHUANG_PII_KEY_FILE）。"
                    f"The personal-data key file {self.path} is required when YICHUANG_ENV=production."
                )
            key_id = new_key_id()
            self._write(
                {
                    "current": key_id,
                    "keys": {key_id: secrets.token_hex(16)},
                    "index_key": secrets.token_hex(32),
                },
                exclusive=True,
            )
        try:
            data = json.loads(self.path.read_text())
            keys = {str(k): bytes.fromhex(v) for k, v in data["keys"].items()}
            ring = KeyRing(
                current=str(data["current"]), keys=keys, index_key=bytes.fromhex(data["index_key"])
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyError_(f"个人信息密钥文件 {self.path} 无法读取：{exc!r}") from exc
        if ring.current not in keys or any(len(k) != 16 for k in keys.values()) or len(ring.index_key) < 32:
            raise KeyError_(
                f"个人信息密钥文件 {self.path} 不完整：当前密钥须在其中，SM4 密钥 16 字节，索引密钥至少 32 字节。"
            )
        return ring

    def add_key(self) -> str:
        data = json.loads(self.path.read_text())
        key_id = new_key_id()
        data["keys"][key_id] = secrets.token_hex(16)
        data["current"] = key_id
        self._write(data, exclusive=False)
        return key_id

    def retire_except(self, current: str) -> list[str]:
        """Drop every SM4 key but ``current`` (once no row names them); return their ids."""
        data = json.loads(self.path.read_text())
        retired = sorted(k for k in data["keys"] if k != current)
        data["keys"] = {current: data["keys"][current]}
        data["current"] = current
        self._write(data, exclusive=False)
        return retired

    def _write(self, data: dict[str, object], *, exclusive: bool) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=1)
        try:
            if exclusive:
                with contextlib.suppress(FileExistsError):  # another process was first: its keys are the keys
                    os.link(temporary, self.path)
            else:
                os.replace(temporary, self.path)
        finally:
            temporary.unlink(missing_ok=True)


def backend() -> KeyBackend:
    name = getattr(settings, "PII_KEY_BACKEND", "") or ""
    return import_string(name)() if name else FileKeyBackend()


@lru_cache(maxsize=1)
def keyring() -> KeyRing:
    return backend().load()


def forget_keys() -> None:
    """Read the keys again on next use (after a rotation, or a test that changes them)."""
    keyring.cache_clear()
