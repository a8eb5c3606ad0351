"""The back-office queue, the case page with its action buttons, and the printed papers (受理回执,
一次性告知书, 不予受理通知书, 不予…决定书, 一件事受理回执)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework import exceptions

from yichuang.cases import services
from yichuang.cases.actions import CASE_ACTIONS, action_label
from yichuang.cases.api import form_output
from yichuang.cases.calendar import case_warnings_of
from yichuang.cases.documents import case_documents
from yichuang.cases.models import Case, CaseEvent, CaseStatus, DeliveryMethod, MaterialState
from yichuang.cases.prereview import prereview_of, prereview_overdue, with_prereview
from yichuang.cases.selectors import (
    OPEN_STATUSES,
    allowed_actions,
    application_get_for,
    case_get_for,
    case_list,
    cases_for,
)
from yichuang.cases.services.window import notice_basis
from yichuang.documents.wording import clean_reason, wording
from yichuang.org.models import Role
from yichuang.org.selectors import points_in_scope
from yichuang.web.forms import STATUS_GROUPS, QueueFilterForm, action_form_class
from yichuang.web.lights import light_for
from yichuang.web.nextstep import remember, take
from yichuang.web.views.common import Problem, clean_list, key_or_404, problem_from, staff, staff_view
from yichuang.web.views.uploads import collect_files, upload_context, with_upload_limit
from yichuang.web.views.work import by_due

PAGE_SIZE = 50


def get_case(user: Any, number: str, *, details: bool = True) -> Case:
    """The case if the user may see it; a 404 page otherwise (out of scope looks like no such case)."""
    try:
        return case_get_for(user=user, number=key_or_404(number)[:24], details=details)
    except exceptions.NotFound as exc:
        raise Http404(_("没有找到这个办件。")) from exc


# ----------------------------------------------------------------------------------------- the queue


@staff_view
def queue(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    visible = cases_for(user)
    items = sorted(set(visible.values_list("item__code", "item__name")), key=lambda pair: pair[1])
    points = [(p.code, p.name) for p in points_in_scope(user).filter(active=True).order_by("code")]
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = QueueFilterForm.OPEN
    form = QueueFilterForm(data, items=items, points=points)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {"status": QueueFilterForm.OPEN}
    status = filters.get("status") or ""
    group = STATUS_GROUPS.get(status)
    qs = case_list(
        user=user,
        filters={
            "status": "" if group else status,
            "point": filters.get("point"),
            "item": filters.get("item"),
            "overdue": filters.get("overdue"),
            "bring_home": filters.get("bring_home"),
        },
    )
    if group:
        qs = qs.filter(status__in=group[1])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    qs = prereview_overdue(qs) if filters.get("prereview_overdue") else with_prereview(qs)
    page = Paginator(by_due(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(case, light_for(case)) for case in page.object_list]
    for case, _light in rows:
        case.prereview = prereview_of(case)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "queue-rows":
        return render(request, "web/cases/_queue_rows.html", context)
    return render(request, "web/cases/queue.html", context)


# -------------------------------------------------------------------------------------- the case page


def _action_forms(
    case: Case, actions: list[str], bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    bound = bound or {}
    made: dict[str, Any] = {}
    for action in actions:
        if action in bound:
            made[action] = bound[action]
            continue
        initial = {}
        if action == "deliver":
            from yichuang.cases.api import wished_delivery

            wish = wished_delivery(case) or {}
            method = (
                DeliveryMethod.MAIL if wish.get("method") == DeliveryMethod.MAIL else DeliveryMethod.PICKUP
            )
            initial = {"method": DeliveryMethod.AGENT if case.agent_id else method}
        made[action] = action_form_class(action)(prefix=action, initial=initial)
    return made


def _case_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    user = staff(request)
    allowed = allowed_actions(user=user, case=case)
    materials = list(case.materials.all())
    owing = [m for m in materials if m.state in (MaterialState.MISSING, MaterialState.TOLERATED)]
    # 提交补正材料 only when a paper is owed: the table allows the action on an accepted case, but with
    # nothing missing or tolerated there is nothing to upload, and the button would only confuse.
    ordered = [a for a in CASE_ACTIONS if a in allowed and (a != "supplement" or owing)]
    events = list(case.events.all())
    prereview = prereview_of(case, events=[vars(e) for e in events])
    from yichuang.cases.api import wished_delivery
    from yichuang.delivery.selectors import waybill_of
    from yichuang.payments.selectors import payment_of

    return {
        "case": case,
        "prereview": prereview,
        "wish": wished_delivery(case),
        "waybill": waybill_of(case),
        "payment": payment_of(case),
        "may_deliver": "deliver" in allowed,
        "light": light_for(case),
        "materials": materials,
        "events": events,
        "actions": ordered,
        "forms": _action_forms(case, ordered, extra.pop("bound", None)),
        "negative": {a.name for a in CASE_ACTIONS.values() if a.negative},
        # 准予 is one button; its only input (the reason to approve while a 容缺 paper is owed) shows
        # only then.
        "simple": {a.name for a in CASE_ACTIONS.values() if not a.inputs or a.name == "approve"},
        "owed": [m for m in materials if m.state == MaterialState.TOLERATED],
        "to_supplement": owing,
        "missing": [m for m in materials if m.state == MaterialState.MISSING],
        "documents": case_documents(case, titles=True),
        "application_form": form_output(case, user=user),
        "is_agent": user.role == Role.VILLAGE_AGENT,
        "last_notice": _last_event(events, "notify"),
        "warnings": case_warnings_of(case),
        "open": case.status in OPEN_STATUSES,
        "words": wording(case.item_version.snapshot.get("type")),
        **upload_context(),
        **extra,
    }


def _last_event(events: list[CaseEvent], action: str) -> CaseEvent | None:
    found = [e for e in events if e.action == action]
    return found[-1] if found else None


#: The session key of the last refused action on a case page: its reason, the fields' messages and
#: what the clerk typed, shown once by the next view of that case (POST/redirect/GET: F5 on the page
#: that says "refused" reloads it, it never sends the action again).
REFUSED = "web_case_refused"


def _refused(
    request: HttpRequest, number: str, problem: Problem, *, action: str = "", form: forms.Form | None = None
) -> HttpResponse:
    typed = {}
    if form is not None:  # the text typed (no files: those are uploaded again), to fill the form again
        typed = {
            k: request.POST.getlist(k) for k in request.POST if k.startswith(f"{action}-") or k == "missing"
        }
    errors = {
        name: [str(e) for e in errs] for name, errs in (form.errors.items() if form is not None else [])
    }
    request.session[REFUSED] = {
        "number": number,
        "action": action,
        "message": problem.message,
        "errors": errors,
        "typed": typed,
    }
    messages.error(request, problem.message)
    return redirect(reverse("web:case", kwargs={"number": number}) + (f"#act-{action}" if action else ""))


def _take_refusal(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The refused action's open form, filled again with what was typed and its field messages."""
    refused = request.session.get(REFUSED)
    if not isinstance(refused, dict) or refused.get("number") != case.number:
        return {}
    del request.session[REFUSED]
    action = str(refused.get("action") or "")
    if action not in CASE_ACTIONS:
        return {}
    data = QueryDict(mutable=True)
    for key, values in (refused.get("typed") or {}).items():
        data.setlist(key, list(values))
    form = action_form_class(action)(data, prefix=action)
    form.is_valid()
    for name, texts in (refused.get("errors") or {}).items():
        if name in form.fields and name not in form.errors:
            for text in texts:
                form.add_error(name, text)
    return {"failed": action, "bound": {action: form}}


@staff_view
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = get_case(staff(request), number)
    return render(
        request,
        "web/cases/detail.html",
        _case_context(request, case, next_step=take(request, case), **_take_refusal(request, case)),
    )


def _row_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("row_version", ""))
    except ValueError:
        return None


@require_POST
@staff_view
def case_waybill(request: HttpRequest, number: str) -> HttpResponse:
    """邮寄下单 on the case page: the carrier makes the waybill; the clerk then delivers by mail."""
    from yichuang.delivery.services import waybill_create

    user = staff(request)
    case = get_case(user, number)
    try:
        if not services.case_may(user, case, "deliver"):
            raise exceptions.PermissionDenied(_("您无权为此办件邮寄下单。"))
        made = waybill_create(case=case, actor=user, address=request.POST.get("address", "")[:200])
    except exceptions.APIException as exc:
        return _refused(request, case.number, problem_from(exc))
    messages.success(request, _("已邮寄下单，运单号 %(number)s。") % {"number": made.number})
    return redirect("web:case", number=case.number)


@require_POST
@with_upload_limit
@staff_view
def case_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One action of the transitions table, as a button on the case page. A conflict (someone else was
    quicker, or the state no longer allows it) answers 409 with the reason in words."""
    if action not in CASE_ACTIONS or CASE_ACTIONS[action].internal:
        # 撤销 is recorded with the post-check that found the breach (web:postchecks), not here.
        raise Http404(_("没有这个操作。"))
    user = staff(request)
    # The action's locked read is its only read of the case (in the clerk's scope, else 404); a
    # supplement reads first, for the materials its files go to.
    case: Case | services.CaseInScope = (
        get_case(user, number, details=False)
        if action == "supplement"
        else services.CaseInScope(number=key_or_404(number)[:24], user=user)
    )
    form = _bound_form(request, action)
    try:
        if not form.is_valid():
            raise exceptions.ValidationError(
                {name: [str(e) for e in errors] for name, errors in form.errors.items()}
            )
        _perform(request, case, action, form.cleaned_data)
    except (exceptions.APIException, DjangoValidationError) as exc:
        problem = problem_from(exc)
        if problem.status == 404:
            raise Http404(problem.message) from exc
        # The service's word on a field goes beside that field, not only in the banner at the top.
        for name, texts in problem.fields.items():
            if name in form.fields and name not in form.errors:
                for text in texts:
                    form.add_error(name, text)
        return _refused(request, case.number, problem, action=action, form=form)
    messages.success(
        request,
        _("已%(action)s：办件 %(number)s。") % {"action": action_label(action), "number": case.number},
    )
    if action == "accept":
        remember(request, case.number)
    if action == "notify":
        return redirect("web:case-print", number=case.number, paper="notice")
    if action == "refuse":
        return redirect("web:case-print", number=case.number, paper="refusal")
    return redirect("web:case", number=case.number)


def _bound_form(request: HttpRequest, action: str) -> forms.Form:
    return action_form_class(action)(request.POST, prefix=action)


def _perform(
    request: HttpRequest, case: Case | services.CaseInScope, action: str, data: dict[str, Any]
) -> None:
    user = staff(request)
    spec = CASE_ACTIONS[action]
    arguments: dict[str, Any] = {
        "case": case,
        "actor": user,
        "note": data.get("note", ""),
        "row_version": _row_version(request),
    }
    for name in spec.input_names:
        if name == "missing":
            arguments[name] = clean_list(request.POST.getlist("missing"))
        elif name == "materials":
            assert isinstance(case, Case)  # read first (case_act)
            materials = collect_files(request, user, [m.requirement for m in case.materials.all()])
            if not materials:
                raise exceptions.ValidationError({"materials": [_("请先上传补正材料。")]})
            arguments[name] = materials
        elif name in data:
            arguments[name] = data[name]
    spec.perform(**arguments)


# ----------------------------------------------------------------------------------- printed papers

PAPERS = {
    # paper → the statuses in which it exists
    "receipt": None,
    "notice": None,
    "refusal": {CaseStatus.REFUSED},
    "decision": {CaseStatus.DENIED},
}


@staff_view
def case_print(request: HttpRequest, number: str, paper: str) -> HttpResponse:
    if paper not in PAPERS:
        raise Http404(_("没有这种文书。"))
    case = get_case(staff(request), number)
    events = list(case.events.all())
    allowed = PAPERS[paper]
    notice = _last_event(events, "notify")
    if (allowed is not None and case.status not in allowed) or (paper == "notice" and notice is None):
        raise Http404(_("该办件没有这份文书。"))
    if paper == "receipt" and case.accepted_at is None and case.status != CaseStatus.SUBMITTED:
        raise Http404(_("该办件没有这份文书。"))
    materials = list(case.materials.all())
    context = {
        "case": case,
        "materials": materials,
        "notice": notice,
        "notice_missing": (notice.data.get("missing") or []) if notice else [],
        "remedy": services.remedy_text(case),
        "paper": paper,
        "words": wording(case.item_version.snapshot.get("type")),
        "basis": notice_basis(case.item_version.snapshot),
        "reason": clean_reason(case.decision_reason),
    }
    return render(request, f"web/print/{paper}.html", context)


@staff_view
def application_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The one receipt of a 一件事 application: every case number, status and due date."""
    try:
        application = application_get_for(user=staff(request), number=key_or_404(number))
    except exceptions.NotFound as exc:
        raise Http404(_("没有找到这个申请。")) from exc
    cases = list(application.cases.all())
    return render(request, "web/print/application.html", {"application": application, "cases": cases})
