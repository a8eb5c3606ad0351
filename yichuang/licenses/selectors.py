"""Reads of the licence register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from yichuang.licenses.models import License, LicenseStatus

#: Other registers asked for the types this one does not hold (免证办 across the province): each is
#: ``source(holder_id_number, type_codes, on) -> {type code: License}``, registered by the app that
#: talks to it (``integrations`` for the provincial licence library), so this app imports none of them.
Source = Callable[[str, set[str], dt.date], dict[str, License]]
_SOURCES: list[Source] = []


def license_source_register(source: Source) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def licenses_in_force(
    *, holder_id_number: str, type_codes: Iterable[str], on: dt.date | None = None
) -> dict[str, License]:
    """The holder's licence in force for each wanted type (the latest issued when there are several)."""
    codes = set(type_codes)
    if not codes or not holder_id_number:
        return {}
    on = on or timezone.localdate()
    found: dict[str, License] = {}
    rows = (
        License.objects.filter(
            holder_id_number=holder_id_number,
            license_type__code__in=codes,
            status=LicenseStatus.VALID,
            valid_from__lte=on,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("license_type")
        .order_by("-issued_at", "-id")
    )
    for row in rows:
        found.setdefault(row.license_type.code, row)
    for source in _SOURCES:
        missing = codes - found.keys()
        if not missing:
            break
        found.update(source(holder_id_number, missing, on))
    return found


def licenses_of_holder(*, holder_id_number: str) -> QuerySet[License]:
    return (
        License.objects.filter(holder_id_number=holder_id_number)
        .select_related("license_type", "source_case")
        .order_by("-issued_at", "-id")
    )
