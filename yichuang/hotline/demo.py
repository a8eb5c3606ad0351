"""The demo county's 12345 set-up: a category tree with time limits, routing rules, and the
operators' group. ``load_hotline_demo()`` is called by ``yichuang loaddemo`` after the county
itself is loaded; it finds every row by its natural key, so loading twice leaves the same rows.

The tree follows the classes 12345 centers use (城乡建设, 社会保障, 市场监管 …). The rules send
a ticket to a county bureau by subject, and to the town's convenience-service center where the
town handles it (属地管理: 城市管理, 低保 and 救助, 宅基地, and anything no bureau rule covers);
one village station (大庙畈村, open all year) takes its village's 低保 and 救助 tickets.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from yichuang.hotline.models import Category, RoutingRule, TimeLimit
from yichuang.org.models import Department, Region, ServicePoint, Staff

COUNTY = "411502000000"
COUNTY_PREFIX = "411502"
OPERATORS_GROUP = "12345热线坐席"
OPERATORS = ("hotline1",)
OPERATOR_PERMISSIONS = (
    "operate_ticket",
    "add_ticket",
    "view_ticket",
    "view_ticketevent",
    "view_category",
    "view_routingrule",
)

URGENT, UTILITY, ORDINARY, COMPLEX = (
    TimeLimit.URGENT,
    TimeLimit.UTILITIES,
    TimeLimit.ORDINARY,
    TimeLimit.COMPLEX,
)

# (code, name, time limit or "" to inherit). A child's code starts with its parent's.
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("01", "城乡建设", ORDINARY),
    ("0101", "供水", UTILITY),
    ("0102", "供电", UTILITY),
    ("0103", "燃气", UTILITY),
    ("0104", "市政道路与设施", ""),
    ("0105", "物业管理", ""),
    ("0106", "房屋安全", COMPLEX),
    ("0107", "住房保障", ""),
    ("02", "城市管理", ORDINARY),
    ("0201", "环境卫生", ""),
    ("0202", "占道经营", ""),
    ("0203", "违法建设", COMPLEX),
    ("0204", "井盖缺失与路面塌陷", URGENT),
    ("03", "生态环境", ORDINARY),
    ("0301", "噪声扰民", ""),
    ("0302", "大气污染", ""),
    ("0303", "水污染", ""),
    ("04", "社会保障", ORDINARY),
    ("0401", "养老保险", ""),
    ("0402", "医疗保险", ""),
    ("0403", "低保与社会救助", ""),
    ("0404", "就业创业", ""),
    ("0405", "劳动关系与欠薪", COMPLEX),
    ("0406", "残疾人服务", ""),
    ("0407", "退役军人服务", ""),
    ("05", "市场监管", ORDINARY),
    ("0501", "食品安全", ""),
    ("0502", "消费维权", ""),
    ("0503", "价格与计量", ""),
    ("06", "农业农村", ORDINARY),
    ("0601", "惠农补贴", ""),
    ("0602", "农村宅基地", COMPLEX),
    ("0603", "林业与林地", ""),
    ("07", "公共安全", URGENT),
    ("0701", "安全生产隐患", ""),
    ("0702", "防汛与地质灾害", ""),
    ("0703", "社会治安", ""),
    ("08", "教育卫生", ORDINARY),
    ("0801", "教育", ""),
    ("0802", "医疗服务", ""),
    ("0803", "公共卫生", ""),
    ("09", "政务服务", ORDINARY),
    ("0901", "办事咨询", ""),
    ("0902", "窗口服务质量", ""),
    ("0903", "户籍与证件", ""),
    ("0904", "不动产登记", COMPLEX),
    ("0905", "税费", ""),
    ("10", "其他", ORDINARY),
)

# County-wide rules: category code → department key (``411502-<key>``).
COUNTY_RULES: tuple[tuple[str, str], ...] = (
    ("01", "ZJJ"),
    ("0203", "ZRJ"),
    ("0204", "ZJJ"),
    ("04", "RSJ"),
    ("0402", "YBJ"),
    ("0403", "MZJ"),
    ("0406", "CL"),
    ("0407", "TYJ"),
    ("05", "SJJ"),
    ("06", "NYJ"),
    ("0602", "ZRJ"),
    ("0603", "LYJ"),
    ("07", "YJJ"),
    ("0703", "GAJ"),
    ("0801", "JYJ"),
    ("0802", "WJW"),
    ("0803", "WJW"),
    ("09", "DSJ"),
    ("0903", "GAJ"),
    ("0904", "ZRJ"),
    ("0905", "SWJ"),
)
# In every town these go to the town's convenience-service center ("" = every category).
TOWN_RULES: tuple[str, ...] = ("", "02", "03", "0403", "0602")
# Village stations that take their village's tickets of a category: (village code, category).
VILLAGE_RULES: tuple[tuple[str, str], ...] = (("411502100201", "0403"),)


def load_hotline_demo() -> dict[str, int]:
    """Load or refresh the hotline's demo rows (inside the loader's transaction); return their counts."""
    categories = _load_categories()
    _load_rules(categories)
    _load_operators()
    return hotline_demo_counts()


def hotline_demo_counts() -> dict[str, int]:
    return {
        "hotline_categories": Category.objects.filter(code__in=[row[0] for row in CATEGORIES]).count(),
        "hotline_rules": RoutingRule.objects.filter(region__code__startswith=COUNTY_PREFIX).count(),
    }


def _load_categories() -> dict[str, Category]:
    existing = {c.code: c for c in Category.objects.filter(code__in=[row[0] for row in CATEGORIES])}
    result: dict[str, Category] = {}
    for order, (code, name, limit) in enumerate(CATEGORIES, start=1):
        parent = result.get(code[:-2]) if len(code) > 2 else None
        wanted: dict[str, Any] = {
            "name": name,
            "parent": parent,
            "time_limit": limit,
            "order": order,
            "active": True,
        }
        category = existing.get(code)
        if category is None:
            category = Category.objects.create(code=code, **wanted)
        elif any(getattr(category, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(category, key, value)
            category.save()
        result[code] = category
    return result


def _load_rules(categories: dict[str, Category]) -> None:
    regions = {r.code: r for r in Region.objects.filter(code__startswith=COUNTY_PREFIX)}
    departments = {d.code: d for d in Department.objects.filter(code__startswith=COUNTY_PREFIX)}
    points = {p.code: p for p in ServicePoint.objects.filter(code__startswith=COUNTY_PREFIX)}
    wanted: list[dict[str, Any]] = [
        {
            "category": categories[code],
            "region": regions[COUNTY],
            "department": departments[f"{COUNTY_PREFIX}-{key}"],
            "point": None,
            "note": "区直部门按职责承办",
        }
        for code, key in COUNTY_RULES
    ]
    towns = sorted(
        (r for r in regions.values() if r.level == "town"),
        key=lambda r: r.code,
    )
    for town in towns:
        center = points[f"{town.code[:9]}-BMZX"]
        for code in TOWN_RULES:
            wanted.append(
                {
                    "category": categories[code] if code else None,
                    "region": town,
                    "department": None,
                    "point": center,
                    "note": "属地乡镇（街道）便民服务中心承办"
                    if code
                    else "属地兜底：其他诉求由乡镇（街道）承办",
                }
            )
    for village_code, code in VILLAGE_RULES:
        wanted.append(
            {
                "category": categories[code],
                "region": regions[village_code],
                "department": None,
                "point": points[f"{village_code}-BMZ"],
                "note": "村便民服务站（全年无休）就近承办",
            }
        )
    existing = {
        (rule.category_id, rule.region_id): rule
        for rule in RoutingRule.objects.filter(region__code__startswith=COUNTY_PREFIX)
    }
    for row in wanted:
        key = (row["category"].pk if row["category"] else None, row["region"].pk)
        values = {**row, "priority": 0, "active": True}
        rule = existing.get(key)
        if rule is None:
            RoutingRule.objects.create(**values)
            continue
        changed = [name for name, value in values.items() if getattr(rule, name) != value]
        if changed:
            for name in changed:
                setattr(rule, name, values[name])
            rule.save(update_fields=changed)


def _load_operators() -> None:
    group, _created = Group.objects.get_or_create(name=OPERATORS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="hotline", codename__in=OPERATOR_PERMISSIONS
    )
    group.permissions.set(permissions)
    for operator in Staff.objects.filter(username__in=OPERATORS):
        operator.groups.add(group)
        if not operator.is_staff:  # the intake form lives in the admin for now
            operator.is_staff = True
            operator.save(update_fields=["is_staff"])
