from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from rest_framework import exceptions

from yichuang.common.memo import memo_table
from yichuang.org.checks import demo_sign_in_refused

#: What a demo account hears in production (the token endpoint, the login page, a token it still has).
DEMO_REFUSED = _("演示账号在生产环境中不能登录，请使用本单位分配的账号。")
#: An unknown, revoked or expired token, or one of a user switched off.
TOKEN_INVALID = _("令牌无效或已过期，请重新登录。")
#: A citizen's own token (``cz_…``, ``citizens.auth``) sent to a staff endpoint: still 401 (it signs
#: nobody in here, contract.md "Citizens"), but said as what it is rather than "expired".
CITIZEN_TOKEN = _(
    "这是办事群众的登录令牌，不能用于工作人员接口；工作人员接口需以工作人员账号登录后取得的令牌。"
)
#: The citizens' tokens start so (``citizens.secrets`` makes them with this prefix).
CITIZEN_TOKEN_PREFIX = b"cz_"


class BearerTokenAuthentication(TokenAuthentication):  # type: ignore[misc]  # django-rest-knox is untyped
    """``Authorization: Bearer <token>`` as contract.md names it, for staff tokens (``org.tokens``).

    The database keeps the token's SHA-512 digest (django-rest-knox), which is also its primary key: a
    token is found by one indexed look-up, with its user and the user's region and point (every staff
    endpoint asks for the caller's scope, ``scope_of``). The answer is kept in this process for
    ``AUTH_TOKEN_CACHE_SECONDS`` (default 60), keyed by the digest, never the token, and is checked
    against the token's expiry on each use. A token deleted (sign-out, password change, the admin) or
    a user saved (deactivated, moved to another unit) moves the ``auth`` marker, which drops it here at
    once and in the other processes within a second (``common.memo``).
    """

    def authenticate_header(self, request: Any) -> str:
        return "Bearer"

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        from knox.models import AuthToken

        if token.startswith(CITIZEN_TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed(CITIZEN_TOKEN, code="citizen_token")

        try:
            digest = hash_token(token.decode("utf-8"))
        except (UnicodeError, TypeError, ValueError) as exc:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID, code="token_invalid") from exc
        lifetime = float(getattr(settings, "AUTH_TOKEN_CACHE_SECONDS", 60))
        known = memo_table("auth", "tokens")
        now = time.monotonic()
        found = known.get(digest)
        if found is not None and found[0] > now:
            cached: tuple[Any, Any] = found[1]
            if cached[1].expiry is not None and cached[1].expiry <= timezone.now():
                known.pop(digest, None)
                AuthToken.objects.filter(digest=digest).delete()
                raise exceptions.AuthenticationFailed(TOKEN_INVALID, code="token_invalid")
            if demo_sign_in_refused(cached[0]):  # a process switched to production keeps no demo token
                raise exceptions.AuthenticationFailed(DEMO_REFUSED, code="demo_account")
            return cached
        row = (
            AuthToken.objects.select_related("user", "user__region", "user__point")
            .filter(digest=digest)
            .first()
        )
        if row is None or not row.user.is_active:
            known.pop(digest, None)
            raise exceptions.AuthenticationFailed(TOKEN_INVALID, code="token_invalid")
        if row.expiry is not None and row.expiry <= timezone.now():
            AuthToken.objects.filter(digest=digest).delete()
            known.pop(digest, None)
            raise exceptions.AuthenticationFailed(TOKEN_INVALID, code="token_invalid")
        if demo_sign_in_refused(row.user):
            raise exceptions.AuthenticationFailed(DEMO_REFUSED, code="demo_account")
        answer = (row.user, row)
        if lifetime > 0:
            known[digest] = (now + lifetime, answer)
        return answer


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # drf-spectacular is untyped
    """The schema's ``tokenAuth``: ``Authorization: Bearer <token>`` (as it was with DRF's tokens)."""

    target_class = "yichuang.common.auth.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        definition: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Bearer"
        )
        return definition
