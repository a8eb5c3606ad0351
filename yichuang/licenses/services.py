"""Writes to the licence register: issuing a case's result, revoking."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.catalog.models import LicenseType
from yichuang.licenses.models import License, LicenseStatus

if TYPE_CHECKING:
    from yichuang.cases.models import Case
    from yichuang.org.models import Staff


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def license_issue_for_case(*, case: Case, license_type: LicenseType) -> License:
    """The certificate an approved case results in (免证办: it stands in for paper later).

    Valid from the decision day; for a type with a validity in years, until the day before the same
    date that many years on; otherwise long-term. The number is the type code and the case number, so
    it is unique and leads back to the case. Runs inside the approving transaction.
    """
    issued = case.decided_at or timezone.now()
    start = timezone.localdate(issued)
    until = None
    if license_type.validity_years:
        until = _years_later(start, license_type.validity_years) - dt.timedelta(days=1)
    return License.objects.create(
        number=f"{license_type.code}-{case.number}",
        license_type=license_type,
        holder_kind=case.applicant_kind,
        holder_name=case.applicant_name,
        holder_id_number=case.applicant_id_number,
        issuer=license_type.issuer or case.handling_department.name,
        issued_at=issued,
        valid_from=start,
        valid_until=until,
        source_case=case,
    )


@transaction.atomic
def license_revoke(*, license: License, actor: Staff, reason: str) -> License:
    """注销: a revoked licence no longer stands in for a material."""
    reason = (reason or "").strip()
    if not reason:
        raise exceptions.ValidationError({"reason": [_("注销证照须说明原因。")]})
    locked = License.objects.select_for_update().get(pk=license.pk)
    if locked.status == LicenseStatus.REVOKED:
        return locked
    locked.status = LicenseStatus.REVOKED
    locked.revoked_at = timezone.now()
    locked.revoke_reason = reason[:200]
    locked.save(update_fields=["status", "revoked_at", "revoke_reason"])
    return locked
