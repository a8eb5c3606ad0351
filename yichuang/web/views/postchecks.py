"""告知承诺事后核查 for the handling unit's reviewers: the checks due, soonest first, and the form that
records an outcome (kept, or broken — which revokes the decision; ``cases.services.postcheck``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework import exceptions

from yichuang.cases.models import PostCheckStatus
from yichuang.cases.postcheck_api import postcheck_get_for, postchecks_for
from yichuang.cases.services.postcheck import may_check, postcheck_record
from yichuang.common.identity import mask_name
from yichuang.web.views.common import problem_from, staff, staff_view

SHOWN = 100


@staff_view
def postcheck_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _page(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    wanted = request.GET.get("status", PostCheckStatus.PENDING)
    if wanted not in PostCheckStatus.values:
        wanted = PostCheckStatus.PENDING
    rows = list(postchecks_for(user).filter(status=wanted).order_by("due_date", "case_id")[:SHOWN])
    today = timezone.localdate()
    checks = [
        {
            "check": row,
            "overdue": row.status == PostCheckStatus.PENDING and row.due_date < today,
            "applicant": mask_name(row.case.applicant_name),
            "papers": "、".join(str(entry["name"]) for entry in row.committed),
            "may_record": row.status == PostCheckStatus.PENDING and may_check(user, row.case),
        }
        for row in rows
    ]
    context = {
        "checks": checks,
        "status": wanted,
        "statuses": PostCheckStatus.choices,
    }
    return render(request, "web/postchecks/list.html", context)


@require_POST
@staff_view
def postcheck_outcome(request: HttpRequest, number: str) -> HttpResponse:
    user = staff(request)
    try:
        check = postcheck_get_for(user=user, number=number)
    except exceptions.NotFound as exc:
        raise Http404(_("没有这个核查。")) from exc
    outcome = request.POST.get("outcome", "")
    try:
        if outcome not in ("kept", "broken"):
            raise exceptions.ValidationError({"outcome": [_("请选择核查结果：守诺或违诺。")]})
        postcheck_record(
            check=check, actor=user, kept=outcome == "kept", note=request.POST.get("note", "")[:2000]
        )
    except (exceptions.APIException, DjangoValidationError) as exc:
        # POST/redirect/GET: the reason as a message, so a reload never records the outcome again
        messages.error(request, problem_from(exc).message)
        return redirect(reverse("web:postchecks") + f"#check-{check.case.number}")
    if outcome == "kept":
        messages.success(request, _("已记录：办件 %(number)s 承诺属实。") % {"number": check.case.number})
    else:
        messages.success(
            request,
            _("已记录违诺：办件 %(number)s 的决定已撤销，已出具撤销决定书并短信告知申请人。")
            % {"number": check.case.number},
        )
    return redirect("web:postchecks")
