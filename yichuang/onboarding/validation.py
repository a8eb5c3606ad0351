"""Checking the organization workbook: every row of every sheet against the file and the database.

Each row gets its object (the stored one found by its code, with the file's values set, or a new one)
and its reasons, in Chinese, without a single write; ``importer.import_org`` stores the objects only
when no row has a reason. Rows refer to rows of earlier sheets or of the same sheet (a village station
to its town center) by code, whether those are new in the file or already stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from yichuang.catalog.models import LicenseType
from yichuang.common.excel import RowError, SheetRow, full_clean_row, unique
from yichuang.onboarding.sheets import (
    DEPARTMENT_SHEET,
    HOURS_SHEET,
    LICENSE_SHEET,
    POINT_SHEET,
    REGION_SHEET,
    SHEETS,
    STAFF_SHEET,
    WINDOW_SHEET,
)
from yichuang.org.models import (
    PARENT_LEVEL,
    Department,
    Region,
    RegionLevel,
    Role,
    ServicePoint,
    Staff,
    Window,
)
from yichuang.queue.models import OpeningHours

LEVEL_ORDER = list(RegionLevel.values)


@dataclass
class Entry:
    sheet: str
    row: int
    obj: models.Model
    is_new: bool
    changed: bool


@dataclass
class Plan:
    entries: list[Entry] = field(default_factory=list)
    #: Opening hours lines of the points the file gives hours for, that the file no longer lists.
    stale_hours: list[int] = field(default_factory=list)
    new_staff: list[Staff] = field(default_factory=list)


def _headers(sheet_name: str) -> dict[str, str]:
    sheet = next(s for s in SHEETS if s.name == sheet_name)
    return {column.field: column.header for column in sheet.columns}


class Validator:
    """Builds every row's object (new, or the stored one with the file's values) and collects reasons."""

    def __init__(self, sheets: dict[str, list[SheetRow]]) -> None:
        self.sheets = sheets
        self.plan = Plan()
        self.licenses = {obj.code: obj for obj in LicenseType.objects.all()}
        self.regions = {obj.code: obj for obj in Region.objects.all()}
        self.points = {obj.code: obj for obj in ServicePoint.objects.all()}
        self.departments = {obj.code: obj for obj in Department.objects.all()}
        self.windows = {(w.point_id, w.number): w for w in Window.objects.all()}
        self.file_windows: dict[tuple[str, str], Window] = {}

    def rows(self, sheet: str) -> list[SheetRow]:
        return self.sheets.get(sheet, [])

    def validate(self, errors: list[RowError]) -> Plan:
        """The plan of what to store; every reason goes to ``errors``, sheet by sheet, row by row."""
        self.licence_types()
        self.regions_sheet()
        self.points_sheet()
        self.hours_sheet()
        self.windows_sheet()
        self.departments_sheet()
        self.staff_sheet()
        for sheet in SHEETS:
            for row in self.rows(sheet.name):
                for reason in unique(row.errors):
                    errors.append(RowError(row.sheet, row.number, reason))
        return self.plan

    # —— helpers ——

    def _duplicate(self, row: SheetRow, key: Any, seen: dict[Any, int], label: str) -> bool:
        if key in seen:
            row.errors.append(_("%(label)s与第%(row)s行重复") % {"label": label, "row": seen[key]})
            return True
        seen[key] = row.number
        return False

    def _ref(self, row: SheetRow, field_name: str, table: dict[str, Any], label: str) -> Any:
        code = row.values.pop(field_name, None)
        if not code:
            return None
        found = table.get(code)
        if found is None:
            row.errors.append(
                _("%(label)s“%(code)s”不存在（本工作簿和系统中都没有）") % {"label": label, "code": code}
            )
            row.failed.add(field_name)
        return found

    def _apply(
        self,
        row: SheetRow,
        obj: models.Model,
        values: dict[str, Any],
        is_new: bool,
        exclude: set[str],
        clean: bool = True,
    ) -> None:
        changed = is_new
        for name, value in values.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        full_clean_row(obj, row, exclude | row.failed, _headers(row.sheet), clean=clean)
        self.plan.entries.append(Entry(row.sheet, row.number, obj, is_new, changed))

    def _fk_changed(self, obj: models.Model, name: str, target: models.Model | None) -> bool:
        current = getattr(obj, f"{name}_id")
        if target is None:
            return current is not None
        return target.pk is None or current != target.pk

    def _set_fks(self, obj: models.Model, targets: dict[str, models.Model | None]) -> bool:
        changed = False
        for name, target in targets.items():
            if self._fk_changed(obj, name, target):
                changed = True
            setattr(obj, name, target)
        return changed

    def _finish(
        self,
        row: SheetRow,
        obj: models.Model,
        values: dict[str, Any],
        fks: dict[str, Any],
        is_new: bool,
        exclude: set[str],
        clean: bool = True,
    ) -> None:
        fk_changed = self._set_fks(obj, fks)
        self._apply(row, obj, values, is_new, exclude | set(fks), clean)
        if fk_changed:
            self.plan.entries[-1].changed = True

    # —— sheets, in the order they refer to each other ——

    def _claim(
        self, sheet: str, table: dict[str, Any], model: type[models.Model], key: str, label: str
    ) -> list[tuple[SheetRow, Any, bool]]:
        """The rows of ``sheet`` with their object: the stored one found by ``key``, else a new one,
        registered in ``table`` so rows of other sheets (and of this one) can refer to it."""
        seen: dict[Any, int] = {}
        claimed = []
        for row in self.rows(sheet):
            code = row.values.get(key)
            if not code or self._duplicate(row, code, seen, label % {"code": code}):
                continue
            found = table.get(code)
            table[code] = found or model()
            claimed.append((row, table[code], found is None))
        return claimed

    def licence_types(self) -> None:
        names = {obj.name: obj.code for obj in self.licenses.values()}
        seen_names: dict[Any, int] = {}
        for row, obj, is_new in self._claim(
            LICENSE_SHEET, self.licenses, LicenseType, "code", _("证照类型编码“%(code)s”")
        ):
            code, name = row.values["code"], row.values.get("name")
            duplicate = name and self._duplicate(row, name, seen_names, _("名称“%(name)s”") % {"name": name})
            if name and not duplicate and names.get(name, code) != code:
                row.errors.append(
                    _("名称“%(name)s”已被证照类型“%(code)s”使用") % {"name": name, "code": names[name]}
                )
            self._apply(row, obj, row.values, is_new, set())

    def regions_sheet(self) -> None:
        mine = self._claim(REGION_SHEET, self.regions, Region, "code", _("区划代码“%(code)s”"))
        # Parents first, so each region's clean() sees its parent's level and code.
        mine.sort(key=lambda m: LEVEL_ORDER.index(m[0].values["level"]) if m[0].values.get("level") else 99)
        for row, obj, is_new in mine:
            parent = self._ref(row, "parent", self.regions, _("上级区划代码"))
            level = row.values.get("level")
            if parent is None and "parent" not in row.failed and level and level != RegionLevel.PROVINCE:
                row.errors.append(
                    _("请填写上级区划代码（%(level)s的上级是%(parent)s）")
                    % {"level": RegionLevel(level).label, "parent": RegionLevel(PARENT_LEVEL[level]).label}
                )
                row.failed.add("parent")
            self._finish(row, obj, row.values, {"parent": parent}, is_new, set())

    def points_sheet(self) -> None:
        mine = self._claim(POINT_SHEET, self.points, ServicePoint, "code", _("服务点编码“%(code)s”"))
        parents = {
            str(row.values["code"]): row.values["parent"] for row, _o, _n in mine if row.values.get("parent")
        }
        for row, _obj, _new in mine:
            code, walked = row.values["code"], set()
            while code in parents and code not in walked:
                walked.add(code)
                code = parents[code]
            if code in walked:
                row.errors.append(_("上级服务点形成了循环"))
                row.failed.add("parent")
        # A point is stored after the point it belongs to (the file may list them in any order).
        mine.sort(key=lambda m: _depth(str(m[0].values["code"]), parents))
        for row, obj, is_new in mine:
            region = self._ref(row, "region", self.regions, _("所在区划代码"))
            parent = self._ref(row, "parent", self.points, _("上级服务点编码"))
            if "parent" in row.failed:
                parent = None
            self._finish(row, obj, row.values, {"region": region, "parent": parent}, is_new, set())

    def hours_sheet(self) -> None:
        existing: dict[int, list[OpeningHours]] = {}
        for line in OpeningHours.objects.all():
            existing.setdefault(line.point_id, []).append(line)
        seen: dict[Any, int] = {}
        kept: set[int] = set()
        covered: set[int] = set()
        for row in self.rows(HOURS_SHEET):
            point = self._ref(row, "point", self.points, _("服务点编码"))
            values = row.values
            key = (id(point), values.get("days"), values.get("weekdays"), values.get("start"))
            if point is not None and self._duplicate(
                row, key, seen, _("同一服务点、适用日期、星期和开始时间的时段")
            ):
                continue
            obj = None
            if point is not None and point.pk is not None:
                covered.add(point.pk)
                obj = next(
                    (
                        line
                        for line in existing.get(point.pk, [])
                        if (line.days, line.weekdays, line.start) == key[1:] and line.pk not in kept
                    ),
                    None,
                )
            is_new = obj is None
            obj = obj or OpeningHours()
            if obj.pk is not None:
                kept.add(obj.pk)
            self._finish(row, obj, values, {"point": point}, is_new, set())
        self.plan.stale_hours = [
            line.pk for pk in covered for line in existing.get(pk, []) if line.pk not in kept
        ]

    def windows_sheet(self) -> None:
        seen: dict[Any, int] = {}
        for row in self.rows(WINDOW_SHEET):
            point_code = row.values.get("point")
            point = self._ref(row, "point", self.points, _("服务点编码"))
            number = row.values.get("number")
            if point is None or not number:
                self._finish(row, Window(), row.values, {"point": point}, True, set())
                continue
            if self._duplicate(
                row,
                (point_code, number),
                seen,
                _("服务点“%(point)s”的窗口号“%(number)s”") % {"point": point_code, "number": number},
            ):
                continue
            obj = self.windows.get((point.pk, number)) if point.pk else None
            is_new = obj is None
            obj = obj or Window()
            self.file_windows[(str(point_code), number)] = obj
            self._finish(row, obj, row.values, {"point": point}, is_new, set())

    def departments_sheet(self) -> None:
        mine = self._claim(DEPARTMENT_SHEET, self.departments, Department, "code", _("部门编码“%(code)s”"))
        for row, obj, is_new in mine:
            region = self._ref(row, "region", self.regions, _("所属区划代码"))
            point = self._ref(row, "point", self.points, _("办公地点编码"))
            self._finish(row, obj, row.values, {"region": region, "point": point}, is_new, set())

    def staff_sheet(self) -> None:
        usernames = [row.values.get("username") for row in self.rows(STAFF_SHEET)]
        accounts: dict[str, Any] = {s.username: s for s in Staff.objects.filter(username__in=usernames)}
        for row, obj, is_new in self._claim(STAFF_SHEET, accounts, Staff, "username", _("用户名“%(code)s”")):
            point_code = row.values.get("point")
            point = self._ref(row, "point", self.points, _("服务点编码"))
            region = self._ref(row, "region", self.regions, _("管辖区划代码"))
            department = self._ref(row, "department", self.departments, _("部门编码"))
            if point is not None and not (point.region_id or ServicePoint.region.is_cached(point)):
                point = None  # its own row says why it has no region
                row.failed.add("point")
            number = row.values.pop("window", "")
            window = None
            if number:
                if point is None:
                    row.errors.append(_("填写了窗口号，请同时填写服务点编码"))
                else:
                    window = self.file_windows.get((str(point_code), number)) or (
                        self.windows.get((point.pk, number)) if point.pk else None
                    )
                    if window is None:
                        row.errors.append(
                            _("服务点“%(point)s”没有%(number)s号窗口（请先在“窗口”表中添加）")
                            % {"point": point_code, "number": number}
                        )
            values = dict(row.values)
            admin = values.get("role") == Role.ADMIN
            # Staff.clean() in the words of the file: it reads point_id, which a new point has not yet.
            if not admin and point is None and region is None and not row.failed & {"point", "region"}:
                row.errors.append(_("除平台管理员外，请填写服务点编码或管辖区划代码"))
            if point is not None and region is not None and _outside(region, point.region):
                row.errors.append(
                    _("服务点“%(point)s”不在管辖区划“%(region)s”之内")
                    % {"point": point_code, "region": region.code}
                )
            # A platform administrator may use the admin site; others keep what was granted there
            # (the hotline's operator edits its categories in the admin).
            values["is_superuser"] = admin
            if admin or is_new:
                values["is_staff"] = admin
            if is_new:
                obj.set_unusable_password()  # the one-time password is hashed when stored
                self.plan.new_staff.append(obj)
            self._finish(
                row,
                obj,
                values,
                {"point": point, "region": region, "department": department, "window": window},
                is_new,
                {"password", "last_login", "date_joined", "email"},
                clean=False,
            )


def _outside(region: Region, inner: Region) -> bool:
    """``inner`` is not within ``region``; False when a bad level (said on its own row) leaves it open."""
    try:
        return not region.contains(inner)
    except (ValueError, KeyError):
        return False


def _depth(code: str, parents: dict[str, str]) -> int:
    depth, walked = 0, {code}
    while code in parents and parents[code] not in walked:
        code = parents[code]
        walked.add(code)
        depth += 1
    return depth
