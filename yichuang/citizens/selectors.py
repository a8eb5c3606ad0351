"""What a citizen may see: his own files, cases, documents and licences."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework.exceptions import NotFound

from yichuang.cases.models import Case
from yichuang.citizens.models import Citizen, CitizenFile


def citizen_files_rule(citizen: Any) -> Q:
    return Q(Exists(CitizenFile.objects.filter(file_id=OuterRef("pk"), citizen_id=citizen.pk)))


def citizen_cases(citizen: Citizen) -> QuerySet[Case]:
    return (
        Case.objects.filter(citizen_link__citizen=citizen)
        .select_related("item", "point", "citizen_link")
        .order_by("-created_at", "-id")
    )


def citizen_case_get(*, citizen: Citizen, number: str) -> Case:
    """His case ``number``; anyone else's answers exactly like an unknown number (404)."""
    case = citizen_cases(citizen).filter(number=number[:24]).first()
    if case is None:
        raise NotFound()
    return case


def case_missing(case: Case) -> list[tuple[str, str]]:
    """``[(material code, name)]`` the last one-time notice asked for (待补正), else the materials
    still missing: exactly what the citizen has to supplement."""
    from yichuang.cases.models import CaseEvent, MaterialState

    materials = list(case.materials.order_by("id").values_list("requirement", "name", "state"))
    names = {code: name for code, name, _state in materials}
    notice = CaseEvent.objects.filter(case=case, action="notify").order_by("-at", "-id").first()
    listed = notice.data.get("missing", []) if notice is not None else []
    found: list[tuple[str, str]] = []
    for entry in listed:
        if isinstance(entry, dict):
            code = str(entry.get("code") or entry.get("requirement") or "")
            found.append((code, str(entry.get("name") or names.get(code, code))))
        else:
            found.append((str(entry), names.get(str(entry), str(entry))))
    return found or [(code, name) for code, name, state in materials if state == MaterialState.MISSING]
