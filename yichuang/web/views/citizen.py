"""The citizens' own pages (掌上办): sign-in by phone and SMS code, real-name binding, sign-out, the
长辈版 switch and 我的证照. Each write goes through ``citizens.services``; the limits on codes and
tries are those of the API (the same throttle counters, the same code rules)."""

from __future__ import annotations

import base64
import io
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from yichuang.citizens import services
from yichuang.citizens.identity import identity_service
from yichuang.citizens.models import Citizen
from yichuang.citizens.oidc import oidc_configured
from yichuang.common.errors import Invalid
from yichuang.common.identity import mask_name, mask_phone, mask_resident_id
from yichuang.common.throttles import ClientAddressThrottle, personal_ident
from yichuang.web.citizen_forms import CodeForm, IdentityForm, PhoneForm
from yichuang.web.citizen_session import ELDER_COOKIE, citizen, citizen_of, citizen_view, sign_in, sign_out
from yichuang.web.views.common import problem_from

ELDER_MAX_AGE = 365 * 24 * 3600


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def identity_url(then: str) -> str:
    """The binding page, going on to ``then`` once the identity is bound."""
    return f"{reverse('web:my-identity')}?{urlencode({'next': then})}"


# —— limits shared with the API (the same cache keys as its throttles) ——


class _AddressThrottle(ClientAddressThrottle):
    """Per client address (from trusted proxies only), under the API's scope name, so the page and the
    API count together."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()


class _PhoneThrottle(SimpleRateThrottle):
    scope = "citizen_code_phone"

    def __init__(self, phone: str) -> None:
        self.phone = phone
        super().__init__()

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {
            "scope": self.scope,
            "ident": personal_ident(self.phone, scope=str(self.scope)),
        }


def _allowed(*throttles: SimpleRateThrottle, request: HttpRequest) -> bool:
    return all(t.allow_request(cast(Any, request), cast(Any, None)) for t in throttles)


# —— sign in / out ——


def _login_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context.setdefault("oidc", oidc_configured())
    return render(request, "web/citizen/login.html", context, status=status)


@require_http_methods(["GET", "POST"])
def citizen_login(request: HttpRequest) -> HttpResponse:
    """Two steps on one page: the phone number (a code goes out by SMS), then the 6-digit code."""
    target = safe_next(request, reverse("web:my-cases"))
    if request.method == "GET":
        if citizen_of(request) is not None:
            return HttpResponseRedirect(target)
        return _login_page(request, {"form": PhoneForm(), "next": target})
    if request.POST.get("action") == "send":
        form = PhoneForm(request.POST)
        if not form.is_valid():
            return _login_page(request, {"form": form, "next": target}, status=400)
        phone = form.cleaned_data["phone"]
        if not _allowed(_AddressThrottle("citizen_code"), _PhoneThrottle(phone), request=request):
            form.add_error(None, _("获取验证码过于频繁，请稍后再试。"))
            return _login_page(request, {"form": form, "next": target}, status=429)
        services.code_send(phone=phone)
        return _login_page(
            request,
            {
                "form": CodeForm(initial={"phone": phone}),
                "code_step": True,
                "masked_phone": mask_phone(phone),
                "minutes": services.code_minutes(),
                "next": target,
            },
        )
    code_form = CodeForm(request.POST)
    context: dict[str, Any] = {"form": code_form, "code_step": True, "next": target}
    if not code_form.is_valid():
        return _login_page(request, context, status=400)
    if not _allowed(_AddressThrottle("citizen_login"), request=request):
        code_form.add_error(None, _("尝试过于频繁，请稍后再试。"))
        return _login_page(request, context, status=429)
    try:
        signed, _key = services.code_sign_in(
            phone=code_form.cleaned_data["phone"], code=code_form.cleaned_data["code"]
        )
    except (services.WrongCode, Invalid) as exc:
        code_form.add_error("code", problem_from(exc).message)
        return _login_page(request, context, status=400)
    sign_in(request, signed)
    if not signed.verified:
        return HttpResponseRedirect(identity_url(target))
    return HttpResponseRedirect(target)


@require_POST
def citizen_logout(request: HttpRequest) -> HttpResponse:
    sign_out(request)
    messages.success(request, _("您已退出登录。"))
    return HttpResponseRedirect(reverse("web:home"))


# —— 实名认证 ——


def me_facts(person: Citizen) -> dict[str, str]:
    """What a page may show of the citizen: every number masked."""
    return {
        "phone": mask_phone(person.phone),
        "name": mask_name(person.name) if person.name else "",
        "id_number": mask_resident_id(person.id_number) if person.id_number else "",
    }


class _CitizenThrottle(SimpleRateThrottle):
    """``citizen_identity`` per citizen, as the API's ScopedRateThrottle counts a signed-in caller."""

    scope = "citizen_identity"

    def __init__(self, pk: int) -> None:
        self.pk = pk
        super().__init__()

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.pk}


@require_http_methods(["GET", "POST"])
@citizen_view
def my_identity(request: HttpRequest) -> HttpResponse:
    person = citizen(request)
    target = safe_next(request, reverse("web:my-cases"))
    context: dict[str, Any] = {
        "me": me_facts(person),
        "verified": person.verified,
        "next": target,
        "oidc": oidc_configured(),
        # the province's identity as the service: typed numbers prove nothing, only its sign-in binds
        "typed": not identity_service().redirects,
    }
    if request.method == "GET":
        context["form"] = IdentityForm()
        return render(request, "web/citizen/identity.html", context)
    if person.verified:  # name and number are read-only once verified: the page shows them, not a form
        messages.error(request, _("您已完成实名认证，姓名和身份证号码不能在网上修改；如有错误请到窗口办理。"))
        return redirect("web:my-identity")
    form = IdentityForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, "web/citizen/identity.html", context, status=400)
    if not _allowed(_CitizenThrottle(person.pk), request=request):
        form.add_error(None, _("认证尝试过于频繁，请稍后再试。"))
        return render(request, "web/citizen/identity.html", context, status=429)
    try:
        services.identity_bind(
            citizen=person, name=form.cleaned_data["name"], id_number=form.cleaned_data["id_number"]
        )
    except exceptions.APIException as exc:
        problem = problem_from(exc)
        for name, texts in problem.fields.items():
            for text in texts:
                form.add_error(name if name in form.fields else None, text)
        if not problem.fields:
            form.add_error(None, problem.message)
        context["problem"] = problem
        return render(request, "web/citizen/identity.html", context, status=problem.status)
    messages.success(request, _("实名认证已完成。"))
    return HttpResponseRedirect(target)


# —— 长辈版 ——


@require_POST
def elder_toggle(request: HttpRequest) -> HttpResponse:
    """长辈版 on or off, remembered in a cookie for a year (for anyone, signed in or not)."""
    response = HttpResponseRedirect(safe_next(request, reverse("web:home")))
    if request.POST.get("elder") == "1":
        response.set_cookie(ELDER_COOKIE, "1", max_age=ELDER_MAX_AGE, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response


# —— 我的证照 ——


def qr_svg(text: str) -> str:
    """A QR code as an inline SVG data URI (no image files, no outside service)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@citizen_view
def my_licences(request: HttpRequest) -> HttpResponse:
    """His electronic licences (by his bound ID number), each with the QR of its verify page."""
    from django.utils import timezone

    from yichuang.documents.models import Document, DocumentKind
    from yichuang.licenses.selectors import licenses_of_holder

    person = citizen(request)
    if not person.verified:
        messages.info(request, _("请先完成实名认证，再查看电子证照。"))
        return HttpResponseRedirect(identity_url(reverse("web:my-licences")))
    rows = list(licenses_of_holder(holder_id_number=person.id_number))
    certificates = {
        d.case_id: d
        for d in Document.objects.filter(
            case_id__in=[r.source_case_id for r in rows if r.source_case_id], kind=DocumentKind.CERTIFICATE
        ).order_by("issued_at")
    }
    today = timezone.localdate()
    licences = []
    for row in rows:
        document = certificates.get(row.source_case_id) if row.source_case_id else None
        verify_url = request.build_absolute_uri(f"/verify/{document.verify_code}") if document else ""
        licences.append(
            {
                "licence": row,
                "holder": f"{mask_name(row.holder_name)} {mask_resident_id(row.holder_id_number)}",
                "in_force": row.in_force(today),
                "verify_url": verify_url,
                "verify_code": document.verify_code if document else "",
                "qr": qr_svg(verify_url) if verify_url else "",
            }
        )
    return render(request, "web/citizen/licences.html", {"licences": licences, "me": me_facts(person)})
