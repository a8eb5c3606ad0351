"""Template helpers of the pages: masks, labels of statuses and actions, lights."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from yichuang.cases.models import ApplicantKind, CaseStatus, MaterialState
from yichuang.common import identity
from yichuang.web import labels
from yichuang.web.lights import BY_COLOR, Light, light_for

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


@register.simple_tag
def light_of(color: str) -> Light:
    """The light of a colour (green, yellow, red, grey), for a legend beside its count."""
    return BY_COLOR[color]


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


@register.simple_tag(takes_context=True)
def kiosk_home(context: template.Context) -> str:
    """Where an idle kiosk returns: its own point's home screen (the point is a cookie, read without a
    query here), else the kiosk of no point."""
    from django.urls import reverse

    from yichuang.web.views.kiosk import POINT_COOKIE

    request = context.get("request")
    code = "".join(ch for ch in (request.COOKIES.get(POINT_COOKIE, "") if request else "") if ch.isalnum())[
        :20
    ]
    return reverse("web:kiosk-point", kwargs={"code": code}) if code else reverse("web:kiosk")


@register.simple_tag(takes_context=True)
def kiosk_idle(context: template.Context) -> bool:
    """Whether this kiosk page has something to forget: any page but the home screen, or the home
    screen while someone is signed in or has looked a case up."""
    from yichuang.web.views.kiosk import CITIZEN_KEY

    request = context.get("request")
    if request is None:
        return False
    match = getattr(request, "resolver_match", None)
    at_home = match is not None and match.url_name in ("kiosk", "kiosk-point")
    session = getattr(request, "session", None)
    busy = session is not None and (session.get("web_tracked") or session.get(CITIZEN_KEY))
    return bool(not at_home or busy or context.get("LANGUAGE_CODE", "zh-hans") != "zh-hans")


@register.simple_tag
def kiosk_idle_seconds() -> int:
    from django.conf import settings

    return int(getattr(settings, "KIOSK_IDLE_SECONDS", 120))


@register.filter
def described(field: Any) -> str:
    """The field's widget tied to its help text and its errors (``aria-describedby``), marked
    ``aria-invalid`` when it has errors: a screen reader says the error with the field, and the
    error sits beside the field rather than only in the banner at the top (``web/_field.html``)."""
    base = field.id_for_label
    ids = [f"{base}-help"] if field.help_text else []
    attrs: dict[str, str] = {}
    if field.errors:
        attrs["aria-invalid"] = "true"
        ids.append(f"{base}-errors")
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    widget: str = field.as_widget(attrs=attrs)  # already safe: Django rendered and escaped it
    return widget
