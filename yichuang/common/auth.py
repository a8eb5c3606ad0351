from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from yichuang.org.checks import demo_sign_in_refused

#: What a demo account hears in production (the token endpoint, the login page, a token it still has).
DEMO_REFUSED = _("演示账号在生产环境中不能登录，请使用本单位分配的账号。")


class BearerTokenAuthentication(TokenAuthentication):
    """``Authorization: Bearer <token>`` as contract.md names it (DRF's default keyword is ``Token``).

    The token, its user and the user's region and point come in one query: every staff endpoint
    asks for the caller's scope (``scope_of``), which reads both.
    """

    keyword = "Bearer"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from rest_framework.authtoken.models import Token

        token = Token.objects.select_related("user", "user__region", "user__point").filter(key=key).first()
        if token is None or not token.user.is_active:
            # DRF's own answer (and its translated message) for an unknown token or an inactive user.
            return super().authenticate_credentials(key)
        if demo_sign_in_refused(token.user):
            raise exceptions.AuthenticationFailed(DEMO_REFUSED, code="demo_account")
        return (token.user, token)
