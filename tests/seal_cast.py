"""The test county's seals, made once here for every test module that signs documents."""

from __future__ import annotations

from typing import Any

from yichuang.documents.models import Seal, SealKind
from yichuang.documents.services import seal_create

#: name → (code, kind, seal name, holder, caption, number, {field: ("departments"|"points", key)})
SEALS: dict[str, tuple[str, str, str, str, str, str, dict[str, tuple[str, str]]]] = {
    "approval_a": (
        "A-SPZ",
        SealKind.APPROVAL,
        "甲镇人民政府行政审批专用章",
        "信阳市浉河区甲镇人民政府",
        "行政审批专用章",
        "",
        {"department": ("departments", "center_a")},
    ),
    "approval_b": (
        "B-SPZ",
        SealKind.APPROVAL,
        "乙镇人民政府行政审批专用章",
        "信阳市浉河区乙镇人民政府",
        "行政审批专用章",
        "",
        {"department": ("departments", "center_b")},
    ),
    "delegated_a": (
        "A-YWZ",
        SealKind.DELEGATED,
        "浉河区行政审批服务局行政审批业务专用章（甲镇）",
        "信阳市浉河区行政审批服务局",
        "行政审批业务专用章",
        "001",
        {"department": ("departments", "center_a"), "issuer": ("departments", "approval")},
    ),
    "civil": (
        "MZJ-GZ",
        SealKind.DEPARTMENT,
        "浉河区民政局",
        "信阳市浉河区民政局",
        "",
        "",
        {"department": ("departments", "civil")},
    ),
    "forestry": (
        "LYJ-GZ",
        SealKind.DEPARTMENT,
        "浉河区林业局",
        "信阳市浉河区林业局",
        "",
        "",
        {"department": ("departments", "forestry")},
    ),
    "output_hall": (
        "HALL-CJZ",
        SealKind.OUTPUT,
        "区政务服务中心出件专用章",
        "信阳市浉河区政务服务中心",
        "出件专用章",
        "",
        {"point": ("points", "hall")},
    ),
    "output_a": (
        "CA-CJZ",
        SealKind.OUTPUT,
        "甲镇便民服务中心出件专用章",
        "信阳市浉河区甲镇便民服务中心",
        "出件专用章",
        "",
        {"point": ("points", "center_a")},
    ),
}


def make_seals(world: Any, *names: str) -> dict[str, Seal]:
    """The named seals of ``SEALS``, each held by the department or point of ``world`` it names."""
    seals = {}
    for name in names:
        code, kind, seal_name, holder, caption, number, holders = SEALS[name]
        units = {field: getattr(world, group)[key] for field, (group, key) in holders.items()}
        seals[name] = seal_create(
            code=code, kind=kind, name=seal_name, holder_name=holder, caption=caption, number=number, **units
        )
    return seals
