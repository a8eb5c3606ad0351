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
