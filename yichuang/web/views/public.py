"""Pages for citizens, without login: the service guide, progress by number and phone, 好差评, and the
kiosk (自助一体机) with the same pages in large print."""

from __future__ import annotations

import time
from typing import Any

from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework import exceptions

from yichuang.cases.calendar import case_warnings_of
from yichuang.cases.selectors import OPEN_STATUSES, case_track
from yichuang.catalog.guide import guide_sections, time_limit_text
from yichuang.catalog.models import ItemStatus, ServiceItem
from yichuang.catalog.search import search_items
from yichuang.catalog.selectors import bundles_active, items_published, points_offering
from yichuang.catalog.situations import item_situations
from yichuang.common.throttles import page_allowed
from yichuang.delivery.selectors import waybill_of
from yichuang.org.models import Staff
from yichuang.web.forms import RatingForm, TrackForm
from yichuang.web.rating import already_rated, may_rate, submit_rating
from yichuang.web.views.citizen_cases import progress
from yichuang.web.views.common import key_or_404, problem_from
from yichuang.web.views.guide_files import material_file_url

#: How long after a progress query the same browser may rate the case without typing the phone again.
RATING_WINDOW_SECONDS = 15 * 60
SESSION_KEY = "web_tracked"
MAX_RESULTS = 30


def _base(kiosk: bool) -> str:
    return "web/kiosk/base.html" if kiosk else "web/base.html"


def home(request: HttpRequest) -> HttpResponse:
    """The citizens' front page; signed-in staff go on to their workbench."""
    if isinstance(request.user, Staff) and request.user.is_authenticated:
        return redirect("web:work")
    return render(request, "web/home.html", {"common": _common_items(8), "bundles": bundles_active()[:6]})


def _common_items(limit: int) -> list[ServiceItem]:
    """Items offered at the most points: what most people come for."""
    return list(
        ServiceItem.objects.filter(status=ItemStatus.PUBLISHED)
        .annotate(points=Count("offers", filter=Q(offers__active=True)))
        .order_by("-points", "code")[:limit]
    )


def _search(query: str) -> list[ServiceItem]:
    ids = [item_id for item_id, _score in search_items(query)[:MAX_RESULTS]]
    found = {item.pk: item for item in items_published().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def guide_search(request: HttpRequest, kiosk: bool = False) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:50]
    context: dict[str, Any] = {
        "base_template": _base(kiosk),
        "kiosk": kiosk,
        "query": query,
        "results": _search(query) if query else [],
        "common": [] if query else _common_items(12),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "guide-results":
        return render(request, "web/guide/_results.html", context)
    return render(request, "web/guide/search.html", context)


def guide_detail(request: HttpRequest, code: str, kiosk: bool = False) -> HttpResponse:
    item = items_published().filter(code=key_or_404(code)[:40]).first()
    if item is None:
        raise Http404(_("没有这个事项。"))
    points = list(points_offering(item))
    sections = guide_sections(item, points)
    return render(
        request,
        "web/guide/detail.html",
        {
            "base_template": _base(kiosk),
            "kiosk": kiosk,
            "item": item,
            "sections": [s for s in sections if s.title not in (_("要带的材料"), _("在哪里办"))],
            "materials": [
                {
                    "row": m,
                    "blank_form": material_file_url(item.code, m, "blank-form"),
                    "sample": material_file_url(item.code, m, "sample"),
                }
                for m in item.materials.select_related("license_type")
            ],
            "situations": item_situations(item.pk),
            "parent": item.parent if item.parent and item.parent.status == "published" else None,
            "children": list(items_published().filter(parent=item).order_by("code")),
            "supplement_days": item.supplement_days,
            "time_limit": time_limit_text(item),
            "points": points[:60],
            "more_points": max(0, len(points) - 60),
        },
    )


def _remember(request: HttpRequest, number: str, phone: str) -> None:
    tracked = {
        key: value
        for key, value in request.session.get(SESSION_KEY, {}).items()
        if time.time() - value[1] < RATING_WINDOW_SECONDS
    }
    tracked[number] = [phone, time.time()]
    request.session[SESSION_KEY] = tracked


def _remembered_phone(request: HttpRequest, number: str) -> str | None:
    entry = request.session.get(SESSION_KEY, {}).get(number)
    if not entry or time.time() - entry[1] >= RATING_WINDOW_SECONDS:
        return None
    return str(entry[0])


def _timeline(case: Any) -> list[dict[str, Any]]:
    """The timeline without staff names (what the API's tracking shows)."""
    return [{"at": e.at, "action": e.action, "status": e.to_status} for e in case.citizen_timeline]


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest, kiosk: bool = False) -> HttpResponse:
    """进度查询: a POST with number and phone, so the phone never appears in a URL or a log."""
    context: dict[str, Any] = {"base_template": _base(kiosk), "kiosk": kiosk}
    if request.method == "GET":
        context["form"] = TrackForm()
        return render(request, "web/track/form.html", context)
    form = TrackForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, "web/track/form.html", context, status=400)
    if not page_allowed(request, scope="track", counter="track-page"):
        context["error"] = _("查询过于频繁，请一分钟后再试。")
        return render(request, "web/track/form.html", context, status=429)
    number, phone = form.cleaned_data["number"], form.cleaned_data["phone"]
    if number.startswith("YJS"):
        return _track_application(request, context, number=number, phone=phone)
    try:
        case = case_track(number=number, phone=phone)
    except exceptions.NotFound:
        context["error"] = _("没有找到这个办件。请核对办件编号和申请时留的手机号。")
        return render(request, "web/track/form.html", context, status=404)
    _remember(request, number, phone)
    context.update(
        {
            "case": case,
            "timeline": _timeline(case),
            # 申请 → 受理 → 审查 → 决定 → 送达, the steps the citizen's own pages show
            "progress": progress(case),
            "warnings": case_warnings_of(case),
            "open_statuses": OPEN_STATUSES,
            "waybill": waybill_of(case),
            "may_rate": may_rate(case, kiosk=kiosk),
            "rated": already_rated(case, kiosk=kiosk),
            "rating_form": RatingForm(),
        }
    )
    return render(request, "web/track/result.html", context)


def _track_application(
    request: HttpRequest, context: dict[str, Any], *, number: str, phone: str
) -> HttpResponse:
    """一件事 tracked as one by its YJS number (the API's ``application_track_output``)."""
    from yichuang.cases.api import application_track_output
    from yichuang.cases.selectors import application_track

    try:
        application = application_track(number=number, phone=phone)
    except exceptions.NotFound:
        context["error"] = _("没有找到这个办件。请核对办件编号和申请时留的手机号。")
        return render(request, "web/track/form.html", context, status=404)
    summary = application_track_output(application)
    for line in summary["timeline"]:  # ISO 8601 in the API; minutes, like the other pages
        line["at"] = str(line["at"] or "")[:16].replace("T", " ")
    context["summary"] = summary
    return render(request, "web/track/application.html", context)


@require_POST
def rate(request: HttpRequest, number: str, kiosk: bool = False) -> HttpResponse:
    """好差评 after completion, by the person who has just queried the case's progress."""
    number = key_or_404(number)
    context: dict[str, Any] = {"base_template": _base(kiosk), "kiosk": kiosk, "number": number}
    phone = _remembered_phone(request, number)
    if phone is None:
        context["form"] = TrackForm(initial={"number": number})
        context["error"] = _("请先输入办件编号和手机号查询进度，再进行评价。")
        return render(request, "web/track/form.html", context, status=403)
    try:
        case = case_track(number=number, phone=phone)
    except exceptions.NotFound as exc:
        raise Http404(_("没有找到这个办件。")) from exc
    form = RatingForm(request.POST)
    if not form.is_valid():
        context.update({"case": case, "timeline": _timeline(case), "may_rate": True, "rating_form": form})
        return render(request, "web/track/result.html", context, status=400)
    try:
        submit_rating(
            case=case,
            kiosk=kiosk,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except exceptions.APIException as exc:
        problem = problem_from(exc)
        context.update(
            {
                "case": case,
                "timeline": _timeline(case),
                "may_rate": False,
                "rated": already_rated(case, kiosk=kiosk),
                "rating_form": form,
                "error": problem.message,
            }
        )
        return render(request, "web/track/result.html", context, status=problem.status)
    context["case"] = case
    return render(request, "web/track/rated.html", context)


def verify_go(request: HttpRequest) -> HttpResponse:
    """The verify form on the citizens' pages: on to ``/verify/{code}`` (the documents' own page)."""
    code = "".join(ch for ch in request.GET.get("code", "") if ch.isalnum())[:64]
    if not code:
        return redirect("web:home")
    target = f"/verify/{code}"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect("web:home")
    return HttpResponseRedirect(target)
