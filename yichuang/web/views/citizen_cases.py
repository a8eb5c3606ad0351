"""我的办件: a citizen's own cases and drafts, each case with its step indicator (申请 → 受理 → 审查 →
决定 → 送达), what happens next and where to collect, what is missing after a one-time notice with the
supplement online, the sealed documents, and 好差评. Another citizen's case answers 404."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from rest_framework import exceptions

from yichuang.cases.models import BundleApplication, Case, CaseStatus
from yichuang.cases.services import MaterialInput
from yichuang.citizens import drafts, services
from yichuang.citizens.selectors import case_missing, citizen_case_get, citizen_cases
from yichuang.documents.models import Document, DocumentStatus
from yichuang.web.citizen_session import citizen, citizen_view
from yichuang.web.forms import RatingForm
from yichuang.web.rating import already_rated, may_rate
from yichuang.web.views.citizen_apply import PHONE_ACCEPT
from yichuang.web.views.common import key_or_404, problem_from
from yichuang.web.views.uploads import with_upload_limit

PAGE_SIZE = 20

#: The five steps a citizen follows, and where each status stands on them.
PROGRESS = [
    gettext_lazy("申请"),
    gettext_lazy("受理"),
    gettext_lazy("审查"),
    gettext_lazy("决定"),
    gettext_lazy("送达"),
]
PROGRESS_AT = {
    CaseStatus.SUBMITTED: 0,
    CaseStatus.NEEDS_SUPPLEMENT: 0,
    CaseStatus.REFUSED: 1,
    CaseStatus.WITHDRAWN: 0,
    CaseStatus.ACCEPTED: 1,
    CaseStatus.IN_REVIEW: 2,
    CaseStatus.SUSPENDED: 2,
    CaseStatus.APPROVED: 3,
    CaseStatus.DENIED: 3,
    CaseStatus.DELIVERED: 4,
    # 撤销: the decision stood, then was revoked (告知承诺违诺): stopped at the decision.
    CaseStatus.REVOKED: 3,
}
#: Statuses that end the case before its last step.
STOPPED = {CaseStatus.REFUSED, CaseStatus.WITHDRAWN, CaseStatus.DENIED, CaseStatus.REVOKED}


def progress(case: Case) -> list[dict[str, Any]]:
    at = PROGRESS_AT.get(CaseStatus(case.status), 0)
    finished = case.status == CaseStatus.DELIVERED
    return [
        {
            "label": label,
            "done": i < at or (finished and i == at),
            "current": i == at and not finished,
            "stopped": i == at and case.status in STOPPED,
        }
        for i, label in enumerate(PROGRESS)
    ]


def next_step(case: Case) -> str:
    """One sentence: what happens next, and what the citizen has to do."""
    link = getattr(case, "citizen_link", None)
    address = link.delivery_address if link is not None and link.delivery_method == "mail" else ""
    due = case.due_date.isoformat() if case.due_date else ""
    status = case.status
    if status == CaseStatus.SUBMITTED:
        return _("窗口工作人员将预审您的申请：材料齐全即受理，缺少材料会一次性告知。结果将短信通知您。")
    if status == CaseStatus.NEEDS_SUPPLEMENT:
        return _("请按下面的一次性告知补正材料，补正后窗口继续预审。")
    if status in (CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW):
        if due:
            return _("已受理，正在审查，承诺于 %(date)s 前办结。") % {"date": due}
        return _("已受理，正在审查。")
    if status == CaseStatus.SUSPENDED:
        return _("办理暂停（如现场勘验、检测），恢复后继续办理，暂停期间不计时。")
    if status in (CaseStatus.APPROVED, CaseStatus.DENIED):
        if address:
            return _("已作出决定，结果将免费邮寄到：%(address)s。") % {"address": address}
        return _("已作出决定，请携带本人身份证到 %(point)s 领取结果。") % {"point": case.point.name}
    if status == CaseStatus.DELIVERED:
        return _("已送达，办结。欢迎对这次办事作出评价。")
    if status == CaseStatus.REFUSED:
        return _("不予受理。如有疑问，请拨打 12345 或到窗口咨询。")
    return _("申请已撤回。")


@citizen_view
def my_cases(request: HttpRequest) -> HttpResponse:
    person = citizen(request)
    page = Paginator(citizen_cases(person), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/citizen/cases.html",
        {
            "page": page,
            "rows": [{"case": c, "progress": progress(c)} for c in page.object_list],
            "drafts": list(drafts.drafts_of(person)),
            # his 一件事, each followed as one by its YJS number
            "applications": list(
                BundleApplication.objects.filter(cases__citizen_link__citizen=person)
                .select_related("bundle")
                .distinct()
                .order_by("-id")[:20]
            ),
            "verified": person.verified,
        },
    )


def _case_or_404(request: HttpRequest, number: str) -> Case:
    try:
        return citizen_case_get(citizen=citizen(request), number=key_or_404(number))
    except exceptions.NotFound as exc:
        raise Http404(_("没有找到这个办件。")) from exc


def _detail(request: HttpRequest, case: Case, status: int = 200, **extra: Any) -> HttpResponse:
    documents = list(Document.objects.filter(case=case).select_related("seal").order_by("issued_at", "id"))
    context = {
        "case": case,
        # the timeline without staff names, as the API and the public tracking show it
        "timeline": [{"at": e.at, "action": e.action, "status": e.to_status} for e in case.citizen_timeline],
        "progress": progress(case),
        "next_step": next_step(case),
        "missing": case_missing(case) if case.status == CaseStatus.NEEDS_SUPPLEMENT else [],
        "documents": [{"document": d, "ready": d.status != DocumentStatus.PENDING} for d in documents],
        "may_rate": may_rate(case),
        "rated": already_rated(case),
        "rating_form": extra.pop("rating_form", None) or RatingForm(),
        "accept": PHONE_ACCEPT,
        "link": getattr(case, "citizen_link", None),
        **extra,
    }
    return render(request, "web/citizen/case.html", context, status=status)


@citizen_view
def my_case(request: HttpRequest, number: str) -> HttpResponse:
    return _detail(request, _case_or_404(request, number))


@require_POST
@with_upload_limit
@citizen_view
def my_case_supplement(request: HttpRequest, number: str) -> HttpResponse:
    """补正 online: a file for every material the one-time notice listed, all stored or none."""
    person = citizen(request)
    case = _case_or_404(request, number)
    wanted = case_missing(case)
    try:
        with transaction.atomic():
            from yichuang.cases.services import case_check_action

            case_check_action(case=case, action="supplement")
            given: list[MaterialInput] = []
            empty: dict[str, list[str]] = {}
            for code, name in wanted:
                uploads = request.FILES.getlist(f"upload_{code}")
                if not uploads:
                    empty[f"upload_{code}"] = [_("请上传“%(name)s”。") % {"name": name}]
                    continue
                files = [services.file_store_for(citizen=person, upload=u) for u in uploads]
                given.append(MaterialInput(requirement=code, files=files))
            if empty:
                raise exceptions.ValidationError(empty)
            services.citizen_supplement(citizen=person, case=case, materials=given)
    except exceptions.APIException as exc:
        problem = problem_from(exc)
        return _detail(request, case, status=problem.status, problem=problem)
    messages.success(request, _("补正材料已提交，窗口将继续预审。"))
    return HttpResponseRedirect(reverse("web:my-case", kwargs={"number": case.number}))


@require_POST
@citizen_view
def my_case_rate(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, status=400, rating_form=form)
    try:
        services.citizen_rate(
            case=case, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
        )
    except exceptions.APIException as exc:
        problem = problem_from(exc)
        return _detail(request, case, status=problem.status, problem=problem, rating_form=form)
    messages.success(request, _("感谢您的评价！"))
    return HttpResponseRedirect(reverse("web:my-case", kwargs={"number": case.number}) + "#rating")


@citizen_view
def my_document(request: HttpRequest, id: str) -> HttpResponse:
    """A sealed PDF of his own case; a document still being signed answers the 正在生成 page (409)."""
    from yichuang.documents.api import pdf_response

    try:
        pk = uuid.UUID(id)
    except ValueError as exc:
        raise Http404(_("未找到该文书。")) from exc
    document = (
        Document.objects.select_related("seal", "case")
        .filter(pk=pk, case__citizen_link__citizen=citizen(request))
        .first()
    )
    if document is None:
        raise Http404(_("未找到该文书。"))
    try:
        return pdf_response(request, document)  # type: ignore[arg-type]
    except exceptions.APIException as exc:
        problem = problem_from(exc)
        return render(
            request, "web/citizen/document_problem.html", {"problem": problem}, status=problem.status
        )
