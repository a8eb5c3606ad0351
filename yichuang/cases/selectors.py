"""Reads of cases that check scope as they fetch (style.md habit 2)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from rest_framework.exceptions import NotFound

from yichuang.cases.models import BundleApplication, Case, CaseEvent, CaseMaterial, CaseStatus
from yichuang.cases.workflow import actions_from
from yichuang.catalog.models import ServiceItem
from yichuang.common.compiled import CompiledRead
from yichuang.files.models import StoredFile
from yichuang.org.models import Role, ServicePoint, Staff
from yichuang.org.selectors import limit_to_scope, region_subtree, scope_of

OPEN_STATUSES = [
    CaseStatus.SUBMITTED,
    CaseStatus.NEEDS_SUPPLEMENT,
    CaseStatus.ACCEPTED,
    CaseStatus.IN_REVIEW,
    CaseStatus.SUSPENDED,
]
#: Open cases whose clock runs (a suspended case is not late): the statuses of the partial index
#: ``case_running_created`` (migration 0004), spelled the same so that PostgreSQL uses it.
RUNNING_STATUSES = [s for s in OPEN_STATUSES if s != CaseStatus.SUSPENDED]
#: The columns a page of the list shows (``api.case_list_row`` builds a row from them).
LIST_COLUMNS = (
    "number",
    "item__code",
    "item__name",
    "status",
    "kind",
    "channel",
    "point__code",
    "handling_department__code",
    "applicant_name",
    "accepted_at",
    "due_date",
    "statutory_due_date",
    "supplement_due_date",
    "created_at",
    "applicant_breach_until",
)


def cases_for(user: Any, *, regions_by_id: bool = False) -> QuerySet[Case]:
    """Cases a user may see: an admin all; a reviewer those his department handles (and those of his
    region scope); everyone else those accepted inside his scope (an agent: his village).

    ``regions_by_id`` applies a region scope with the ids of the subtree's regions (one small query
    first) instead of a ``LIKE`` over the joined region table — the same rule, but PostgreSQL then
    knows how many cases each region holds: lists over many cases need that for a good plan and a
    good count estimate."""
    qs = Case.objects.all()
    scope = scope_of(user)
    if scope.everything:
        return qs
    if isinstance(user, Staff) and user.role == Role.REVIEWER and user.department_id:
        return qs.filter(handling_department_id=user.department_id)
    if regions_by_id and scope.region is not None:
        return qs.filter(region_id__in=list(region_subtree(scope.region).values_list("pk", flat=True)))
    return limit_to_scope(qs, user, region_field="region", point_field="point")


DETAIL_RELATIONS = (
    "item",
    "point",
    "region",
    "handling_department",
    "item_version",
    "applicant_region",
    "application",
    "form",  # the application form, if any (an outer join to a narrow table of its own)
    # outer joins to rows other apps keep beside some cases (the online applicant's wish, the
    # waybill): read with the case rather than by a query each
    "citizen_link",
    "waybill",
)


def _detail_prefetches() -> list[Prefetch[Any]]:
    # Of the files only their ids are shown: no need to read the rest of each row.
    files = Prefetch("files", queryset=StoredFile.objects.only("id"))
    return [
        Prefetch(
            "materials",
            queryset=CaseMaterial.objects.select_related("license__license_type")
            .prefetch_related(files)
            .order_by("id"),
        ),
        Prefetch("events", queryset=CaseEvent.objects.order_by("at", "id")),
    ]


def with_details(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related(*DETAIL_RELATIONS, "issued_license__license_type").prefetch_related(
        *_detail_prefetches()
    )


def _materials_query(case_id: int) -> QuerySet[Any, Any]:
    return (
        CaseMaterial.objects.filter(case_id=case_id)
        .order_by("id", "-files__created_at")
        .values_list(
            "id",
            "requirement",
            "name",
            "required",
            "state",
            "files",
            "license__number",
            "license__license_type__code",
            "license__license_type__name",
            "license__issuer",
            "license__valid_until",
        )
    )


#: Read after every action (the answer) and on every detail: compiled once (decision 148).
_MATERIALS = CompiledRead(CaseMaterial, _materials_query)


def case_materials(case: Case) -> list[dict[str, Any]]:
    """The case's materials as the API shows them, with the ids of their files (newest first) and the
    licence that stands for one (免证办), in one query."""
    materials: dict[int, dict[str, Any]] = {}
    for pk, requirement, name, required, state, file_id, *license in _MATERIALS.rows(case.pk):
        entry = materials.get(pk)
        if entry is None:
            entry = materials[pk] = {
                "requirement": requirement,
                "name": name,
                "required": required,
                "state": state,
                "files": [],
                "license": None if license[0] is None else license_ref(*license),
            }
        if file_id is not None:
            entry["files"].append(str(file_id))
    return list(materials.values())


def license_ref(number: Any, type_code: Any, type_name: Any, issuer: Any, valid_until: Any) -> dict[str, Any]:
    """What ``api.LicenseRefSerializer`` gives for a licence."""
    return {
        "number": number,
        "type": type_code,
        "type_name": type_name,
        "issuer": issuer,
        "valid_until": valid_until.isoformat() if valid_until is not None else None,
    }


def _timeline_query(case_id: int) -> QuerySet[Any, Any]:
    return (
        CaseEvent.objects.filter(case_id=case_id)
        .order_by("at", "id")
        .values("at", "action", "actor_name", "to_status", "note")
    )


_TIMELINE = CompiledRead(CaseEvent, _timeline_query)


def case_timeline(case: Case) -> list[dict[str, Any]]:
    """The case's events, oldest first, with the fields the API shows."""
    return _TIMELINE.dicts(case.pk)


def case_list(*, user: Any, filters: dict[str, Any]) -> QuerySet[Case]:
    """Cases the user may see, newest first, filtered. Each filter and scope has an index that
    yields the rows in this order (migration 0004). A page reads ``.values(*LIST_COLUMNS)`` (50
    rows: building 200 model instances for them cost more than the query); its count reads this
    queryset as it is (no joins)."""
    qs = cases_for(user, regions_by_id=True)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("channel"):
        qs = qs.filter(channel=filters["channel"])
    # The point and the item are looked up first (a small query each) and filtered by id, not
    # through a join: as for the regions, the planner's count estimate depends on it.
    if filters.get("point"):
        qs = qs.filter(
            point_id__in=list(ServicePoint.objects.filter(code=filters["point"]).values_list("pk", flat=True))
        )
    if filters.get("item"):
        qs = qs.filter(
            item_id__in=list(ServiceItem.objects.filter(code=filters["item"]).values_list("pk", flat=True))
        )
    if filters.get("bring_home"):
        # 送证上门: results of agents' cases, approved and not yet handed over.
        qs = qs.filter(status=CaseStatus.APPROVED, agent__isnull=False)
    if filters.get("overdue"):
        qs = qs.filter(status__in=RUNNING_STATUSES, due_date__lt=timezone.localdate())
    if filters.get("prereview_overdue"):
        from yichuang.cases.prereview import prereview_overdue

        qs = prereview_overdue(qs)
    return qs.order_by("-created_at", "-id")


def open_case_for_applicant(*, item: ServiceItem, id_number: str) -> Case | None:
    """The applicant's open case of ``item``, if any (one open case per applicant and item). ID numbers
    are sealed at rest, so the look-up goes through the open-case claims, kept under a keyed index of
    the number (``services.eligibility.applicant_key``) while the case is open."""
    from yichuang.cases.models import OpenCaseClaim
    from yichuang.cases.services.eligibility import applicant_key

    claim = (
        OpenCaseClaim.objects.filter(item=item, applicant_key=applicant_key(id_number))
        .select_related("case")
        .only("case__id", "case__number")
        .first()
    )
    return claim.case if claim is not None else None


def case_get_for(*, user: Any, number: str, details: bool = True) -> Case:
    """The case ``number`` if ``user`` may see it, else ``NotFound``; with ``details`` its related
    rows (``DETAIL_RELATIONS``) come along — the materials and the timeline are read by
    ``case_materials`` and ``case_timeline``. ``details=False`` reads the row alone: an action
    locks and re-reads it anyway."""
    qs = cases_for(user).filter(number=number)
    case = (qs.select_related(*DETAIL_RELATIONS, "issued_license__license_type") if details else qs).first()
    if case is None:
        raise NotFound()
    return case


def allowed_actions(*, user: Any, case: Case) -> list[str]:
    from yichuang.cases.services import case_may

    return [action for action in actions_from(case.status) if case_may(user, case, action)]


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


def application_track(*, number: str, phone: str) -> BundleApplication:
    """A 一件事 application for the applicant who knows its YJS number and the phone given when
    applying (answers like an unknown number otherwise), with its cases and their timelines."""
    import hmac

    from yichuang.common.identity import mobile_valid, validate_mobile

    application = (
        BundleApplication.objects.filter(number=number[:30].upper())
        .select_related("bundle", "point")
        .prefetch_related(
            Prefetch(
                "cases",
                queryset=Case.objects.select_related("item", "point")
                .prefetch_related(Prefetch("events", queryset=CaseEvent.objects.order_by("at", "id")))
                .order_by("id"),
            )
        )
        .first()
    )
    normalised = validate_mobile(phone) if mobile_valid(phone) else phone.strip()
    if application is None or not hmac.compare_digest(
        application.applicant_phone.encode(), normalised.encode()
    ):
        raise NotFound()
    return application


def applications_for(user: Any) -> QuerySet[BundleApplication]:
    """一件事 applications the user may see: those with a case he may see."""
    return BundleApplication.objects.filter(
        pk__in=cases_for(user).filter(application__isnull=False).values("application")
    )


def application_get_for(*, user: Any, number: str) -> BundleApplication:
    application = (
        applications_for(user)
        .filter(number=number[:30])
        .select_related("bundle", "point")
        .prefetch_related(
            Prefetch(
                "cases",
                queryset=Case.objects.select_related("item", "point", "handling_department")
                .prefetch_related(Prefetch("materials", queryset=CaseMaterial.objects.order_by("id")))
                .order_by("id"),
            )
        )
        .first()
    )
    if application is None:
        raise NotFound()
    return application
