"""一件事 on the phone (掌上办): one page to apply for a whole bundle with one set of materials and one
form (``/me/bundles/<code>/``), and the application followed as one by its YJS number
(``/me/applications/<YJS…>/``). The application goes through ``citizens.services.citizen_bundle_apply``
— the checks of ``POST /api/v1/citizen/bundle-applications/`` — in the transaction that stores his
photos, so a refusal keeps nothing and the page shows every message beside its field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework import exceptions

from yichuang.cases.api import application_track_output
from yichuang.cases.models import BundleApplication, Case
from yichuang.cases.services import MaterialInput
from yichuang.catalog.models import Bundle
from yichuang.catalog.selectors import bundle_form_fields, bundle_materials, bundles_active, points_offering
from yichuang.citizens import services
from yichuang.citizens.models import Citizen
from yichuang.citizens.selectors import citizen_cases
from yichuang.common.errors import Invalid
from yichuang.org.models import ServicePoint
from yichuang.web.citizen_forms import DeliveryForm
from yichuang.web.citizen_session import citizen, citizen_view
from yichuang.web.views.citizen import identity_url, me_facts
from yichuang.web.views.citizen_apply import PHONE_ACCEPT
from yichuang.web.views.citizen_cases import progress
from yichuang.web.views.common import key_or_404, problem_from
from yichuang.web.views.uploads import with_upload_limit


def bundle_points(bundle: Bundle) -> list[ServicePoint]:
    """The points that offer every item of the bundle (where it can be done as one)."""
    entries = list(bundle.entries.select_related("item"))
    if not entries:
        return []
    common: list[ServicePoint] | None = None
    for entry in entries:
        offered = list(points_offering(entry.item))
        codes = {p.code for p in offered}
        common = offered if common is None else [p for p in common if p.code in codes]
    return common or []


def _bundle_or_404(code: str) -> Bundle:
    found = bundles_active().filter(code=key_or_404(code)[:40]).prefetch_related("entries__item").first()
    if found is None:
        raise Http404(_("没有这个“一件事”。"))
    return found


def _page(
    request: HttpRequest, bundle: Bundle, person: Citizen, status: int = 200, **extra: Any
) -> HttpResponse:
    problem = extra.get("problem")
    errors = problem.fields if problem is not None else {}
    typed = extra.pop("typed", {})
    chosen = extra.pop("chosen", {})
    context = {
        "bundle": bundle,
        "items": [entry.item for entry in bundle.entries.all()],
        "points": bundle_points(bundle),
        "materials": [
            {
                "m": m,
                "errors": errors.get(f"materials.{m.code}", []),
                "committed": m.code in chosen.get("commitments", []),
            }
            for m in bundle_materials(bundle)
        ],
        "form_fields": [
            {
                "field": field,
                "name": f"form_{field.key}",
                "value": typed.get(field.key, ""),
                "errors": errors.get(f"form.{field.key}", []),
                "choices": [str(c) for c in field.choices or []],
            }
            for field in bundle_form_fields(bundle)
        ],
        "point_code": chosen.get("point", ""),
        "accept": PHONE_ACCEPT,
        "me": me_facts(person),
        "form": extra.pop("form", None) or DeliveryForm(initial={"delivery_method": "pickup"}),
        **extra,
    }
    return render(request, "web/citizen/bundle_apply.html", context, status=status)


@require_http_methods(["GET", "POST"])
@with_upload_limit
@citizen_view
def bundle_apply(request: HttpRequest, code: str) -> HttpResponse:
    bundle = _bundle_or_404(code)
    person = citizen(request)
    if not person.verified:
        messages.info(request, _("网上办理需要先完成实名认证。"))
        return HttpResponseRedirect(identity_url(request.path))
    if request.method == "GET":
        return _page(request, bundle, person)
    typed = {field.key: request.POST.get(f"form_{field.key}", "") for field in bundle_form_fields(bundle)}
    commitments: list[str] = list(request.POST.getlist("commitment"))
    chosen: dict[str, Any] = {"point": request.POST.get("point", ""), "commitments": commitments}
    delivery = DeliveryForm(request.POST)
    if not delivery.is_valid():
        return _page(request, bundle, person, status=400, form=delivery, typed=typed, chosen=chosen)
    try:
        with transaction.atomic():  # his photos and the application: both or neither
            point = ServicePoint.objects.filter(code=chosen["point"][:20], active=True).first()
            if point is None or point.code not in {p.code for p in bundle_points(bundle)}:
                raise Invalid(
                    _("请选择一个可以办理该“一件事”的服务点。"), fields={"point": [_("请选择办理地点。")]}
                )
            materials = []
            for m in bundle_materials(bundle):
                uploads = request.FILES.getlist(f"upload_{m.code}")
                if uploads:
                    stored = [services.file_store_for(citizen=person, upload=u) for u in uploads]
                    materials.append(MaterialInput(requirement=m.code, files=stored))
            receipt = services.citizen_bundle_apply(
                citizen=person,
                bundle=bundle,
                point=point,
                materials=materials,
                commitments=commitments,
                delivery_method=delivery.cleaned_data["delivery_method"],
                delivery_address=delivery.cleaned_data["delivery_address"],
                form=typed if bundle_form_fields(bundle) else None,
            )
    except exceptions.APIException as exc:
        problem = problem_from(exc)
        for text in problem.fields.get("delivery.address", []):
            delivery.add_error("delivery_address", text)
        return _page(
            request,
            bundle,
            person,
            status=problem.status,
            problem=problem,
            form=delivery,
            typed=typed,
            chosen=chosen,
        )
    messages.success(
        request,
        _("“一件事”申请已提交，申请编号 %(number)s，共%(n)d个事项。窗口将一并预审，结果会短信通知您。")
        % {"number": receipt.application.number, "n": len(receipt.cases)},
    )
    return HttpResponseRedirect(reverse("web:my-application", kwargs={"number": receipt.application.number}))


@citizen_view
def my_application(request: HttpRequest, number: str) -> HttpResponse:
    """His 一件事 as one: its YJS number, the least advanced status, the latest promised date, and each
    item's case with its own progress. Anyone else's number answers like an unknown one (404)."""
    person = citizen(request)
    mine: list[Case] = list(
        citizen_cases(person).filter(application__number=key_or_404(number)[:30].upper()).order_by("id")
    )
    if not mine:
        raise Http404(_("没有找到这个申请。"))
    application = (
        BundleApplication.objects.select_related("bundle", "point").prefetch_related(
            "cases__item", "cases__events"
        )
    ).get(pk=mine[0].application_id or 0)
    return render(
        request,
        "web/citizen/application.html",
        {
            "application": application,
            "summary": application_track_output(application),
            "rows": [{"case": c, "progress": progress(c)} for c in mine],
        },
    )
