"""The demo county's seals (seeds 000 and 003), loaded by ``yichuang loaddemo`` — each county its own
(``loaddemo --counties 2``): a county's documents sign with the seals of its own departments and points.

- each town's 行政审批专用章, held by its approval service center, in the town government's name;
- a numbered 行政审批业务专用章 per town, issued by the county approval bureau, in its name, for the
  items the county entrusted to the town;
- a 出件专用章 for the county hall and every town center;
- a seal for every county department (front-desk-only items and items that stay at county level).

Idempotent: seals are found by code; an existing seal keeps its key pair (documents it signed must
keep verifying), only its texts follow the data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from yichuang.documents.models import Seal, SealKind
from yichuang.documents.services import seal_create
from yichuang.org.models import Department, DepartmentKind, PointKind, ServicePoint

COUNTY_PREFIX = "411502"
CITY_NAME = "信阳市"
COUNTY_NAME = "浉河区"
#: 浉河区's delegation instruments took effect on 10 July 2021 (demo rules.VALID_FROM).
ISSUED = dt.datetime(2021, 7, 10, 8, 0, tzinfo=dt.UTC)


def _government(town_name: str) -> str:
    return f"{town_name}办事处" if town_name.endswith("街道") else f"{town_name}人民政府"


def _full_in(name: str, county_name: str = COUNTY_NAME) -> str:
    """The name as it runs round the seal: with city and county, as official seals have it."""
    if name.startswith(county_name):
        return f"{CITY_NAME}{name}"
    if name.startswith(CITY_NAME) or name.startswith("国家"):
        return name
    return f"{CITY_NAME}{county_name}{name}"


def demo_seal_rows(
    *, county_prefix: str = COUNTY_PREFIX, county_name: str = COUNTY_NAME
) -> list[dict[str, Any]]:
    """The seals of one demo county (by its 6-digit prefix and name)."""

    def _full(name: str) -> str:
        return _full_in(name, county_name)

    departments = list(
        Department.objects.filter(code__startswith=county_prefix).select_related("region").order_by("code")
    )
    bureau = next((d for d in departments if d.code == f"{county_prefix}-SPJ"), None)
    rows: list[dict[str, Any]] = []
    centers = [d for d in departments if d.kind == DepartmentKind.TOWN_APPROVAL_CENTER]
    for number, center in enumerate(centers, start=1):
        town = center.region.name
        rows.append(
            {
                "code": f"{center.code}-SPZ",
                "kind": SealKind.APPROVAL,
                "name": f"{_government(town)}行政审批专用章",
                "holder_name": _full(_government(town)),
                "caption": "行政审批专用章",
                "number": "",
                "department": center,
                "issuer": None,
                "point": None,
            }
        )
        if bureau is not None:
            rows.append(
                {
                    "code": f"{center.code}-YWZ",
                    "kind": SealKind.DELEGATED,
                    "name": f"{bureau.name}行政审批业务专用章（{town}）",
                    "holder_name": _full(bureau.name),
                    "caption": "行政审批业务专用章",
                    "number": f"{number:03d}",
                    "department": center,
                    "issuer": bureau,
                    "point": None,
                }
            )
    for department in departments:
        if department.kind in (DepartmentKind.COUNTY_BUREAU, DepartmentKind.APPROVAL_BUREAU):
            plain = department.name.split("（")[0]
            rows.append(
                {
                    "code": f"{department.code}-GZ",
                    "kind": SealKind.DEPARTMENT,
                    "name": plain,
                    "holder_name": _full(plain),
                    "caption": "",
                    "number": "",
                    "department": department,
                    "issuer": None,
                    "point": None,
                }
            )
    points = ServicePoint.objects.filter(
        code__startswith=county_prefix, kind__in=[PointKind.COUNTY_HALL, PointKind.TOWN_CENTER]
    ).order_by("code")
    for point in points:
        rows.append(
            {
                "code": f"{point.code}-CJZ",
                "kind": SealKind.OUTPUT,
                "name": f"{point.name}出件专用章",
                "holder_name": _full(point.name),
                "caption": "出件专用章",
                "number": "",
                "department": None,
                "issuer": None,
                "point": point,
            }
        )
    return rows


@transaction.atomic
def load_demo_seals(*, county_prefix: str = COUNTY_PREFIX, county_name: str = COUNTY_NAME) -> int:
    """Create the missing demo seals of a county and refresh the texts of the others; returns how many
    there are."""
    rows = demo_seal_rows(county_prefix=county_prefix, county_name=county_name)
    existing = {s.code: s for s in Seal.objects.filter(code__in=[r["code"] for r in rows])}
    for row in rows:
        seal = existing.get(row["code"])
        if seal is None:
            seal_create(**row, valid_from=ISSUED)
            continue
        changed = [
            key
            for key, value in row.items()
            if (
                getattr(seal, f"{key}_id") if key in ("department", "issuer", "point") else getattr(seal, key)
            )
            != (value.pk if key in ("department", "issuer", "point") and value is not None else value)
        ]
        if changed:
            for key in changed:
                setattr(seal, key, row[key])
            seal.save(update_fields=changed)
    return len(rows)


def demo_seal_count(county_prefix: str = COUNTY_PREFIX) -> int:
    return Seal.objects.filter(code__startswith=county_prefix, valid_from__lte=timezone.now()).count()
