"""Reads of the licence register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from yichuang.licenses.models import License, LicenseStatus


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
    return found


def licenses_of_holder(*, holder_id_number: str) -> QuerySet[License]:
    return (
        License.objects.filter(holder_id_number=holder_id_number)
        .select_related("license_type", "source_case")
        .order_by("-issued_at", "-id")
    )
