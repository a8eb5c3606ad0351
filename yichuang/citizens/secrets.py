"""Keyed digests of what a citizen types or holds (sign-in codes, tokens): HMAC-SHA256 under the
project's SECRET_KEY, so a copy of the database alone gives neither a code nor a token."""

from __future__ import annotations

import hmac
import secrets

from django.utils.crypto import salted_hmac

from yichuang.common.auth import CITIZEN_TOKEN_PREFIX

#: Citizen tokens start with this, so the staff's Bearer tokens (40 hex digits) and the citizens'
#: never mistake each other.
TOKEN_PREFIX = CITIZEN_TOKEN_PREFIX.decode()  # staff endpoints recognise it (common.auth)


def digest(purpose: str, value: str) -> str:
    return salted_hmac(f"yichuang.citizens.{purpose}", value, algorithm="sha256").hexdigest()


def same(stored: str, purpose: str, value: str) -> bool:
    return hmac.compare_digest(stored, digest(purpose, value))


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)
