"""省统一身份认证: sign-in and real-name binding through the province's OpenID Connect provider.

Authlib's Django client does the protocol: discovery (``/.well-known/openid-configuration``), the
authorization-code flow with PKCE (S256), ``state`` and ``nonce`` kept in the session under Authlib's own
keys, the code exchanged at the token endpoint with the client's secret, and the ID token checked
against the provider's JWKS (signature, ``iss``, ``aud``, ``exp``, ``iat``, ``nonce``). What is read from
the checked token — the verified name, ID number and phone, under the claim names of the settings —
becomes a ``VerifiedIdentity`` that ``citizens.services.oidc_sign_in`` binds like any other.

On when ``CITIZEN_OIDC_ISSUER`` and ``CITIZEN_OIDC_CLIENT_ID`` are set (decision 110).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from yichuang.citizens.identity import IdentityService, VerifiedIdentity
from yichuang.common.errors import Invalid
from yichuang.common.identity import validate_mobile, validate_resident_id

log = logging.getLogger(__name__)

#: the name the client is registered under in Authlib (its session keys start with ``_state_province``)
CLIENT_NAME = "province"


def oidc_configured() -> bool:
    return bool(
        getattr(settings, "CITIZEN_OIDC_ISSUER", "") and getattr(settings, "CITIZEN_OIDC_CLIENT_ID", "")
    )


class OidcFailed(Exception):
    """The provider's answer could not be trusted (wrong state, nonce, signature, expired token, an
    error answer, a provider out of reach): a Chinese sentence for the citizen, the cause in the log."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class OidcIdentity:
    identity: VerifiedIdentity
    #: the phone the provider verified, when it gives one ("" otherwise)
    phone: str
    #: the provider's subject, for the log only
    subject: str


_clients: dict[tuple[str, str, str], Any] = {}


def _client() -> Any:
    """One Authlib client per configuration and process (it keeps the discovery and the JWKS it fetched)."""
    from authlib.integrations.django_client import OAuth

    issuer = settings.CITIZEN_OIDC_ISSUER
    key = (issuer, settings.CITIZEN_OIDC_CLIENT_ID, settings.CITIZEN_OIDC_CLIENT_SECRET)
    client = _clients.get(key)
    if client is None:
        oauth = OAuth()
        client = oauth.register(
            name=CLIENT_NAME,
            client_id=settings.CITIZEN_OIDC_CLIENT_ID,
            client_secret=settings.CITIZEN_OIDC_CLIENT_SECRET,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.CITIZEN_OIDC_SCOPE,
                "code_challenge_method": "S256",
                "timeout": settings.CITIZEN_OIDC_TIMEOUT,
            },
        )
        _clients.clear()
        _clients[key] = client
    return client


def authorize_redirect(request: HttpRequest, *, redirect_uri: str) -> HttpResponse:
    """The redirect to the provider's sign-in page; state, nonce and the PKCE verifier stay in the session."""
    from authlib.common.security import generate_token

    try:
        response: HttpResponse = _client().authorize_redirect(request, redirect_uri, nonce=generate_token(32))
    except Exception as exc:  # discovery out of reach or malformed: the citizen is told, the log says why
        log.warning("省统一身份认证 discovery failed: %s", exc)
        raise OidcFailed(_("省统一身份认证暂时无法访问，请稍后再试或使用手机验证码登录。")) from exc
    return response


def _claim(claims: Any, name: str) -> str:
    value = claims.get(name)
    return str(value).strip() if value is not None else ""


def complete(request: HttpRequest) -> OidcIdentity:
    """The identity in the provider's checked ID token for the code on this callback request."""
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError
    from requests import RequestException

    client = _client()
    if (
        not request.GET.get("state")
        or client.framework.get_state_data(request.session, request.GET.get("state")) is None
    ):
        # Authlib would raise the same, later and with an English text; a callback nobody started here
        log.warning("省统一身份认证 callback with an unknown state")
        raise OidcFailed(_("登录请求已失效或不是从本站发起的，请重新登录。"))
    try:
        token = client.authorize_access_token(request)
    except (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError, TypeError) as exc:
        log.warning("省统一身份认证 refused: %s: %s", type(exc).__name__, exc)
        raise OidcFailed(_("省统一身份认证未通过，请重新登录。")) from exc
    claims = token.get("userinfo")
    if not claims:
        log.warning("省统一身份认证 answered without an ID token")
        raise OidcFailed(_("省统一身份认证未通过，请重新登录。"))
    name = _claim(claims, settings.CITIZEN_OIDC_NAME_CLAIM)
    number = _claim(claims, settings.CITIZEN_OIDC_ID_NUMBER_CLAIM)
    try:
        number = validate_resident_id(number)
    except DjangoValidationError as exc:
        log.warning("省统一身份认证 gave no valid ID number for subject %s", claims.get("sub"))
        raise OidcFailed(_("省统一身份认证未提供有效的身份证号码，请使用其他方式实名认证。")) from exc
    if not name:
        raise OidcFailed(_("省统一身份认证未提供姓名，请使用其他方式实名认证。"))
    phone = _claim(claims, settings.CITIZEN_OIDC_PHONE_CLAIM)
    if phone.startswith("+86"):
        phone = phone[3:]
    try:
        phone = validate_mobile(phone) if phone and claims.get("phone_number_verified", True) else ""
    except DjangoValidationError:
        phone = ""
    return OidcIdentity(
        identity=VerifiedIdentity(name=name, id_number=number),
        phone=phone,
        subject=str(claims.get("sub", "")),
    )


class OidcIdentityService(IdentityService):
    """The province's unified identity as the identity service: a typed name and number prove nothing,
    so binding is only by signing in there (the pages' "通过省统一身份认证登录")."""

    name = "oidc"
    redirects = True

    def verify(self, *, name: str, id_number: str) -> VerifiedIdentity:
        raise Invalid(
            _("请通过省统一身份认证完成实名认证。"),
            fields={"id_number": [_("请通过省统一身份认证完成实名认证。")]},
        )
