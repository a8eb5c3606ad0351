"""综合受理: the window workbench, and the village agent's submission for a villager.

Find an item (words or pinyin), read its guide and materials checklist, enter the applicant, upload
or photograph the materials, mark tolerated (容缺) and committed (告知承诺) ones, then accept, issue a
one-time notice or refuse. The same pages serve a 一件事 bundle. Everything a sitting writes goes in
one transaction: a refused "accept" (materials missing) stores no case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework import exceptions

from yichuang.cases import services
from yichuang.cases.models import Case, Channel, MaterialState
from yichuang.cases.services import ApplicantInput, MaterialInput
from yichuang.catalog.guide import guide_sections
from yichuang.catalog.models import Bundle, FormField, LicenseType, MaterialForm, PointItem, ServiceItem
from yichuang.catalog.search import search_items
from yichuang.catalog.selectors import (
    bundle_form_fields,
    bundle_materials,
    bundles_active,
    form_fields_for,
    items_published,
    points_offering,
)
from yichuang.catalog.situations import item_situations
from yichuang.common.identity import resident_id_valid, uscc_valid, validate_resident_id, validate_uscc
from yichuang.files.models import StoredFile
from yichuang.licenses.selectors import licenses_in_force
from yichuang.org.models import Region, RegionLevel, Role, ServicePoint, Staff
from yichuang.web.forms import ApplicantForm
from yichuang.web.nextstep import remember
from yichuang.web.views.common import (
    INTAKE_ROLES,
    Problem,
    clean_list,
    clean_text,
    key_or_404,
    problem_from,
    staff,
    staff_view,
)
from yichuang.web.views.uploads import resolve_ids, store_uploads, upload_context, with_upload_limit

SESSION_TOKENS = "web_intake_done"
MAX_RESULTS = 30


@dataclass
class Row:
    """One line of the materials checklist."""

    code: str
    name: str
    required: bool
    tolerable: bool
    commitment_allowed: bool
    license_type: str = ""
    license_name: str = ""
    detail: str = ""
    items: list[str] = field(default_factory=list)
    files: list[StoredFile] = field(default_factory=list)
    tolerated: bool = False
    committed: bool = False
    error: str = ""


def _rows_for_item(item: ServiceItem) -> list[Row]:
    rows = []
    for m in item.materials.all():
        detail = _("%(form)s，%(copies)d份") % {"form": MaterialForm(m.form).label, "copies": m.copies}
        if m.notes:
            detail += "；" + m.notes
        rows.append(
            Row(
                code=m.code,
                name=m.name,
                required=m.required,
                tolerable=m.tolerable,
                commitment_allowed=m.commitment_allowed,
                license_type=m.license_type.code if m.license_type else "",
                license_name=m.license_type.name if m.license_type else "",
                detail=detail,
            )
        )
    return rows


def _rows_for_bundle(bundle: Bundle) -> list[Row]:
    names = {e.item.code: e.item.name for e in bundle.entries.select_related("item")}
    types = dict(LicenseType.objects.values_list("code", "name"))
    return [
        Row(
            code=m.code,
            name=m.name,
            required=m.required,
            tolerable=m.tolerable,
            commitment_allowed=m.commitment_allowed,
            license_type=m.reusable_license_type or "",
            license_name=types.get(m.reusable_license_type or "", ""),
            items=[names.get(code, code) for code in m.items],
        )
        for m in bundle_materials(bundle)
    ]


def _channel(user: Staff) -> str:
    if user.role == Role.VILLAGE_AGENT:
        return Channel.AGENT
    if user.role == Role.BANK_CLERK:
        return Channel.BANK
    return Channel.WINDOW


def _towns(point: ServicePoint) -> Any:
    """Towns of the point's county, for 跨乡镇通办 (only window staff choose one)."""
    return Region.objects.filter(level=RegionLevel.TOWN, code__startswith=point.region.code[:6]).order_by(
        "code"
    )


def _point_or_none(user: Staff) -> ServicePoint | None:
    if user.role not in INTAKE_ROLES and not user.is_superuser:
        return None
    return user.point


# ---------------------------------------------------------------------------------------- the search


@dataclass
class Hit:
    item: ServiceItem
    offered: bool
    elsewhere: list[ServicePoint] = field(default_factory=list)


@staff_view
def intake_search(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    point = _point_or_none(user)
    query = request.GET.get("q", "").strip()[:50]
    hits: list[Hit] = []
    if query and point is not None:
        ids = [pk for pk, _score in search_items(query)[:MAX_RESULTS]]
        found = {i.pk: i for i in items_published().filter(pk__in=ids)}
        offered = set(
            PointItem.objects.filter(point=point, active=True, item_id__in=ids).values_list(
                "item_id", flat=True
            )
        )
        hits = [Hit(item=found[pk], offered=pk in offered) for pk in ids if pk in found]
        for hit in hits:
            if not hit.offered:
                hit.elsewhere = list(points_offering(hit.item)[:3])
        hits.sort(key=lambda h: not h.offered)
    context = {
        "point": point,
        "query": query,
        "hits": hits,
        "bundles": bundles_active() if point is not None and user.role != Role.VILLAGE_AGENT else [],
        "is_agent": user.role == Role.VILLAGE_AGENT,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "item-results":
        return render(request, "web/intake/_results.html", context)
    return render(request, "web/intake/search.html", context)


# ------------------------------------------------------------------------------------------ the form


class _Rollback(Exception):
    """Undo the sitting's writes and show ``problem`` (e.g. "accept" with materials missing)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class Subject:
    """What is applied for: one item, or a 一件事 bundle."""

    kind: str  # "item" | "bundle"
    code: str
    name: str
    rows: list[Row]
    item: ServiceItem | None = None
    bundle: Bundle | None = None
    guide: list[Any] = field(default_factory=list)
    immediate: bool = False
    #: the application form's fields (申请表), merged over a bundle's items
    form_fields: list[FormField] = field(default_factory=list)


@dataclass
class FormRow:
    """One input of the 申请表 fieldset, with what was typed and what is wrong with it."""

    key: str
    label: str
    kind: str
    required: bool
    choices: list[str]
    help_text: str
    max_length: int | None
    value: str = ""
    error: str = ""

    @property
    def name(self) -> str:
        return f"af-{self.key}"

    @property
    def input_type(self) -> str:
        return {"date": "date", "phone": "tel"}.get(self.kind, "text")

    @property
    def inputmode(self) -> str:
        return {"number": "decimal", "phone": "tel", "id_number": "text"}.get(self.kind, "")


def _form_rows(subject: Subject, request: HttpRequest, problem: Problem | None) -> list[FormRow]:
    faults = problem.fields if problem is not None else {}
    return [
        FormRow(
            key=f.key,
            label=f.label,
            kind=f.kind,
            required=f.required,
            choices=[str(choice) for choice in f.choices or []],
            help_text=f.help_text,
            max_length=f.max_length,
            value=request.POST.get(f"af-{f.key}", "") if request.method == "POST" else "",
            error="".join(faults.get(f"form.{f.key}", [])),
        )
        for f in subject.form_fields
    ]


def _form_values(subject: Subject, request: HttpRequest) -> dict[str, str] | None:
    """The 申请表 as the clerk typed it; None when he typed nothing (the applicant brought it on
    paper), so an untouched fieldset never blocks the sitting."""
    values = {f.key: clean_text(request.POST.get(f"af-{f.key}", ""))[:1000] for f in subject.form_fields}
    return values if any(value.strip() for value in values.values()) else None


def _item_subject(code: str, point: ServicePoint) -> Subject:
    item = items_published().filter(code=key_or_404(code)[:40]).first()
    if item is None:
        raise Http404(_("没有这个事项。"))
    if not PointItem.objects.filter(point=point, item=item, active=True).exists():
        raise Http404(_("本服务点未认领该事项。"))
    sections = [s for s in guide_sections(item) if s.title != _("要带的材料")]
    return Subject(
        kind="item",
        code=item.code,
        name=item.name,
        rows=_rows_for_item(item),
        item=item,
        guide=sections,
        immediate=item.kind == "immediate",
        form_fields=form_fields_for(item),
    )


def _bundle_subject(code: str) -> Subject:
    bundle = bundles_active().filter(code=key_or_404(code)[:40]).first()
    if bundle is None:
        raise Http404(_("没有这个“一件事”。"))
    return Subject(
        kind="bundle",
        code=bundle.code,
        name=bundle.name,
        rows=_rows_for_bundle(bundle),
        bundle=bundle,
        form_fields=bundle_form_fields(bundle),
    )


def _context(request: HttpRequest, subject: Subject, form: ApplicantForm, **extra: Any) -> dict[str, Any]:
    user = staff(request)
    return {
        "subject": subject,
        "form": form,
        "is_agent": user.role == Role.VILLAGE_AGENT,
        "point": user.point,
        "token": request.POST.get("form_token") or uuid.uuid4().hex,
        "note": request.POST.get("note", ""),
        "refuse_reason": request.POST.get("refuse_reason", ""),
        "form_rows": _form_rows(subject, request, extra.get("problem")),
        # 办理情形 of an item (a bundle asks every material): chosen here, checked by case_create
        "situations": item_situations(subject.item.pk) if subject.item is not None else [],
        "situation": request.POST.get("situation", ""),
        **upload_context(),
        **extra,
    }


@require_http_methods(["GET", "POST"])
@with_upload_limit
@staff_view
def intake_item(request: HttpRequest, code: str) -> HttpResponse:
    user = staff(request)
    point = _point_or_none(user)
    if point is None:
        return _no_point(request)
    return _intake(request, user, point, _item_subject(code, point))


@require_http_methods(["GET", "POST"])
@with_upload_limit
@staff_view
def intake_bundle(request: HttpRequest, code: str) -> HttpResponse:
    user = staff(request)
    point = _point_or_none(user)
    if user.role == Role.VILLAGE_AGENT:
        return render(
            request,
            "web/_problem.html",
            {"problem": Problem(403, _("“一件事”请到便民服务中心综合窗口申请。"))},
            status=403,
        )
    if point is None:
        return _no_point(request)
    return _intake(request, user, point, _bundle_subject(code))


def _no_point(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/_problem.html",
        {"problem": Problem(403, _("您的账号不在受理服务点，不能受理办件。请联系管理员设置所在服务点。"))},
        status=403,
    )


def _intake(request: HttpRequest, user: Staff, point: ServicePoint, subject: Subject) -> HttpResponse:
    towns = _towns(point) if user.role != Role.VILLAGE_AGENT else None
    if request.method == "GET":
        form = ApplicantForm(towns=towns)
        return render(request, "web/intake/form.html", _context(request, subject, form))

    done = request.session.get(SESSION_TOKENS, {}).get(request.POST.get("form_token", ""))
    if done:  # the same form sent twice (a double click, a reload): show what the first one made
        return redirect(done)

    form = ApplicantForm(request.POST, towns=towns)
    decision = request.POST.get("decision", "")
    allowed = {"submit"} if user.role == Role.VILLAGE_AGENT else {"accept", "notify", "refuse"}
    problem: Problem | None = None
    tolerated = set(clean_list(request.POST.getlist("tolerated")))
    committed = set(clean_list(request.POST.getlist("committed")))
    materials: list[MaterialInput] = []
    consent: StoredFile | None = None
    for row in subject.rows:
        row.tolerated = row.code in tolerated
        row.committed = row.code in committed
        try:
            row.files = resolve_ids(user, request.POST.getlist(f"file_{row.code}"))
            row.files += store_uploads(request, user, [f"upload_{row.code}", f"camera_{row.code}"])
        except exceptions.APIException as exc:
            row.error = problem_from(exc).message
        if row.files:
            materials.append(MaterialInput(requirement=row.code, files=row.files))
    consent_files: list[StoredFile] = []
    consent_error = ""
    if user.role == Role.VILLAGE_AGENT:
        try:
            consent_files = resolve_ids(user, request.POST.getlist("consent_file")[-1:])
            consent_files += store_uploads(request, user, ["consent_upload", "consent_pick"])
        except exceptions.APIException as exc:
            consent_error = problem_from(exc).message
        if not consent_files and not consent_error:
            consent_error = _("请上传村民签字的代办委托书。")
        consent = consent_files[-1] if consent_files else None

    reason = clean_text(request.POST.get("refuse_reason", ""))[:2000]
    if decision not in allowed:
        problem = Problem(400, _("请选择受理、一次性告知或不予受理。"))
    elif decision == "refuse" and not reason:
        problem = Problem(400, _("不予受理须说明理由。"), {"refuse_reason": [_("请填写不予受理的理由。")]})
    valid = form.is_valid()
    if problem is None and (not valid or consent_error or any(row.error for row in subject.rows)):
        problem = Problem(400, _("请检查标出的项目。"))
    if problem is not None:
        return _again(request, subject, form, problem, consent_files, consent_error)

    data = form.cleaned_data
    applicant = ApplicantInput(
        kind=data["kind"],
        name=data["name"],
        id_number=data["id_number"],
        phone=data["phone"],
        region=data.get("region"),
    )
    arguments: dict[str, Any] = {
        "actor": user,
        "point": point,
        "channel": _channel(user),
        "applicant": applicant,
        "materials": materials,
        "tolerated": sorted(tolerated),
        "commitments": sorted(committed),
        "consent_file": consent,
        "note": clean_text(request.POST.get("note", ""))[:1000],
        "form": _form_values(subject, request),
    }
    if subject.kind == "item":
        arguments["situation"] = clean_text(request.POST.get("situation", ""))[:30]
    try:
        with transaction.atomic():
            target = _sit(subject, arguments, decision, reason)
    except _Rollback as rollback:
        return _again(request, subject, form, rollback.problem, consent_files, consent_error, status=422)
    except exceptions.APIException as exc:
        problem = problem_from(exc)
        _field_errors(form, problem)
        return _again(request, subject, form, problem, consent_files, consent_error)
    if decision in ("accept", "submit") and subject.kind == "item":
        remember(request, target.rstrip("/").rsplit("/", 1)[-1])
    tokens = request.session.get(SESSION_TOKENS, {})
    tokens[request.POST.get("form_token", "")] = target
    request.session[SESSION_TOKENS] = dict(list(tokens.items())[-20:])
    return redirect(target)


def _again(
    request: HttpRequest,
    subject: Subject,
    form: ApplicantForm,
    problem: Problem,
    consent_files: list[StoredFile],
    consent_error: str,
    status: int | None = None,
) -> HttpResponse:
    context = _context(
        request, subject, form, problem=problem, consent_files=consent_files, consent_error=consent_error
    )
    return render(request, "web/intake/form.html", context, status=status or problem.status)


_FIELD_NAMES = {
    "applicant.name": "name",
    "applicant.id_number": "id_number",
    "applicant.phone": "phone",
    "applicant.kind": "kind",
    "applicant.region": "region",
}


def _field_errors(form: ApplicantForm, problem: Problem) -> None:
    for key, texts in problem.fields.items():
        name = _FIELD_NAMES.get(key)
        if name and name in form.fields:
            for text in texts:
                form.add_error(name, text)


def _missing_names(cases: list[Case]) -> list[str]:
    names: list[str] = []
    for case in cases:
        for m in case.materials.filter(state=MaterialState.MISSING):
            if m.name not in names:
                names.append(m.name)
    return names


def _sit(subject: Subject, arguments: dict[str, Any], decision: str, reason: str) -> str:
    """Write the sitting and return the page to show next; raise ``_Rollback`` to write nothing."""
    actor = arguments["actor"]
    if subject.kind == "item":
        assert subject.item is not None
        cases = [services.case_create(item=subject.item, **arguments)]
        application = None
    else:
        assert subject.bundle is not None
        receipt = services.bundle_apply(bundle=subject.bundle, **arguments)
        cases, application = receipt.cases, receipt.application
    missing = _missing_names(cases)
    if decision == "accept" and missing:
        raise _Rollback(
            Problem(
                422,
                _("材料不全，不能受理：%(names)s。请上传，或勾选容缺、告知承诺；也可以出具一次性告知书。")
                % {"names": "、".join(missing)},
            )
        )
    if decision == "notify":
        if not missing:
            raise _Rollback(Problem(422, _("材料齐全，无需一次性告知，请直接受理。")))
        for case in cases:
            codes = list(
                case.materials.filter(state=MaterialState.MISSING).values_list("requirement", flat=True)
            )
            if codes:
                services.case_notify(case=case, actor=actor, missing=codes, note=arguments["note"])
    if decision == "refuse":
        for case in cases:
            services.case_refuse(case=case, actor=actor, reason=reason)
    if application is not None:
        return reverse("web:application", kwargs={"number": application.number})
    case = cases[0]
    if decision == "notify":
        return reverse("web:case-print", kwargs={"number": case.number, "paper": "notice"})
    if decision == "refuse":
        return reverse("web:case-print", kwargs={"number": case.number, "paper": "refusal"})
    return reverse("web:case", kwargs={"number": case.number})


# ---------------------------------------------------------------------------------- licences (免证办)


@require_POST
@staff_view
def intake_licences(request: HttpRequest) -> HttpResponse:
    """htmx, once the ID number is complete: which materials the applicant's licences already cover.
    A POST, so the ID number stays out of URLs and logs."""
    user = staff(request)
    point = _point_or_none(user)
    if point is None:
        raise Http404()
    raw = request.POST.get("id_number", "")
    kind = request.POST.get("subject_kind", "item")
    code = request.POST.get("subject", "")
    try:
        subject = _bundle_subject(code) if kind == "bundle" else _item_subject(code, point)
    except Http404:
        return HttpResponse("", status=404)
    number = ""
    if resident_id_valid(raw):
        number = validate_resident_id(raw)
    elif uscc_valid(raw):
        number = validate_uscc(raw)
    wanted = {row.license_type for row in subject.rows if row.license_type}
    held = licenses_in_force(holder_id_number=number, type_codes=wanted) if number and wanted else {}
    return render(
        request,
        "web/intake/_licences.html",
        {"rows": subject.rows, "held": held, "checked": bool(number)},
    )
