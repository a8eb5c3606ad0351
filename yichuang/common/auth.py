from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication


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
        return (token.user, token)
