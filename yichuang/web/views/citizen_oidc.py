"""通过省统一身份认证登录: the phone pages' way through the province's OpenID Connect provider
(``citizens.oidc``). ``/me/oidc/start/`` sends the browser there (state, nonce and PKCE kept in the
session); ``/me/oidc/callback/`` takes the code back, and the verified identity signs the citizen in or
binds the citizen already signed in (``citizens.services.oidc_sign_in``). Every failure is a Chinese
sentence on the sign-in page, never a 500."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yichuang.citizens import oidc, services
from yichuang.common.errors import Invalid
from yichuang.web.citizen_forms import PhoneForm
from yichuang.web.citizen_session import citizen_of, sign_in
from yichuang.web.views.citizen import safe_next

NEXT_KEY = "oidc_next"


def _failed(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(
        request,
        "web/citizen/login.html",
        {
            "form": PhoneForm(),
            "next": request.session.get(NEXT_KEY) or reverse("web:my-cases"),
            "oidc": True,
            "oidc_error": message,
        },
        status=status,
    )


@require_GET
def oidc_start(request: HttpRequest) -> HttpResponse:
    if not oidc.oidc_configured():
        raise Http404
    request.session[NEXT_KEY] = safe_next(request, reverse("web:my-cases"))
    redirect_uri = request.build_absolute_uri(reverse("web:citizen-oidc-callback"))
    try:
        return oidc.authorize_redirect(request, redirect_uri=redirect_uri)
    except oidc.OidcFailed as exc:
        return _failed(request, exc.message, status=503)


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    if not oidc.oidc_configured():
        raise Http404
    if request.GET.get("error"):
        return _failed(request, _("您已取消省统一身份认证，或认证未通过。"))
    try:
        found = oidc.complete(request)
    except oidc.OidcFailed as exc:
        return _failed(request, exc.message)
    current = citizen_of(request)
    try:
        person = services.oidc_sign_in(current=current, verified=found.identity, phone=found.phone)
    except Invalid as exc:
        return _failed(request, str(exc.detail), status=409 if current is not None else 400)
    target = request.session.pop(NEXT_KEY, None) or reverse("web:my-cases")
    if current is None or current.pk != person.pk:
        sign_in(request, person)
    messages.success(request, _("已通过省统一身份认证完成实名认证。"))
    return HttpResponseRedirect(target)
