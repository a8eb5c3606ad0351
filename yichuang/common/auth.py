from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from yichuang.common.memo import memo_table
from yichuang.org.checks import demo_sign_in_refused

#: What a demo account hears in production (the token endpoint, the login page, a token it still has).
DEMO_REFUSED = _("演示账号在生产环境中不能登录，请使用本单位分配的账号。")


class BearerTokenAuthentication(TokenAuthentication):
    """``Authorization: Bearer <token>`` as contract.md names it (DRF's default keyword is ``Token``).

    The token, its user and the user's region and point come in one query: every staff endpoint
    asks for the caller's scope (``scope_of``), which reads both. The answer is kept in this process
    for ``AUTH_TOKEN_CACHE_SECONDS`` (default 60): a token deleted (logout, revoked in the admin) or
    a user saved (password changed, deactivated, moved to another unit) moves the ``auth`` marker,
    which drops it here at once and in the other processes within a second (``common.memo``).
    """

    keyword = "Bearer"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from rest_framework.authtoken.models import Token

        lifetime = float(getattr(settings, "AUTH_TOKEN_CACHE_SECONDS", 60))
        known = memo_table("auth", "tokens")
        now = time.monotonic()
        found = known.get(key)
        if found is not None and found[0] > now:
            cached: tuple[Any, Any] = found[1]
            if demo_sign_in_refused(cached[0]):  # a process switched to production keeps no demo token
                raise exceptions.AuthenticationFailed(DEMO_REFUSED, code="demo_account")
            return cached
        token = Token.objects.select_related("user", "user__region", "user__point").filter(key=key).first()
        if token is None or not token.user.is_active:
            known.pop(key, None)
            # DRF's own answer (and its translated message) for an unknown token or an inactive user.
            return super().authenticate_credentials(key)
        if demo_sign_in_refused(token.user):
            raise exceptions.AuthenticationFailed(DEMO_REFUSED, code="demo_account")
        answer = (token.user, token)
        if lifetime > 0:
            known[key] = (now + lifetime, answer)
        return answer
