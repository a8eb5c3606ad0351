"""Template helpers of the pages: masks, labels of statuses and actions, lights."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from yichuang.cases.models import ApplicantKind, CaseStatus, MaterialState
from yichuang.common import identity
from yichuang.web import labels
from yichuang.web.lights import Light, light_for

register = template.Library()


@register.filter
def mask_id(value: str, kind: str = ApplicantKind.PERSON) -> str:
    """A resident ID (or, for an organization, a credit code) with the middle hidden."""
    if kind == ApplicantKind.ORGANIZATION:
        return identity.mask_uscc(value)
    return identity.mask_resident_id(value)


@register.filter
def mask_phone(value: str) -> str:
    return identity.mask_phone(value)


@register.filter
def mask_name(value: str) -> str:
    return identity.mask_name(value)


@register.filter
def status_label(value: str) -> str:
    return str(CaseStatus(value).label) if value in CaseStatus.values else value


@register.filter
def material_state_label(value: str) -> str:
    return str(MaterialState(value).label) if value in MaterialState.values else value


@register.filter
def action_label(value: str) -> str:
    return labels.action_label(value)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.simple_tag
def light(case: Any) -> Light:
    return light_for(case)


@register.filter
def filesize(value: int) -> str:
    if value >= 1024 * 1024:
        return f"{value / (1024 * 1024):.1f} MiB"
    if value >= 1024:
        return f"{value / 1024:.0f} KiB"
    return _("%(n)d 字节") % {"n": value}


@register.filter
def percent(value: float | str | None) -> str:
    """0.9523 → 95.2%; no figure (nothing to divide by) → —."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def figure(value: Any) -> str:
    """A count or an average as a table shows it; no figure → —."""
    if value is None or value == "":
        return "—"
    return str(value)
