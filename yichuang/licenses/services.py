"""Writes to the licence register: issuing a case's result, revoking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.catalog.models import LicenseType
from yichuang.common.identity import uscc_issue, uscc_valid
from yichuang.licenses.layouts import LayoutSpec, certificate_rows, chinese_day, layout_for, needs
from yichuang.licenses.models import CertificateField, CertificateLayout, License, LicenseStatus

if TYPE_CHECKING:
    from yichuang.cases.models import Case
    from yichuang.org.models import Staff


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def license_issue_for_case(
    *, case: Case, license_type: LicenseType, facts: Mapping[str, str] | None = None
) -> License:
    """The certificate an approved case results in (免证办: it stands in for paper later).

    Valid from the decision day; for a type with a validity in years, until the day before the same
    date that many years on; otherwise long-term. The number is the type code and the case number, so
    it is unique and leads back to the case. ``facts`` are what the case says, composed by the cases
    app (``cases.documents.certificate_facts``); the type's layout turns them and the licence's own
    facts into the printed fields, kept on the licence (``layouts``). Runs inside the approving
    transaction.
    """
    issued = case.decided_at or timezone.now()
    start = timezone.localdate(issued)
    until = None
    if license_type.validity_years:
        until = _years_later(start, license_type.validity_years) - dt.timedelta(days=1)
    license = License(
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
    layout = layout_for(license_type.pk)
    if layout.issuer:
        license.issuer = layout.issuer
    license.fields = certificate_rows(
        layout,
        {**(facts or {}), **_licence_facts(license, layout, case_number=case.number)},
        holder_kind=case.applicant_kind,
    )
    license.save(force_insert=True)
    return license


def _licence_facts(license: License, layout: LayoutSpec, *, case_number: str) -> dict[str, str]:
    until = chinese_day(license.valid_until) if license.valid_until else str(_("长期"))
    facts = {
        "licence.number": license.number,
        "licence.issuer": license.issuer,
        "licence.issued_on": chinese_day(timezone.localdate(license.issued_at)),
        "licence.valid_from": chinese_day(license.valid_from),
        "licence.valid_until": until,
        "licence.validity": (
            f"{chinese_day(license.valid_from)}至{until}" if license.valid_until else str(_("长期"))
        ),
    }
    uscc = needs(layout, "licence.uscc")
    if uscc is not None:
        facts["licence.uscc"] = _uscc(license, uscc.key, case_number=case_number)
    return facts


def _uscc(license: License, key: str, *, case_number: str) -> str:
    """The holder's 统一社会信用代码: an organisation's own; for a person registering (个体工商户) a new
    one, assigned by the registration authority of the case's county (``key``: its department and
    category codes, 92 by default), from the case's date and sequence so that it is the same each
    time the case is read and differs from every other case of the county."""
    if license.holder_kind != "person" and uscc_valid(license.holder_id_number):
        return str(license.holder_id_number).upper()
    key = (key or "92").strip().upper()
    region, day, sequence = case_number[:6], case_number[6:14], case_number[14:]
    try:
        days = (dt.date(int(day[:4]), int(day[4:6]), int(day[6:8])) - dt.date(2000, 1, 1)).days
        serial = days * 1_000_000 + int(sequence) % 1_000_000
    except ValueError:  # a number of another shape: a stable serial from its digits
        serial = int("".join(c for c in case_number if c.isdigit()) or "0")
    if not region.isdigit() or len(region) != 6:
        region = "000000"
    return uscc_issue(authority=key[0], category=key[1:2] or "2", region_code=region, serial=serial % 31**8)


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


_FIELD_COLUMNS = ("order", "label", "source", "key", "text", "holder", "wide")


@transaction.atomic
def layout_store(*, license_type: LicenseType, spec: LayoutSpec) -> bool:
    """Make the layout of ``license_type`` what ``spec`` says (the demo loader, an import); nothing is
    written when it already is. True when something changed."""
    look = {
        "title": spec.title,
        "subtitle": spec.subtitle,
        "paper": spec.paper,
        "orientation": spec.orientation,
        "columns": spec.columns,
        "border": spec.border,
        "issuer": spec.issuer,
        "notes": "\n".join(spec.notes),
    }
    layout = CertificateLayout.objects.filter(license_type=license_type).first()
    changed = layout is None or any(getattr(layout, key) != value for key, value in look.items())
    if layout is None:
        layout = CertificateLayout(license_type=license_type)
    if changed:
        for key, value in look.items():
            setattr(layout, key, value)
        layout.full_clean()  # a colour or paper typed wrong in a workbook is refused, not stored
        layout.save()
    wanted = [
        (order, f.label, f.source, f.key, f.text, f.holder, f.wide)
        for order, f in enumerate(spec.fields, start=1)
    ]
    have = list(layout.fields.order_by("order", "id").values_list(*_FIELD_COLUMNS))
    if have != wanted:
        layout.fields.all().delete()
        for row in wanted:
            field = CertificateField(layout=layout, **dict(zip(_FIELD_COLUMNS, row, strict=True)))
            field.full_clean()
            field.save()
        changed = True
    return changed
