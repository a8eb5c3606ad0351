"""自助终端: the self-service kiosk of a service point, portrait 1080×1920, touch only.

A kiosk is opened once at ``/kiosk/p/<point code>/``: a long-lived cookie remembers its point, so
that its home screen offers that point's items, its queue kiosk (取号, 预约签到), and that two idle
minutes bring it back there with the last person signed out (``?reset=1`` flushes the session,
never the point).

A citizen signs in with his ID number (typed, or read by the card reader: a JS hook, see
``static/web/kiosk.js``) and a code sent by SMS to the phone he registered with; the first time,
his name and phone bind him (实名认证, the same services as 网上办). He may then apply (channel
``kiosk``), list his cases, and print a receipt or a licence through the browser's print."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework import exceptions

from yichuang.cases.services import MaterialInput
from yichuang.catalog.models import ItemStatus, PointItem, ServiceItem
from yichuang.catalog.situations import item_situations, materials_in_situation
from yichuang.citizens import services as citizens
from yichuang.citizens.models import Citizen
from yichuang.citizens.selectors import citizen_case_get, citizen_cases
from yichuang.common.identity import mask_phone, validate_resident_id
from yichuang.org.models import ServicePoint
from yichuang.web.views.common import key_or_404, problem_from

POINT_COOKIE = "yichuang_kiosk_point"
CITIZEN_KEY = "kiosk_citizen"
PENDING_KEY = "kiosk_signin"
#: Codes a phone may be sent from kiosks in an hour (the API has its own throttles; a kiosk in a hall
#: is one address for everybody, so the phone is what counts).
CODES_PER_HOUR = 5
#: 我要办: how many items the tile's page lists
SHOWN_ITEMS = 24


def kiosk_point(request: HttpRequest) -> ServicePoint | None:
    code = (request.COOKIES.get(POINT_COOKIE) or "")[:20]
    if not code:
        return None
    return ServicePoint.objects.select_related("region").filter(code=code, active=True).first()


def kiosk_context(request: HttpRequest) -> dict[str, Any]:
    """What every kiosk page needs: its point, its home (where idleness returns), the signed-in
    citizen, the card reader's mode."""
    point = kiosk_point(request)
    home = reverse("web:kiosk-point", kwargs={"code": point.code}) if point else reverse("web:kiosk")
    return {
        "base_template": "web/kiosk/base.html",
        "kiosk": True,
        "kiosk_point": point,
        "kiosk_home": home,
        "kiosk_idle_seconds": int(getattr(settings, "KIOSK_IDLE_SECONDS", 120)),
        "kiosk_citizen": signed_in(request),
        "card_reader": str(getattr(settings, "KIOSK_CARD_READER", "demo") or ""),
        "prereview_days": int(getattr(settings, "PREREVIEW_WORKDAYS", 1)),
    }


def signed_in(request: HttpRequest) -> Citizen | None:
    pk = request.session.get(CITIZEN_KEY)
    if not pk:
        return None
    citizen = Citizen.objects.filter(pk=pk).first()
    return citizen if citizen is not None and citizen.verified else None


def _home(request: HttpRequest, point: ServicePoint | None) -> HttpResponse:
    context = kiosk_context(request)
    context["kiosk_point"] = point
    response = render(request, "web/kiosk/home.html", context)
    return response


def kiosk_home(request: HttpRequest) -> HttpResponse:
    """``/kiosk/``: the home of the kiosk's own point when it has one, else a kiosk of no point."""
    point = kiosk_point(request)
    if request.GET.get("reset"):
        return _reset(request, point)
    return _home(request, point)


def kiosk_point_home(request: HttpRequest, code: str) -> HttpResponse:
    """``/kiosk/p/<code>/``: sets the kiosk's point (a cookie that outlives every session)."""
    point = ServicePoint.objects.filter(code=key_or_404(code)[:20], active=True).first()
    if point is None:
        raise Http404(_("没有这个服务点。"))
    if request.GET.get("reset"):
        return _reset(request, point)
    response = _home(request, point)
    response.set_cookie(POINT_COOKIE, point.code, max_age=10 * 365 * 24 * 3600, samesite="Lax")
    return response


def _reset(request: HttpRequest, point: ServicePoint | None) -> HttpResponse:
    """Forget the last person (his sign-in, his progress queries, his language); keep the point."""
    request.session.flush()
    response = redirect(
        reverse("web:kiosk-point", kwargs={"code": point.code}) if point else reverse("web:kiosk")
    )
    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response


# ------------------------------------------------------------------------------------------ 我要办


def point_items(point: ServicePoint | None) -> list[ServiceItem]:
    """The point's immediate items first (done on the spot), then those most points offer."""
    qs = ServiceItem.objects.filter(status=ItemStatus.PUBLISHED)
    if point is not None:
        qs = qs.filter(pk__in=PointItem.objects.filter(point=point, active=True).values("item_id"))
    ranked = qs.annotate(points=Count("offers", filter=Q(offers__active=True))).order_by(
        "promised_days", "-points", "code"
    )
    items = list(ranked[:SHOWN_ITEMS])
    return sorted(items, key=lambda item: (item.promised_days != 0, -getattr(item, "points", 0), item.code))


def kiosk_items(request: HttpRequest) -> HttpResponse:
    context = kiosk_context(request)
    context["items"] = point_items(context["kiosk_point"])
    return render(request, "web/kiosk/items.html", context)


# ------------------------------------------------------------------------------------------ sign-in


class SignInForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("身份证号码"), max_length=18)
    name = forms.CharField(label=gettext_lazy("姓名（首次使用时填）"), max_length=50, required=False)
    phone = forms.CharField(label=gettext_lazy("手机号（首次使用时填）"), max_length=20, required=False)

    def clean_id_number(self) -> str:
        return validate_resident_id(self.cleaned_data["id_number"])


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("短信验证码"), max_length=6, min_length=6)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("web:kiosk-mine")


@require_http_methods(["GET", "POST"])
def kiosk_signin(request: HttpRequest) -> HttpResponse:
    """Two steps on one page: the ID number (and, the first time, name and phone) sends a code to
    the registered phone; the code signs in. Nothing tells whether a number is registered beyond
    asking for the phone when it is not."""
    context = kiosk_context(request)
    context["next"] = _next(request)
    pending = request.session.get(PENDING_KEY)
    step = request.POST.get("step", "")
    if request.method == "POST" and step == "code" and pending:
        form = CodeForm(request.POST)
        context.update({"code_form": form, "sent_to": mask_phone(pending["phone"])})
        if not form.is_valid():
            return render(request, "web/kiosk/signin.html", context, status=400)
        try:
            citizen, key = citizens.code_sign_in(phone=pending["phone"], code=form.cleaned_data["code"])
            # the kiosk keeps the sign-in in its session: the API token made on the way is not needed
            from yichuang.citizens import secrets as citizen_secrets
            from yichuang.citizens.models import CitizenToken

            CitizenToken.objects.filter(digest=citizen_secrets.digest("token", key)).delete()
            if not citizen.verified:
                citizens.identity_bind(
                    citizen=citizen, name=pending.get("name", ""), id_number=pending["id_number"]
                )
            elif citizen.id_number != pending["id_number"]:
                raise exceptions.PermissionDenied(_("身份证号码与该手机号实名认证的身份不符。"))
        except exceptions.APIException as exc:
            context["problem"] = problem_from(exc)
            return render(request, "web/kiosk/signin.html", context, status=context["problem"].status)
        request.session.cycle_key()
        request.session.pop(PENDING_KEY, None)
        request.session[CITIZEN_KEY] = citizen.pk
        return redirect(context["next"])
    if request.method == "POST" and step == "id":
        id_form = SignInForm(request.POST)
        context["form"] = id_form
        if not id_form.is_valid():
            return render(request, "web/kiosk/signin.html", context, status=400)
        id_number = id_form.cleaned_data["id_number"]
        known = Citizen.objects.filter(id_number=id_number, verified_at__isnull=False).first()
        phone = known.phone if known is not None else id_form.cleaned_data["phone"]
        if known is None and not (id_form.cleaned_data["name"] and id_form.cleaned_data["phone"]):
            context["first_time"] = True
            context["problem_text"] = _("首次使用请填写姓名和手机号，验证码将发到该手机。")
            return render(request, "web/kiosk/signin.html", context, status=400)
        if _codes_lately(phone) >= CODES_PER_HOUR:
            context["problem_text"] = _("验证码发送过于频繁，请一小时后再试，或到窗口办理。")
            return render(request, "web/kiosk/signin.html", context, status=429)
        try:
            citizens.code_send(phone=phone)
        except exceptions.APIException as exc:
            context["problem"] = problem_from(exc)
            return render(request, "web/kiosk/signin.html", context, status=context["problem"].status)
        request.session[PENDING_KEY] = {
            "id_number": id_number,
            "phone": citizens._phone(phone),
            "name": "" if known is not None else id_form.cleaned_data["name"],
        }
        context.update({"code_form": CodeForm(), "sent_to": mask_phone(phone)})
        return render(request, "web/kiosk/signin.html", context)
    request.session.pop(PENDING_KEY, None)
    context["form"] = SignInForm()
    return render(request, "web/kiosk/signin.html", context)


def _codes_lately(phone: str) -> int:
    from yichuang.citizens.models import LoginCode

    try:
        number = citizens._phone(phone)
    except exceptions.APIException:
        return 0
    since = timezone.now() - dt.timedelta(hours=1)
    return LoginCode.objects.filter(phone=number, created_at__gte=since).count()


@require_POST
def kiosk_signout(request: HttpRequest) -> HttpResponse:
    point = kiosk_point(request)
    return _reset(request, point)


def _citizen_or_signin(request: HttpRequest) -> Citizen | HttpResponse:
    citizen = signed_in(request)
    if citizen is None:
        return redirect(f"{reverse('web:kiosk-signin')}?next={request.path}")
    return citizen


# --------------------------------------------------------------------------------------- applying


@require_http_methods(["GET", "POST"])
def kiosk_apply(request: HttpRequest, code: str) -> HttpResponse:
    citizen = _citizen_or_signin(request)
    if isinstance(citizen, HttpResponse):
        return citizen
    context = kiosk_context(request)
    point = context["kiosk_point"]
    item = ServiceItem.objects.filter(code=key_or_404(code)[:40], status=ItemStatus.PUBLISHED).first()
    if (
        item is None
        or point is None
        or not PointItem.objects.filter(point=point, item=item, active=True).exists()
    ):
        raise Http404(_("本服务点不办理这个事项。"))
    # 办理情形: an item that has some asks first which one is his (big buttons, like the phone form's
    # first step); the list of papers is then that situation's, each required as the situation says.
    situations = item_situations(item.id)
    chosen = (request.POST.get("situation") or request.GET.get("situation") or "")[:30]
    if situations and chosen not in {s["code"] for s in situations}:
        context.update({"item": item, "situations": situations, "unknown": bool(chosen)})
        return render(request, "web/kiosk/situation.html", context, status=400 if chosen else 200)
    rows = materials_in_situation(item.id, chosen)
    materials = [row for row, _required in rows]
    context.update(
        {
            "item": item,
            "materials": [{"row": row, "required": required} for row, required in rows],
            "situation": next((s for s in situations if s["code"] == chosen), None),
        }
    )
    if request.method == "GET":
        return render(request, "web/kiosk/apply.html", context)
    method = request.POST.get("delivery", "pickup")
    method = method if method in ("pickup", "mail") else "pickup"
    try:
        given = []
        for material in materials:
            uploads = request.FILES.getlist(f"m-{material.code}")[:5]
            files = [citizens.file_store_for(citizen=citizen, upload=upload) for upload in uploads]
            if files:
                given.append(MaterialInput(requirement=material.code, files=files))
        commitments = [m.code for m in materials if m.commitment_allowed and request.POST.get(f"c-{m.code}")]
        case = citizens.citizen_apply(
            citizen=citizen,
            item=item,
            point=point,
            materials=given,
            commitments=commitments,
            delivery_method=method,
            delivery_address=request.POST.get("address", "")[:200],
            channel="kiosk",
            situation=chosen,
        )
    except (exceptions.APIException, DjangoValidationError) as exc:
        context["problem"] = problem_from(exc)
        return render(request, "web/kiosk/apply.html", context, status=context["problem"].status)
    return redirect("web:kiosk-receipt", number=case.number)


def kiosk_mine(request: HttpRequest) -> HttpResponse:
    citizen = _citizen_or_signin(request)
    if isinstance(citizen, HttpResponse):
        return citizen
    context = kiosk_context(request)
    context["cases"] = list(citizen_cases(citizen)[:20])
    return render(request, "web/kiosk/mine.html", context)


def kiosk_receipt(request: HttpRequest, number: str) -> HttpResponse:
    """申请回执, printed by the browser (the kiosk's printer)."""
    citizen = _citizen_or_signin(request)
    if isinstance(citizen, HttpResponse):
        return citizen
    try:
        case = citizen_case_get(citizen=citizen, number=key_or_404(number))
    except exceptions.NotFound as exc:
        raise Http404(_("没有找到这个办件。")) from exc
    context = kiosk_context(request)
    context.update(
        {
            "case": case,
            "materials": list(case.materials.order_by("id")),
            "qr": _qr_svg(request.build_absolute_uri(reverse("web:track"))),
        }
    )
    return render(request, "web/kiosk/receipt.html", context)


# ------------------------------------------------------------------------------------- licences


def kiosk_licenses(request: HttpRequest) -> HttpResponse:
    citizen = _citizen_or_signin(request)
    if isinstance(citizen, HttpResponse):
        return citizen
    from yichuang.licenses.selectors import licenses_of_holder

    context = kiosk_context(request)
    context["licenses"] = list(licenses_of_holder(holder_id_number=citizen.id_number)[:50])
    return render(request, "web/kiosk/licenses.html", context)


def kiosk_license_print(request: HttpRequest, number: str) -> HttpResponse:
    """证照打印: the licence with its verify QR (the sealed certificate's code), printed by the browser."""
    citizen = _citizen_or_signin(request)
    if isinstance(citizen, HttpResponse):
        return citizen
    from yichuang.documents.models import Document, DocumentKind
    from yichuang.licenses.selectors import licenses_of_holder

    licence = licenses_of_holder(holder_id_number=citizen.id_number).filter(number=number[:60]).first()
    if licence is None:
        raise Http404(_("没有找到这个证照。"))
    certificate = (
        Document.objects.filter(case_id=licence.source_case_id, kind=DocumentKind.CERTIFICATE)
        .order_by("-issued_at")
        .first()
        if licence.source_case_id
        else None
    )
    verify = (
        request.build_absolute_uri(reverse("verify", kwargs={"code": certificate.verify_code}))
        if certificate is not None
        else ""
    )
    context = kiosk_context(request)
    context.update({"licence": licence, "certificate": certificate, "qr": _qr_svg(verify) if verify else ""})
    return render(request, "web/kiosk/license_print.html", context)


# ---------------------------------------------------------------------------------------- 文书核验


def kiosk_verify(request: HttpRequest) -> HttpResponse:
    context = kiosk_context(request)
    code = "".join(ch for ch in request.GET.get("code", "") if ch.isalnum())[:40]
    if code:
        return redirect("verify", code=code)
    return render(request, "web/kiosk/verify.html", context)


def _qr_svg(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()
