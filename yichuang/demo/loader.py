"""Load (or refresh) the demo county: 河南省信阳市浉河区, modeled on the seed documents — and, asked
for more (``loaddemo --counties 2``), further counties of the same city (``data.counties``).

``load_demo()`` is idempotent: every row is found by its natural key (division code, point code,
department code, item code, material code within its item, username …) and created or updated,
so running it twice leaves the same rows. It runs in one transaction, writes in bulk, and
publishes every item through ``item_publish`` so each gets its version 1 (and a later version only
when the demo data itself changed). It refuses to run in production.
"""

from __future__ import annotations

import datetime as dt
import time
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import models, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from yichuang.catalog.models import (
    Bundle,
    BundleItem,
    Delegation,
    DelegationMode,
    FormField,
    ItemStatus,
    ItemVersion,
    LicenseType,
    MaterialRequirement,
    PointItem,
    ServiceItem,
)
from yichuang.catalog.services import item_publish
from yichuang.demo.data import accounts as account_data
from yichuang.demo.data import certificates as certificate_data
from yichuang.demo.data import departments as department_data
from yichuang.demo.data import forms as form_data
from yichuang.demo.data import materials as material_data
from yichuang.demo.data import places, rules
from yichuang.demo.data.counties import COUNTIES, OVERSIGHT, SHIHE, County
from yichuang.demo.data.items_county import COUNTY_ITEMS
from yichuang.demo.data.items_delegated import DELEGATED_ITEMS
from yichuang.demo.data.items_town import TOWN_ITEMS
from yichuang.demo.data.spec import BANKS as AT_BANKS
from yichuang.demo.data.spec import HALL as AT_HALL
from yichuang.demo.data.spec import KIOSKS as AT_KIOSKS
from yichuang.demo.data.spec import TOWNS as AT_TOWNS
from yichuang.demo.data.spec import VILLAGES as AT_VILLAGES
from yichuang.demo.data.spec import Account, ItemSpec, Town
from yichuang.documents.demo import demo_seal_count, load_demo_seals
from yichuang.hotline.demo import hotline_demo_counts, load_hotline_demo
from yichuang.org.models import (
    Department,
    DepartmentKind,
    PointKind,
    Region,
    RegionLevel,
    Role,
    ServicePoint,
    Staff,
    Window,
)
from yichuang.queue.demo import describe as describe_queue
from yichuang.queue.demo import load_queue

M = TypeVar("M", bound=models.Model)

ALL_ITEMS: tuple[ItemSpec, ...] = TOWN_ITEMS + DELEGATED_ITEMS + COUNTY_ITEMS

IMMEDIATE_PROCESS = "申请人提交材料（可网上申请或由村代办员代办）→窗口受理并审核→当场办结、出件"
PROMISED_PROCESS = (
    "申请→窗口受理（材料齐全出具受理回执，不齐全一次性告知）→审查（必要时现场核查）→作出决定"
    "→统一出件（现场领取、免费邮寄或自助终端领取）"
)
FORM_NOTES = "窗口免费提供空白表格，也可在线下载；村代办员可协助填写"

HALL_SINCE = dt.date(2021, 1, 1)
BANK_SINCE = dt.date(2021, 10, 1)


class Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


def item_code(spec: ItemSpec, county: County = SHIHE) -> str:
    """Implementation code (实施编码): base code + the implementing county's division prefix. The base
    code (基本编码) is the same in every county; the implementation code is each county's own."""
    return f"{spec.base}-{county.prefix}"


def form_code(spec: ItemSpec) -> str:
    """An item's own application form is a material of its own: ``F`` + the item's base code."""
    return f"F{spec.base}"


def counties_for(count: int) -> tuple[County, ...]:
    """The first ``count`` demo counties (``data.counties.COUNTIES``); a wrong count is refused."""
    if not 1 <= count <= len(COUNTIES):
        raise CommandError(
            f"演示县区数量应在1到{len(COUNTIES)}之间。--counties must be between 1 and {len(COUNTIES)}, got {count}."
        )
    return COUNTIES[:count]


def load_demo(*, stdout: Writer | None = None, counties: int = 1) -> dict[str, int]:
    """Load or refresh the demo county (and, with ``counties=2``, the second county of the city with
    the city's and province's supervisors and an administrator per county); return the row counts of
    the counties loaded. Refuses in production."""
    if settings.PRODUCTION:
        raise CommandError(
            "生产环境（YICHUANG_ENV=production）禁止加载演示数据。Refusing to load demo data in production."
        )
    chosen = counties_for(counties)
    with transaction.atomic():
        started = time.monotonic()
        for n, county in enumerate(chosen):
            if len(chosen) > 1 and stdout is not None:
                stdout.write(f"—— {county.name}（{county.prefix}）——\n")
            _Loader(stdout, county=county, first=n == 0, started=started).run()
        if len(chosen) > 1:
            _Loader(stdout, county=SHIHE, first=False, started=started).load_oversight(chosen)
    _reset_lockouts(counties)
    return demo_counts(counties)


def demo_counts(counties: int = 1) -> dict[str, int]:
    """The row counts of the first ``counties`` demo counties (the names are ``COUNT_LABELS``'s)."""
    chosen = counties_for(counties)
    within = Q()
    for county in chosen:
        within |= Q(code__startswith=county.prefix)
    points = ServicePoint.objects.filter(within)
    regions = Region.objects.filter(within)
    items = ServiceItem.objects.filter(code__in=[item_code(s, c) for c in chosen for s in ALL_ITEMS])
    return {
        "regions": regions.count(),
        "towns": regions.filter(level=RegionLevel.TOWN).count(),
        "villages": regions.filter(level=RegionLevel.VILLAGE).count(),
        "points": points.count(),
        "town_centers": points.filter(kind=PointKind.TOWN_CENTER).count(),
        "village_stations": points.filter(kind=PointKind.VILLAGE_STATION).count(),
        "bank_outlets": points.filter(kind=PointKind.BANK_OUTLET).count(),
        "kiosks": points.filter(kind=PointKind.KIOSK).count(),
        "windows": Window.objects.filter(point__in=points).count(),
        "departments": Department.objects.filter(within).count(),
        "license_types": LicenseType.objects.filter(
            code__in=[lic.code for lic in material_data.LICENSES]
        ).count(),
        "items": items.filter(status=ItemStatus.PUBLISHED).count(),
        "materials": MaterialRequirement.objects.filter(item__in=items).count(),
        "item_versions": ItemVersion.objects.filter(item__in=items).count(),
        "offers": PointItem.objects.filter(point__in=points).count(),
        "delegations": Delegation.objects.filter(item__in=items).count(),
        "bundles": Bundle.objects.filter(code__in=[b.code for b in rules.BUNDLES]).count(),
        "staff": Staff.objects.filter(is_demo=True).count(),
        "seals": sum(demo_seal_count(county.prefix) for county in chosen),
        **hotline_demo_counts(),
    }


def demo_accounts(counties: int = 1) -> list[tuple[str, str, str, str]]:
    """(username, role, where, password) for the accounts contract.md names, then the other named
    staff; the per-town center managers are left out (see ``data.accounts.TOWN_MANAGERS``). With
    more counties, the city's and province's supervisors and the county administrators follow, then
    each further county's cast."""
    usernames = _named_usernames(counties)
    staff = {
        s.username: s
        for s in Staff.objects.filter(username__in=usernames).select_related("point", "region", "department")
    }
    rows = []
    for username in usernames:
        person = staff.get(username)
        if person is None:
            continue
        where = _describe(person)
        rows.append((username, str(person.get_role_display()), where, settings.DEMO_PASSWORD))
    return rows


def _named_usernames(counties: int = 1) -> list[str]:
    chosen = counties_for(counties)
    names = [a.username for a in account_data.ACCOUNTS]
    if len(chosen) > 1:
        names += [row[0] for row in OVERSIGHT] + [c.admin_account().username for c in chosen]
        names += [a.username for c in chosen[1:] for a in c.accounts()]
    return names


def _managers(county: County) -> tuple[tuple[str, str, str, str], ...]:
    return account_data.TOWN_MANAGERS if county == SHIHE else county.managers


def format_accounts(rows: Sequence[tuple[str, str, str, str]], counties: int = 1) -> str:
    """The accounts as an aligned text table (CJK characters take two columns)."""
    header = ("用户名 username", "角色 role", "所在 where", "密码 password")
    table = [header, *rows]
    name_width = max(_width(r[0]) for r in table) + 2
    role_width = max(_width(r[1]) for r in table) + 2
    pass_width = max(_width(r[3]) for r in table) + 2
    lines = [f"{_pad(r[0], name_width)}{_pad(r[1], role_width)}{_pad(r[3], pass_width)}{r[2]}" for r in table]
    managers = sum(len(_managers(c)) for c in counties_for(counties))
    lines.append(f"（另有 {managers} 个乡镇便民服务中心负责人账号 mgr_*，密码相同。）")
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 1)


def _describe(person: Staff) -> str:
    parts = []
    if person.point_id and person.point is not None:
        parts.append(person.point.name)
    elif person.region_id and person.region is not None:
        parts.append(person.region.name)
    if person.department_id and person.department is not None:
        parts.append(person.department.name)
    if not parts:
        return "全部（平台管理）"
    return " · ".join(parts)


def demo_usernames(counties: int = 1) -> list[str]:
    """Every account the loader makes (all marked ``is_demo``): the named staff, then the managers."""
    return _named_usernames(counties) + [m[1] for c in counties_for(counties) for m in _managers(c)]


def _reset_lockouts(counties: int = 1) -> None:
    """Demo passwords are reset on every load; lift login lockouts (django-axes) for them too."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username__in=demo_usernames(counties)).delete()


def _sync(
    model: type[M], key: Sequence[str], rows: Iterable[dict[str, Any]], existing: Iterable[M] | None = None
) -> dict[tuple[Any, ...], M]:
    """Make the table hold ``rows``, found by the ``key`` fields: create the missing rows and update
    the changed ones, in bulk. Returns every row's object by key (created objects have their pk)."""
    manager = model._default_manager
    by_key = {
        tuple(getattr(obj, f) for f in key): obj for obj in (manager.all() if existing is None else existing)
    }
    result: dict[tuple[Any, ...], M] = {}
    to_create: list[M] = []
    to_update: list[M] = []
    changed_fields: set[str] = set()
    for row in rows:
        row_key = tuple(row[f] for f in key)
        if row_key in result:
            raise ValueError(f"duplicate {model.__name__} in demo data: {row_key}")
        obj = by_key.get(row_key)
        if obj is None:
            obj = model(**row)
            to_create.append(obj)
        else:
            changed = [name for name, value in row.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, row[name])
                changed_fields.update(changed)
                to_update.append(obj)
        result[row_key] = obj
    if to_create:
        manager.bulk_create(to_create, batch_size=500)
    if to_update:
        manager.bulk_update(to_update, sorted(changed_fields), batch_size=500)
    if to_create or to_update:
        from yichuang.common.memo import marker_bump

        # Bulk writes send no signals: the memos of the catalog, seals and templates must forget.
        marker_bump("reference")
        marker_bump("auth")
    return result


class _Loader:
    """Loads one county. The first county also loads what the whole demo shares: the certificate
    types and layouts, the bundles, the 12345 hotline and the hall's queue."""

    def __init__(
        self,
        stdout: Writer | None,
        *,
        county: County = SHIHE,
        first: bool = True,
        started: float | None = None,
    ) -> None:
        self.stdout = stdout
        self.county = county
        self.first = first
        self.towns = county.towns_in_order
        self.started = time.monotonic() if started is None else started
        self.regions: dict[str, Region] = {}
        self.points: dict[str, ServicePoint] = {}
        self.departments: dict[str, Department] = {}
        self.windows: dict[tuple[str, str], Window] = {}
        self.licenses: dict[str, LicenseType] = {}
        self.items: dict[str, ServiceItem] = {}  # by item name
        self.item_specs: dict[str, ItemSpec] = {}

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(f"  [{time.monotonic() - self.started:5.1f}s] {text}\n")

    def run(self) -> None:
        self.load_regions()
        self.load_points()
        self.load_windows()
        self.load_departments()
        self.load_licenses()
        if self.first:
            self.load_certificate_layouts()
        self.load_items()
        self.load_materials()
        self.load_form_fields()
        self.load_situations()
        self.load_eligibility()
        self.publish_items()
        delegated_to = self.load_delegations()
        self.load_offers(delegated_to)
        if self.first:
            self.load_bundles()
        self.load_staff()
        self.load_seals()
        if self.first:
            # The hotline's routing and the hall's queue are the first county's (their own modules'
            # data); a further county takes cases without them.
            self.load_hotline()
            self.load_queue()

    # —— organization ——

    def load_regions(self) -> None:
        levels: list[list[dict[str, Any]]] = [
            [
                {
                    "code": places.PROVINCE[0],
                    "name": places.PROVINCE[1],
                    "level": RegionLevel.PROVINCE,
                    "parent": None,
                }
            ],
            [
                {
                    "code": places.CITY[0],
                    "name": places.CITY[1],
                    "level": RegionLevel.CITY,
                    "parent": places.PROVINCE[0],
                }
            ],
            [
                {
                    "code": self.county.code,
                    "name": self.county.name,
                    "level": RegionLevel.COUNTY,
                    "parent": places.CITY[0],
                }
            ],
            [
                {
                    "code": self.county.town_code(t),
                    "name": t.name,
                    "level": RegionLevel.TOWN,
                    "parent": self.county.code,
                }
                for t in self.towns
            ],
            [
                {
                    "code": self.county.village_code(t, v),
                    "name": v.name,
                    "level": RegionLevel.VILLAGE,
                    "parent": self.county.town_code(t),
                }
                for t in self.towns
                for v in t.villages
            ],
        ]
        existing = list(Region.objects.filter(code__in=[row["code"] for level in levels for row in level]))
        for level in levels:
            rows = [
                {**row, "parent_id": self.regions[row["parent"]].pk if row["parent"] else None}
                for row in level
            ]
            for row in rows:
                del row["parent"]
            synced = _sync(Region, ["code"], rows, existing)
            self.regions.update({key[0]: obj for key, obj in synced.items()})
        self.say(f"行政区划 regions: {len(self.regions)}")

    def load_points(self) -> None:
        c = self.county
        county = self.regions[c.code]
        codes = _all_point_codes(c)
        existing = list(ServicePoint.objects.filter(code__in=codes))
        hall = {
            "code": c.hall["code"],
            "name": c.hall["name"],
            "kind": PointKind.COUNTY_HALL,
            "region_id": county.pk,
            "parent_id": None,
            "address": c.hall["address"],
            "hours": places.HALL_HOURS,
            "phone": c.hall["phone"],
            "open_all_year": False,
            "active": True,
        }
        self._sync_points([hall], existing)
        hall_pk = self.points[c.hall["code"]].pk
        centers = [
            {
                "code": c.center_code(t),
                "name": f"{t.name}便民服务中心",
                "kind": PointKind.TOWN_CENTER,
                "region_id": self.regions[c.town_code(t)].pk,
                "parent_id": hall_pk,
                "address": t.address,
                "hours": places.OFFICE_HOURS,
                "phone": t.phone,
                "open_all_year": False,
                "active": True,
            }
            for t in self.towns
        ]
        self._sync_points(centers, existing)
        leaves: list[dict[str, Any]] = []
        for t in self.towns:
            center_pk = self.points[c.center_code(t)].pk
            for n, v in enumerate(t.villages):
                leaves.append(
                    {
                        "code": c.station_code(t, v),
                        "name": f"{v.name}便民服务站",
                        "kind": PointKind.VILLAGE_STATION,
                        "region_id": self.regions[c.village_code(t, v)].pk,
                        "parent_id": center_pk,
                        "address": f"{places.CITY[1]}{c.name}{t.name}{v.name}党群服务中心一楼",
                        "hours": places.ALL_YEAR_HOURS if v.open_all_year else places.VILLAGE_HOURS,
                        "phone": f"{t.phone[:-3]}{201 + n:03d}",
                        "open_all_year": v.open_all_year,
                        "active": True,
                    }
                )
        for code, name, town_code, address, phone in c.bank_outlets:
            town = c.town_by_code(town_code)
            leaves.append(
                {
                    "code": code,
                    "name": name,
                    "kind": PointKind.BANK_OUTLET,
                    "region_id": self.regions[c.town_code(town)].pk,
                    "parent_id": self.points[c.center_code(town)].pk,
                    "address": address,
                    "hours": places.BANK_HOURS,
                    "phone": phone,
                    "open_all_year": True,
                    "active": True,
                }
            )
        for code, name, parent_code in c.kiosks:
            parent = self.points[parent_code]
            leaves.append(
                {
                    "code": code,
                    "name": name,
                    "kind": PointKind.KIOSK,
                    "region_id": parent.region_id,
                    "parent_id": parent.pk,
                    "address": f"{parent.address}（自助服务区）",
                    "hours": "24小时",
                    "phone": parent.phone,
                    "open_all_year": True,
                    "active": True,
                }
            )
        self._sync_points(leaves, existing)
        self.say(f"服务点 points: {len(self.points)}（含 {len(c.bank_outlets)} 个政银合作网点）")

    def _sync_points(self, rows: list[dict[str, Any]], existing: list[ServicePoint]) -> None:
        synced = _sync(ServicePoint, ["code"], rows, existing)
        self.points.update({key[0]: obj for key, obj in synced.items()})

    def load_windows(self) -> None:
        rows: list[dict[str, Any]] = []

        def add(point_code: str, windows: Iterable[tuple[str, str, str]]) -> None:
            point = self.points[point_code]
            for number, name, kind in windows:
                rows.append(
                    {"point_id": point.pk, "number": number, "name": name, "kind": kind, "active": True}
                )

        c = self.county
        add(c.hall["code"], places.HALL_WINDOWS)
        for t in self.towns:
            add(c.center_code(t), places.TOWN_WINDOWS)
            if t.code == places.FIRST_TOWN:
                add(c.center_code(t), places.FIRST_TOWN_EXTRA_WINDOWS)
            for v in t.villages:
                add(c.station_code(t, v), places.VILLAGE_WINDOWS)
        for code, *_rest in c.bank_outlets:
            add(code, places.BANK_WINDOWS)
        existing = Window.objects.filter(point__in=list(self.points.values()))
        synced = _sync(Window, ["point_id", "number"], rows, existing)
        code_of = {p.pk: code for code, p in self.points.items()}
        self.windows = {(code_of[key[0]], key[1]): obj for key, obj in synced.items()}
        self.say(f"窗口 windows: {len(self.windows)}")

    def load_departments(self) -> None:
        c = self.county
        county = self.regions[c.code]
        hall = self.points[c.hall["code"]]
        rows: list[dict[str, Any]] = [
            {
                "code": c.department_code(d.key),
                "name": c.local(d.name),
                "short_name": c.local(d.short_name),
                "kind": d.kind,
                "region_id": county.pk,
                "point_id": hall.pk,
                "phone": c.local(d.phone),
            }
            for d in department_data.DEPARTMENTS
        ]
        rows += [
            {
                "code": c.approval_center_code(t),
                "name": f"{t.name}行政审批服务中心",
                "short_name": f"{t.name}审批中心",
                "kind": DepartmentKind.TOWN_APPROVAL_CENTER,
                "region_id": self.regions[c.town_code(t)].pk,
                "point_id": self.points[c.center_code(t)].pk,
                "phone": t.phone,
            }
            for t in self.towns
        ]
        existing = Department.objects.filter(code__in=[row["code"] for row in rows])
        synced = _sync(Department, ["code"], rows, existing)
        self.departments = {key[0]: obj for key, obj in synced.items()}
        self.say(f"部门 departments: {len(self.departments)}")

    # —— catalog ——

    def load_licenses(self) -> None:
        rows = [
            {
                "code": lic.code,
                "name": lic.name,
                "issuer": lic.issuer,
                "validity_years": lic.validity_years,
                "printable": lic.printable,
            }
            for lic in material_data.LICENSES
        ]
        existing = LicenseType.objects.filter(code__in=[row["code"] for row in rows])
        synced = _sync(LicenseType, ["code"], rows, existing)
        self.licenses = {key[0]: obj for key, obj in synced.items()}
        self.say(f"证照类型 license types: {len(self.licenses)}")

    def load_certificate_layouts(self) -> None:
        """证照模板 (``data/certificates.py``): each printable type gets its layout; a layout whose fields
        are already as written is left alone, so loading twice writes nothing."""
        from yichuang.licenses.services import layout_store

        changed = sum(
            layout_store(license_type=self.licenses[code], spec=spec)
            for code, spec in certificate_data.LAYOUTS.items()
        )
        self.say(f"证照模板 certificate layouts: {len(certificate_data.LAYOUTS)} ({changed} written)")

    def load_items(self) -> None:
        _check_items()
        rows = [self._item_row(spec) for spec in ALL_ITEMS]
        existing = ServiceItem.objects.filter(code__in=[row["code"] for row in rows])
        synced = _sync(ServiceItem, ["code"], rows, existing)
        by_code = {key[0]: obj for key, obj in synced.items()}
        for spec in ALL_ITEMS:
            self.items[spec.name] = by_code[item_code(spec, self.county)]
            self.item_specs[spec.name] = spec
        self.say(f"事项 items: {len(self.items)}")

    def _item_row(self, spec: ItemSpec) -> dict[str, Any]:
        department = self.departments[self.county.department_code(spec.dept)]
        process = spec.process or (IMMEDIATE_PROCESS if spec.promised == 0 else PROMISED_PROCESS)
        if spec.delegate == "front_desk_only" and not spec.process:
            process += (
                f"；乡镇（街道）便民服务中心受理后经平台流转至{department.short_name or department.name}审批"
            )
        return {
            "code": item_code(spec, self.county),
            "base_code": spec.base,
            "name": spec.name,
            "aliases": spec.aliases,
            "keywords": spec.keywords,
            "type": spec.type,
            "legal_basis": spec.basis,
            "exercise_level": spec.level,
            "department_id": department.pk,
            "audience": spec.audience,
            "conditions": spec.conditions,
            "statutory_days": spec.statutory,
            "promised_days": spec.promised,
            "supplement_days": spec.supplement_days,
            "visits_required": spec.visits,
            "online_depth": spec.depth,
            "fee_charged": bool(spec.fee),
            "fee_standard": spec.fee or "不收费",
            "fee_basis": spec.fee_basis,
            "result_type": spec.result,
            "result_name": spec.result_name,
            "result_license_type_id": self.licenses[spec.license].pk if spec.license else None,
            "process": process,
            "consult_phone": department.phone,
            "complaint_phone": "12345",
        }

    def load_eligibility(self) -> None:
        """The items' conditions checked at intake (``rules.ELIGIBILITY``), kept in step on reload."""
        from yichuang.catalog.models import EligibilityRule
        from yichuang.demo.data.rules import ELIGIBILITY

        # 本区户籍 is each county's own prefix.
        rows = [
            {
                "item_id": self.items[name].pk,
                "kind": kind,
                "value": self.county.prefix if value == SHIHE.prefix else value,
            }
            for name, pairs in ELIGIBILITY.items()
            if name in self.items
            for kind, value in pairs
        ]
        existing = EligibilityRule.objects.filter(item_id__in=[row["item_id"] for row in rows])
        _sync(EligibilityRule, ["item_id", "kind"], rows, existing)
        self.say(f"申请条件 eligibility rules: {len(rows)}")

    def load_materials(self) -> None:
        catalog = {m.code: m for m in material_data.MATERIALS}
        rows: list[dict[str, Any]] = []
        for spec in ALL_ITEMS:
            item = self.items[spec.name]
            for order, token in enumerate(spec.materials.split(), start=1):
                code, flag = (token[:-1], token[-1]) if token[-1] in "~!?" else (token, "")
                row: dict[str, Any] = {
                    "item_id": item.pk,
                    "required": flag != "?",
                    "tolerable": flag == "~",
                    "commitment_allowed": flag == "!",
                    "order": order,
                }
                if code == "F":
                    row.update(
                        code=form_code(spec),
                        name=spec.form,
                        form="original",
                        copies=1,
                        source="applicant",
                        source_note="",
                        license_type_id=None,
                        notes=FORM_NOTES,
                    )
                else:
                    m = catalog[code]
                    row.update(
                        code=m.code,
                        name=m.name,
                        form=m.form,
                        copies=m.copies,
                        source=m.source,
                        source_note=m.source_note,
                        license_type_id=self.licenses[m.license].pk if m.license else None,
                        notes=m.notes,
                    )
                rows.append(row)
        item_pks = [item.pk for item in self.items.values()]
        existing = list(MaterialRequirement.objects.filter(item_id__in=item_pks))
        synced = _sync(MaterialRequirement, ["item_id", "code"], rows, existing)
        stale = [m.pk for m in existing if (m.item_id, m.code) not in synced]
        if stale:
            try:
                with transaction.atomic():
                    MaterialRequirement.objects.filter(pk__in=stale).delete()
            except ProtectedError:
                pass  # a case refers to it: keep it rather than lose the case's record
        self.say(f"申请材料 materials: {len(rows)}")

    def load_form_fields(self) -> None:
        """The demo's application forms (``data/forms.py``): each listed item gets exactly these."""
        count = 0
        for name, specs in {**form_data.FORMS, **certificate_data.CERTIFICATE_FORMS}.items():
            item = self.items[name]
            keep: list[int] = []
            for order, spec in enumerate(specs, start=1):
                row, _created = FormField.objects.update_or_create(
                    item=item,
                    key=spec.key,
                    defaults={
                        "label": spec.label,
                        "label_en": spec.label_en,
                        "kind": spec.kind,
                        "required": spec.required,
                        "choices": list(spec.choices),
                        "help_text": spec.help_text,
                        "max_length": spec.max_length,
                        "min": spec.min,
                        "max": spec.max,
                        "order": order,
                    },
                )
                keep.append(row.pk)
                count += 1
            FormField.objects.filter(item=item).exclude(pk__in=keep).delete()
        self.say(f"申请表字段 form fields: {count}")

    def load_situations(self) -> None:
        """办理情形 of a few items, and the blank forms and samples of the demo's application forms."""
        from yichuang.demo import situations

        count = situations.load_situations(self.items)
        codes = {name: form_code(spec) for name, spec in self.item_specs.items() if spec.form}
        files = situations.load_material_files(self.items, codes)
        self.say(f"办理情形 situations: {count}；空白表格和示范文本 blank forms and samples: {files}")

    def publish_items(self) -> None:
        created = 0
        for item in self.items.values():
            if item_publish(item=item, actor=None) is not None:
                created += 1
        self.say(f"发布 published: {len(self.items)}（新版本 {created}）")

    def load_delegations(self) -> dict[str, set[str]]:
        """Delegations of county items to towns; returns, per item name, the town codes where a
        delegation is in force today (their centers offer the item)."""
        today = timezone.localdate()
        rows: list[dict[str, Any]] = []
        in_force: dict[str, set[str]] = {}

        def add(
            name: str,
            mode: str,
            town: Town,
            to_point: bool,
            instrument: str,
            instrument_date: dt.date,
            valid_from: dt.date,
            valid_to: dt.date | None,
            notes: str,
        ) -> None:
            item = self.items[name]
            spec = self.item_specs[name]
            rows.append(
                {
                    "item_id": item.pk,
                    "from_department_id": self.departments[self.county.department_code(spec.dept)].pk,
                    "to_point_id": self.points[self.county.center_code(town)].pk if to_point else None,
                    "to_region_id": None if to_point else self.regions[self.county.town_code(town)].pk,
                    "mode": mode,
                    "instrument": self.county.local(instrument),
                    "instrument_date": instrument_date,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "notes": notes,
                }
            )
            if valid_from <= today and (valid_to is None or valid_to >= today):
                in_force.setdefault(name, set()).add(town.code)

        for spec in DELEGATED_ITEMS:
            instrument = rules.INSTRUMENTS[(spec.dept, spec.delegate)]
            valid_to = rules.TERM_LIMITED.get(spec.dept) if spec.delegate == "front_desk_only" else None
            for town in _towns(spec.towns, self.towns):
                # 乡 sign with their center (seed 003: delegated to a point); 镇、街道 as a region.
                add(
                    spec.name,
                    spec.delegate,
                    town,
                    town.kind == "township",
                    instrument,
                    rules.INSTRUMENT_DATE,
                    rules.VALID_FROM,
                    valid_to,
                    "",
                )
        for (
            name,
            mode,
            town_code,
            to_point,
            instrument,
            signed,
            start,
            end,
            notes,
        ) in rules.SPECIAL_DELEGATIONS:
            if not self.county.has_town(town_code):
                continue
            town = self.county.town_by_code(town_code)
            add(name, mode, town, to_point, instrument, signed, start, end, self.county.local(notes))
        existing = Delegation.objects.filter(item__in=list(self.items.values()))
        _sync(Delegation, ["item_id", "to_point_id", "to_region_id", "valid_from"], rows, existing)
        self.say(f"权限下放 delegations: {len(rows)}")
        return in_force

    def load_offers(self, delegated_to: dict[str, set[str]]) -> None:
        pairs: dict[tuple[int, int], dt.date] = {}
        c = self.county
        hall = self.points[c.hall["code"]]
        banks = [self.points[code] for code, *_rest in c.bank_outlets]
        kiosks = [self.points[code] for code, *_rest in c.kiosks]
        for spec in ALL_ITEMS:
            item = self.items[spec.name]
            if AT_HALL in spec.offer:
                pairs[(hall.pk, item.pk)] = HALL_SINCE
            # Town-level items at the centers of the towns they apply to; county items where a
            # delegation to the town is in force.
            if spec.level == "town":
                towns = {t.code for t in _towns(spec.towns, self.towns)} if AT_TOWNS in spec.offer else set()
            else:
                towns = delegated_to.get(spec.name, set())
            for town in self.towns:
                if town.code not in towns:
                    continue
                pairs[(self.points[c.center_code(town)].pk, item.pk)] = rules.VALID_FROM
                if AT_VILLAGES in spec.offer:
                    for v in town.villages:
                        pairs[(self.points[c.station_code(town, v)].pk, item.pk)] = rules.VALID_FROM
            if AT_BANKS in spec.offer:
                for bank in banks:
                    pairs[(bank.pk, item.pk)] = BANK_SINCE
            if AT_KIOSKS in spec.offer:
                for kiosk in kiosks:
                    pairs[(kiosk.pk, item.pk)] = HALL_SINCE
        rows = [
            {"point_id": point_pk, "item_id": item_pk, "active": True, "since": since}
            for (point_pk, item_pk), since in pairs.items()
        ]
        existing = PointItem.objects.filter(point__in=list(self.points.values()))
        _sync(PointItem, ["point_id", "item_id"], rows, existing)
        self.say(f"认领事项 offers: {len(rows)}")

    def load_bundles(self) -> None:
        rows = [
            {"code": b.code, "name": b.name, "description": b.description, "active": True}
            for b in rules.BUNDLES
        ]
        synced = _sync(
            Bundle, ["code"], rows, Bundle.objects.filter(code__in=[b.code for b in rules.BUNDLES])
        )
        entries = [
            {"bundle_id": synced[(b.code,)].pk, "item_id": self.items[name].pk, "order": n}
            for b in rules.BUNDLES
            for n, name in enumerate(b.items, start=1)
        ]
        existing = BundleItem.objects.filter(bundle__in=list(synced.values()))
        _sync(BundleItem, ["bundle_id", "item_id"], entries, existing)
        self.say(f"一件事 bundles: {len(rows)}")

    def load_seals(self) -> None:
        self.say(
            f"电子印章 seals: {load_demo_seals(county_prefix=self.county.prefix, county_name=self.county.name)}"
        )
        self.grant_numbered_seals()

    def grant_numbered_seals(self) -> None:
        """Each town's numbered seal (带编号的业务专用章) stamps the items the county entrusted to that town,
        and nothing else (issue 16): its grant is the list of entrusted items."""
        from yichuang.documents.models import Seal, SealKind

        for seal in Seal.objects.filter(kind=SealKind.DELEGATED, department__isnull=False).select_related(
            "department__region"
        ):
            region = seal.department.region if seal.department is not None else None
            if region is None:
                continue
            entrusted = Delegation.objects.filter(mode=DelegationMode.ENTRUSTED).filter(
                Q(to_region=region) | Q(to_point__region__code__startswith=region.code[:9])
            )
            wanted = set(entrusted.values_list("item_id", flat=True))
            if wanted and set(seal.items.values_list("pk", flat=True)) != wanted:
                seal.items.set(wanted)

    # —— people ——

    def load_staff(self) -> None:
        password = make_password(settings.DEMO_PASSWORD)  # hashed once: the slow part of a login
        c = self.county
        accounts = list(c.accounts())
        for town_code, username, surname, given in _managers(c):
            town = c.town_by_code(town_code)
            accounts.append(
                Account(
                    username,
                    Role.CENTER_MANAGER,
                    surname,
                    given,
                    point=c.center_code(town),
                    region=c.town_code(town),
                    note=f"{town.name}便民服务中心负责人",
                )
            )
        self._sync_staff(accounts, password)

    def load_oversight(self, counties: Sequence[County]) -> None:
        """With more than one county: the city's and the province's supervisors, who see every
        county read-only, and each county's own administrator, who manages only his county."""
        password = make_password(settings.DEMO_PASSWORD)
        self.regions.update(
            {r.code: r for r in Region.objects.filter(code__in=[places.CITY[0], places.PROVINCE[0]])}
        )
        accounts = [
            Account(username, role, surname, given, region=region, phone=phone, note=note)
            for username, role, surname, given, region, phone, note in OVERSIGHT
        ]
        admins = []
        for county in counties:
            admin = county.admin_account()
            self.regions.update({r.code: r for r in Region.objects.filter(code=admin.region)})
            self.departments.update({d.code: d for d in Department.objects.filter(code=admin.department)})
            accounts.append(admin)
            admins.append(admin.username)
        self._sync_staff(accounts, password)
        group = county_admin_group()
        for person in Staff.objects.filter(username__in=admins):
            person.groups.add(group)
        self.say(f"市、省督查与县区管理员 supervisors and county administrators: {len(accounts)}")

    def _sync_staff(self, accounts: Sequence[Account], password: str) -> None:
        rows = [self._staff_row(a, password) for a in accounts]
        existing = Staff.objects.filter(username__in=[a.username for a in accounts])
        _sync(Staff, ["username"], rows, existing)
        self.say(f"演示账号 demo accounts: {len(rows)}")

    def load_hotline(self) -> None:
        """The 12345 hotline's categories, routing rules and operators (its own module)."""
        counts = load_hotline_demo()
        self.say(
            f"12345热线 hotline: {counts['hotline_categories']} 分类, {counts['hotline_rules']} 派单规则"
        )

    def load_queue(self) -> None:
        """The hall's categories, window services and appointment schedules (``yichuang.queue.demo``)."""
        self.say(describe_queue(load_queue(points=self.points, windows=self.windows)))

    def _staff_row(self, account: Account, password: str) -> dict[str, Any]:
        window = self.windows[(account.point, account.window)] if account.window else None
        return {
            "username": account.username,
            "password": password,
            "first_name": account.first_name,
            "last_name": account.last_name,
            "email": "",
            "role": account.role,
            "point_id": self.points[account.point].pk if account.point else None,
            "region_id": self.regions[account.region].pk if account.region else None,
            "department_id": self.departments[account.department].pk if account.department else None,
            "window_id": window.pk if window else None,
            "phone": account.phone,
            "is_superuser": account.superuser,
            "is_staff": account.superuser or account.role == Role.ADMIN,  # a county's admin: the admin site
            "is_active": True,
            "is_demo": True,
        }


#: The admin-site rights of a county's administrator (decision 144): his county's staff, points,
#: windows, departments and catalog; the admin shows him only his county (``org.admin_scope``).
COUNTY_ADMIN_GROUP = "县区管理员"
COUNTY_ADMIN_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "org": (
        "view_region",
        "view_staff",
        "add_staff",
        "change_staff",
        "view_servicepoint",
        "add_servicepoint",
        "change_servicepoint",
        "view_window",
        "add_window",
        "change_window",
        "view_department",
        "add_department",
        "change_department",
    ),
    "catalog": (
        "view_serviceitem",
        "add_serviceitem",
        "change_serviceitem",
        "view_materialrequirement",
        "add_materialrequirement",
        "change_materialrequirement",
        "delete_materialrequirement",
        "view_itemversion",
        "view_pointitem",
        "add_pointitem",
        "change_pointitem",
        "view_delegation",
        "add_delegation",
        "change_delegation",
        "view_licensetype",
    ),
}


def county_admin_group() -> Any:
    """The group “县区管理员” with exactly ``COUNTY_ADMIN_PERMISSIONS``."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=COUNTY_ADMIN_GROUP)
    wanted = Q()
    for app, codenames in COUNTY_ADMIN_PERMISSIONS.items():
        wanted |= Q(content_type__app_label=app, codename__in=codenames)
    group.permissions.set(Permission.objects.filter(wanted))
    return group


# The first county's towns in division-code order (sub-districts first, then 镇, then 乡).
TOWNS_IN_ORDER: tuple[Town, ...] = SHIHE.towns_in_order


def _towns(which: str, towns: Sequence[Town] = TOWNS_IN_ORDER) -> list[Town]:
    if which == "rural":
        return [t for t in towns if t.rural]
    if which == "urban":
        return [t for t in towns if not t.rural]
    return list(towns)


def _all_point_codes(county: County = SHIHE) -> list[str]:
    codes = [county.hall["code"]]
    for t in county.towns:
        codes.append(county.center_code(t))
        codes += [county.station_code(t, v) for v in t.villages]
    codes += [code for code, *_rest in county.bank_outlets]
    codes += [code for code, *_rest in county.kiosks]
    return codes


def _check_items() -> None:
    """Catch mistakes in the data modules before they reach the database."""
    materials = {m.code for m in material_data.MATERIALS}
    seen_codes: set[str] = set()
    seen_names: set[str] = set()
    for spec in ALL_ITEMS:
        where = f"demo item {spec.name}"
        if spec.base in seen_codes or spec.name in seen_names:
            raise ValueError(f"{where}: duplicate base code or name")
        seen_codes.add(spec.base)
        seen_names.add(spec.name)
        if spec.promised > spec.statutory:
            raise ValueError(f"{where}: promised days exceed statutory days")
        if spec.delegate and (spec.dept, spec.delegate) not in rules.INSTRUMENTS:
            raise ValueError(f"{where}: no instrument for {spec.dept}/{spec.delegate}")
        tokens = [t.rstrip("~!?") for t in spec.materials.split()]
        if len(tokens) != len(set(tokens)):
            raise ValueError(f"{where}: a material is listed twice")
        for code in tokens:
            if code == "F" and not spec.form:
                raise ValueError(f"{where}: F without a form name")
            if code != "F" and code not in materials:
                raise ValueError(f"{where}: unknown material {code}")
    for bundle in rules.BUNDLES:
        missing = [name for name in bundle.items if name not in seen_names]
        if missing:
            raise ValueError(f"bundle {bundle.name}: unknown items {missing}")
    for special in rules.SPECIAL_DELEGATIONS:
        if special[0] not in seen_names:
            raise ValueError(f"special delegation: unknown item {special[0]}")
