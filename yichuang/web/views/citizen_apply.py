"""在线办理: the step form 情形 → 信息 → 材料 → 领取方式 → 确认, on a draft kept between steps
(``citizens.drafts``). Each step saves and moves on; a later step opens only once the earlier ones are
done; the last one sends the draft through the same service as the API's online application."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework import exceptions

from yichuang.catalog.selectors import form_fields_for, items_published, points_offering
from yichuang.catalog.situations import item_situations
from yichuang.citizens import drafts, services, steps
from yichuang.citizens.models import ApplicationDraft, DraftStep
from yichuang.common.identity import mask_phone, mask_resident_id
from yichuang.org.models import Region, RegionLevel, ServicePoint
from yichuang.web.citizen_forms import DeliveryForm
from yichuang.web.citizen_session import citizen, citizen_view
from yichuang.web.views.citizen import identity_url, me_facts
from yichuang.web.views.common import key_or_404, problem_from
from yichuang.web.views.uploads import with_upload_limit

#: What the phone's file chooser offers: photos (or the camera, ``capture``) and PDFs.
PHONE_ACCEPT = "image/*,application/pdf"

STEPS = list(DraftStep)


def _step_url(draft: ApplicationDraft, step: str) -> str:
    return reverse("web:apply-step", kwargs={"pk": draft.pk, "step": step})


@citizen_view
def apply_start(request: HttpRequest, code: str) -> HttpResponse:
    """ "在线办理" on a guide page: the citizen's draft for the item (new or resumed)."""
    item = items_published().filter(code=key_or_404(code)[:40]).first()
    if item is None:
        raise Http404(_("没有这个事项。"))
    person = citizen(request)
    if not person.verified:
        messages.info(request, _("网上办理需要先完成实名认证。"))
        here = reverse("web:apply", kwargs={"code": item.code})
        return HttpResponseRedirect(identity_url(here))
    draft = steps.draft_open(citizen=person, item=item)
    return HttpResponseRedirect(_step_url(draft, draft.step))


def _material_rows(draft: ApplicationDraft) -> list[dict[str, Any]]:
    """The materials of his 办理情形 (``required`` as the situation makes it), with his files so far and
    the item's blank form and sample to download where staff gave them."""
    files = steps.draft_files(draft)
    return [
        {
            "code": m.code,
            "name": m.name,
            "required": required,
            "notes": m.notes,
            "blank_form": m.blank_form.url if m.blank_form else "",
            "sample": m.sample.url if m.sample else "",
            "tolerable": m.tolerable,
            "commitment_allowed": m.commitment_allowed,
            "commitment_text": steps.commitment_text(m) if m.commitment_allowed else "",
            "committed": m.code in draft.commitments,
            "files": files.get(m.code, []),
        }
        for m, required in steps.draft_materials(draft)
    ]


def _shown(kind: str, value: Any) -> str:
    """A filled value as the confirm page shows it: ID numbers and phones masked, like everywhere."""
    text = str(value or "")
    if text and kind == "id_number":
        return mask_resident_id(text)
    if text and kind == "phone":
        return mask_phone(text)
    return text


def _label(field: Any) -> str:
    """The field's name in the page's language (``label_en`` under English when staff gave one)."""
    english = (get_language() or "").startswith("en")
    return str(field.label_en if english and field.label_en else field.label)


def _form_rows(draft: ApplicationDraft, problem: Any) -> list[dict[str, Any]]:
    """The item's form fields with the values so far and each field's message after a refusal."""
    errors = problem.fields if problem is not None else {}
    values = draft.form or {}
    return [
        {
            "field": field,
            "label": _label(field),
            "name": f"form_{field.key}",
            "value": values.get(field.key, ""),
            "errors": errors.get(f"form.{field.key}", []),
            "choices": [str(c) for c in field.choices or []],
        }
        for field in form_fields_for(draft.item)
    ]


def _context(request: HttpRequest, draft: ApplicationDraft, step: str, **extra: Any) -> dict[str, Any]:
    order = [s.value for s in STEPS]
    reached = order.index(draft.step)
    return {
        "draft": draft,
        "item": draft.item,
        "step": step,
        "steps": [
            {
                "value": s.value,
                "label": s.label,
                "url": _step_url(draft, s.value),
                "done": i < order.index(step),
                "current": s.value == step,
                "open": i <= reached,
            }
            for i, s in enumerate(STEPS)
        ],
        "back_url": _step_url(draft, order[order.index(step) - 1]) if order.index(step) > 0 else "",
        "me": me_facts(draft.citizen),
        **extra,
    }


@dataclass
class PointGroup:
    """The points of one town (or of the county itself) on the 办理地点 step."""

    key: str
    name: str
    points: list[ServicePoint] = field(default_factory=list)
    open: bool = False


def _town_of(point: ServicePoint) -> Region | None:
    """The town a point serves: its own region for a town center or a bank outlet, the parent town of
    a village station's village; ``None`` for a county-level hall."""
    region = point.region
    if region.level == RegionLevel.VILLAGE:
        return region.parent
    return region if region.level == RegionLevel.TOWN else None


def point_groups(
    points: list[ServicePoint], *, chosen: str = "", home: Region | None = None
) -> list[PointGroup]:
    """A county's ninety-odd points grouped by town, so the citizen picks his town, then the point.
    His own town first (where he applied before), then the county's halls, then the towns in code
    order; a town's center before its stations. The group holding his choice, or his own town, is
    open; with one group there is nothing to pick first."""
    groups: dict[str, PointGroup] = {}
    for point in points:
        town = _town_of(point)
        key = town.code if town is not None else ""
        if key not in groups:
            groups[key] = PointGroup(key=key, name=town.name if town is not None else _("县（区）级服务大厅"))
        groups[key].points.append(point)
    home_key = home.code if home is not None else None

    def order(group: PointGroup) -> tuple[int, str]:
        return (0 if group.key == home_key else 1 if not group.key else 2, group.key)

    ordered = sorted(groups.values(), key=order)
    for group in ordered:
        group.points.sort(key=lambda p: (p.parent_id is not None, p.code))
        group.open = len(ordered) == 1 or any(p.code == chosen for p in group.points)
    if not any(g.open for g in ordered) and home_key is not None:
        for group in ordered:
            group.open = group.key == home_key
    return ordered


def _home_town(draft: ApplicationDraft) -> Region | None:
    """The town of the point where the citizen applied last, if he has applied before."""
    last = (
        ServicePoint.objects.filter(cases__citizen_link__citizen=draft.citizen)
        .select_related("region__parent")
        .order_by("-cases__created_at")
        .first()
    )
    return _town_of(last) if last is not None else None


def _render(
    request: HttpRequest, draft: ApplicationDraft, step: str, status: int = 200, **extra: Any
) -> HttpResponse:
    if step == DraftStep.SITUATION:
        extra.setdefault("points", list(points_offering(draft.item).select_related("region__parent")))
        extra["point_groups"] = point_groups(extra["points"], chosen=draft.point, home=_home_town(draft))
        extra["situations"] = item_situations(draft.item_id)
    if step != DraftStep.SITUATION and draft.situation:
        extra["situation_name"] = next(
            (s["name"] for s in item_situations(draft.item_id) if s["code"] == draft.situation), ""
        )
    if step in (DraftStep.MATERIALS, DraftStep.CONFIRM):
        extra["materials"] = _material_rows(draft)
        extra["accept"] = PHONE_ACCEPT
    if step == DraftStep.INFO:
        extra["form_fields"] = _form_rows(draft, extra.get("problem"))
    if step in (DraftStep.INFO, DraftStep.DELIVERY, DraftStep.CONFIRM):
        extra["point"] = steps.draft_point(draft)
    delivery = draft.delivery or {}
    if step == DraftStep.DELIVERY and "form" not in extra:
        extra["form"] = DeliveryForm(
            initial={
                "delivery_method": delivery.get("method") or "pickup",
                "delivery_address": delivery.get("address", ""),
            }
        )
    if step == DraftStep.CONFIRM:
        extra["missing"] = [
            row["name"]
            for row in extra["materials"]
            if row["required"] and not row["files"] and not row["committed"]
        ]
        extra["delivery_words"] = services.DELIVERY_WORDS.get(delivery.get("method", ""), "")
        extra["delivery_address"] = delivery.get("address", "")
        extra["form_filled"] = [
            {"label": _label(field), "value": _shown(field.kind, (draft.form or {}).get(field.key, ""))}
            for field in form_fields_for(draft.item)
        ]
    return render(request, "web/citizen/apply.html", _context(request, draft, step, **extra), status=status)


@require_http_methods(["GET", "POST"])
@with_upload_limit
@citizen_view
def apply_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in DraftStep.values:
        raise Http404(_("没有这一步。"))
    try:
        draft = steps.draft_by_id(citizen=citizen(request), pk=pk)
    except exceptions.NotFound as exc:
        raise Http404(str(exc.detail)) from exc
    order = list(DraftStep.values)
    if order.index(step) > order.index(draft.step):
        return HttpResponseRedirect(_step_url(draft, draft.step))
    if request.method == "GET":
        return _render(request, draft, step)
    try:
        with transaction.atomic():  # one refusal keeps nothing of the request (uploads included)
            return _post(request, draft, step)
    except exceptions.APIException as exc:
        problem = problem_from(exc)
        draft.refresh_from_db()
        if step == DraftStep.SITUATION:  # shown again as chosen (not saved), beside the message
            draft.point = request.POST.get("point", "")[:20]
            draft.situation = request.POST.get("situation", "")[:30]
        return _render(request, draft, step, status=problem.status, problem=problem)


def _post(request: HttpRequest, draft: ApplicationDraft, step: str) -> HttpResponse:
    if step == DraftStep.SITUATION:
        steps.draft_choose_point(
            draft=draft, point_code=request.POST.get("point", ""), situation=request.POST.get("situation", "")
        )
        return HttpResponseRedirect(_step_url(draft, DraftStep.INFO))
    if step == DraftStep.INFO:
        values = {
            field.key: request.POST.get(f"form_{field.key}", "") for field in form_fields_for(draft.item)
        }
        try:
            steps.draft_fill_form(draft=draft, values=values)
        except exceptions.APIException as exc:
            problem = problem_from(exc)
            draft.form = values  # shown again as typed, beside each message; nothing is saved
            return _render(request, draft, step, status=problem.status, problem=problem)
        return HttpResponseRedirect(_step_url(draft, DraftStep.MATERIALS))
    if step == DraftStep.MATERIALS:
        return _post_materials(request, draft)
    if step == DraftStep.DELIVERY:
        form = DeliveryForm(request.POST)
        if not form.is_valid():
            return _render(request, draft, step, status=400, form=form)
        try:
            steps.draft_set_delivery(
                draft=draft,
                method=form.cleaned_data["delivery_method"],
                address=form.cleaned_data["delivery_address"],
            )
        except exceptions.APIException as exc:
            problem = problem_from(exc)
            for text in problem.fields.get("delivery_address", []):
                form.add_error("delivery_address", text)
            return _render(request, draft, step, status=problem.status, form=form, problem=problem)
        return HttpResponseRedirect(_step_url(draft, DraftStep.CONFIRM))
    case = steps.draft_submit(draft=draft)
    messages.success(
        request,
        _("申请已提交，办件编号 %(number)s。窗口将预审您的申请，结果会短信通知您。")
        % {"number": case.number},
    )
    return HttpResponseRedirect(reverse("web:my-case", kwargs={"number": case.number}))


def _post_materials(request: HttpRequest, draft: ApplicationDraft) -> HttpResponse:
    """Files chosen for any material are stored whatever button was pressed (so 下一步 never drops a
    chosen photo); ``remove`` drops one file; ``next`` saves the signed commitments and moves on."""
    action = request.POST.get("action", "")
    codes = [m.code for m, _required in steps.draft_materials(draft)]
    for code in codes:
        chosen = request.FILES.getlist(f"upload_{code}")
        if chosen:
            steps.draft_add_files(draft=draft, code=code, uploads=chosen)
    if action.startswith("remove:"):
        parts = [*action.split(":", 2), "", ""]
        code, file_id = parts[1], parts[2]
        steps.draft_remove_file(draft=draft, code=code, file_id=file_id)
        return HttpResponseRedirect(_step_url(draft, DraftStep.MATERIALS) + f"#m-{code}")
    if action == "next":
        steps.draft_set_commitments(draft=draft, codes=request.POST.getlist("commitment"))
        return HttpResponseRedirect(_step_url(draft, DraftStep.DELIVERY))
    anchor = next((f"#m-{c}" for c in codes if request.FILES.getlist(f"upload_{c}")), "")
    if anchor:
        messages.success(request, _("已上传。"))
    else:  # 上传所选文件 pressed with nothing chosen: say so rather than "uploaded"
        messages.warning(request, _("请先选择要上传的文件，再点“上传所选文件”。"))
    return HttpResponseRedirect(_step_url(draft, DraftStep.MATERIALS) + anchor)


@require_POST
@citizen_view
def apply_discard(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        draft = steps.draft_by_id(citizen=citizen(request), pk=pk)
    except exceptions.NotFound as exc:
        raise Http404(str(exc.detail)) from exc
    drafts.draft_discard(citizen=draft.citizen, item=draft.item)
    messages.success(request, _("草稿已删除。"))
    return HttpResponseRedirect(reverse("web:my-cases"))
