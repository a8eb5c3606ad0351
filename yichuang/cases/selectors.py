"""Reads of cases that check scope as they fetch (style.md habit 2)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from rest_framework.exceptions import NotFound

from yichuang.cases.models import Case, CaseEvent, CaseMaterial, CaseStatus
from yichuang.cases.workflow import actions_from
from yichuang.files.models import StoredFile
from yichuang.org.models import Role, Staff
from yichuang.org.selectors import limit_to_scope, scope_of

OPEN_STATUSES = [
    CaseStatus.SUBMITTED,
    CaseStatus.NEEDS_SUPPLEMENT,
    CaseStatus.ACCEPTED,
    CaseStatus.IN_REVIEW,
    CaseStatus.SUSPENDED,
]


def cases_for(user: Any) -> QuerySet[Case]:
    """Cases a user may see: an admin all; a reviewer those his department handles (and those of his
    region scope); everyone else those accepted inside his scope (an agent: his village)."""
    qs = Case.objects.all()
    scope = scope_of(user)
    if scope.everything:
        return qs
    if isinstance(user, Staff) and user.role == Role.REVIEWER and user.department_id:
        return qs.filter(handling_department_id=user.department_id)
    return limit_to_scope(qs, user, region_field="region", point_field="point")


DETAIL_RELATIONS = ("item", "point", "region", "handling_department", "item_version")


def _detail_prefetches() -> list[Prefetch[Any]]:
    # Of the files only their ids are shown: no need to read the rest of each row.
    files = Prefetch("files", queryset=StoredFile.objects.only("id"))
    return [
        Prefetch("materials", queryset=CaseMaterial.objects.prefetch_related(files).order_by("id")),
        Prefetch("events", queryset=CaseEvent.objects.order_by("at", "id")),
    ]


def with_details(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related(*DETAIL_RELATIONS).prefetch_related(*_detail_prefetches())


def case_materials(case: Case) -> list[dict[str, Any]]:
    """The case's materials as the API shows them, with the ids of their files (newest first), in
    one query."""
    rows = (
        CaseMaterial.objects.filter(case=case)
        .order_by("id", "-files__created_at")
        .values_list("id", "requirement", "name", "required", "state", "files")
    )
    materials: dict[int, dict[str, Any]] = {}
    for pk, requirement, name, required, state, file_id in rows:
        entry = materials.get(pk)
        if entry is None:
            entry = materials[pk] = {
                "requirement": requirement,
                "name": name,
                "required": required,
                "state": state,
                "files": [],
            }
        if file_id is not None:
            entry["files"].append(str(file_id))
    return list(materials.values())


def case_timeline(case: Case) -> list[dict[str, Any]]:
    """The case's events, oldest first, with the fields the API shows."""
    return list(
        CaseEvent.objects.filter(case=case)
        .order_by("at", "id")
        .values("at", "action", "actor_name", "to_status", "note")
    )


def case_list(*, user: Any, filters: dict[str, Any]) -> QuerySet[Case]:
    qs = cases_for(user).select_related("item", "point", "handling_department")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("point"):
        qs = qs.filter(point__code=filters["point"])
    if filters.get("item"):
        qs = qs.filter(item__code=filters["item"])
    if filters.get("overdue"):
        qs = qs.filter(status__in=OPEN_STATUSES).exclude(status=CaseStatus.SUSPENDED)
        qs = qs.filter(Q(due_date__lt=timezone.localdate()))
    return qs.order_by("-created_at", "-id")


def case_get_for(*, user: Any, number: str, details: bool = True) -> Case:
    """The case ``number`` if ``user`` may see it, else ``NotFound``; with ``details`` its related
    rows (``DETAIL_RELATIONS``) come along — the materials and the timeline are read by
    ``case_materials`` and ``case_timeline``. ``details=False`` reads the row alone: an action
    locks and re-reads it anyway."""
    qs = cases_for(user).filter(number=number)
    case = (qs.select_related(*DETAIL_RELATIONS) if details else qs).first()
    if case is None:
        raise NotFound()
    return case


def allowed_actions(*, user: Any, case: Case) -> list[str]:
    from yichuang.cases.services import _may

    return [action for action in actions_from(case.status) if _may(user, case, action)]


def case_track(*, number: str, phone: str) -> Case:
    """The case for a citizen who knows its number and the phone given when applying; a wrong phone
    answers exactly like an unknown number, so numbers cannot be probed."""
    import hmac

    from yichuang.common.identity import mobile_valid, validate_mobile

    case = with_details(Case.objects.filter(number=number[:24])).first()
    normalised = validate_mobile(phone) if mobile_valid(phone) else phone.strip()
    if case is None or not hmac.compare_digest(case.applicant_phone.encode(), normalised.encode()):
        raise NotFound()
    return case
