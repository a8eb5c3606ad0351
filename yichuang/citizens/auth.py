"""The citizens' own ``Authorization: Bearer cz_…`` tokens: a citizen principal, never a ``Staff``.

Only the citizen endpoints (and the file upload) list this class; every staff endpoint authenticates
with the staff's tokens alone, where a citizen's key is unknown (401)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from yichuang.citizens import secrets
from yichuang.citizens.models import Citizen, CitizenToken


class CitizenTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Citizen, CitizenToken] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower().encode():
            return None
        try:
            key = parts[1].decode()
        except UnicodeError:
            return None
        if not key.startswith(secrets.TOKEN_PREFIX):
            return None  # a staff token: not ours to judge
        token = (
            CitizenToken.objects.select_related("citizen")
            .filter(digest=secrets.digest("token", key), expires_at__gt=timezone.now())
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("登录已失效，请重新登录。"), code="citizen_token_invalid")
        return token.citizen, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="citizen"'


class IsCitizen(BasePermission):
    message = _("请先登录。")

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, Citizen)
