"""Our SMS templates mapped to the templates approved at a platform (模板编号与参数对照).

Alibaba Cloud and Tencent Cloud send only texts approved in advance, and fill the approved text
with variables of their own: named at Alibaba Cloud (``${item}``, given as the JSON object
``TemplateParam``), numbered at Tencent Cloud (``{1}``, ``{2}``…, given as the list
``TemplateParamSet``). For each of our template codes a platform needs its template number and which
of our placeholders fills which variable. Staff set it in the admin (``SmsProviderTemplate``) or the
deployment in the environment (``SMS_ALIYUN_TEMPLATES`` / ``SMS_TENCENT_TEMPLATES``, JSON); the
admin's row wins, so a mistake can be corrected without a restart.

The parameter grammar, the same in both places: a comma-separated list. Empty means "the
placeholders of our text in the order it uses them, under their own names" — exactly what a template
applied for with the text ``yichuang sms_templates`` prints. ``item,number`` names the placeholders
(for Tencent: ``{1}`` is item, ``{2}`` number). For Alibaba Cloud ``name=item`` fills the
platform's ``${name}`` with our ``item``.

A template with no mapping is a configuration error: the system check lists it before the platform
is used, and a message for it fails loudly (``TEMPLATE_NOT_MAPPED`` on the outbox row, an error in
the log) instead of vanishing.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from yichuang.notify.defaults import PLACEHOLDERS

#: The setting that holds each platform's mapping from the environment.
SETTINGS_NAMES = {"aliyun": "SMS_ALIYUN_TEMPLATES", "tencent": "SMS_TENCENT_TEMPLATES"}
_VARIABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,49}$")


class MappingError(ValueError):
    """A mapping that cannot be used; the text says what to write instead, in Chinese."""


class TemplateNotMapped(LookupError):
    def __init__(self, provider: str, template: str) -> None:
        super().__init__(f"短信模板 {template} 未对照{provider}的平台模板编号")
        self.provider = provider
        self.template = template


@dataclass(frozen=True)
class ProviderTemplate:
    """One approved platform template and what fills it: (platform variable, our placeholder) in order.
    For Tencent Cloud the variables are "1", "2", … ."""

    code: str
    slots: tuple[tuple[str, str], ...]
    source: str  # "admin" or "settings"

    def named(self, values: Mapping[str, str]) -> dict[str, str]:
        return {variable: str(values.get(placeholder, "")) for variable, placeholder in self.slots}

    def positional(self, values: Mapping[str, str]) -> list[str]:
        return [str(values.get(placeholder, "")) for _variable, placeholder in self.slots]


def placeholders_in(text: str) -> list[str]:
    """Our placeholders in ``text``, each once, in the order of their first use."""
    seen: dict[str, None] = {}
    for match in string.Template.pattern.finditer(text):
        name = match.group("named") or match.group("braced")
        if name in PLACEHOLDERS:
            seen.setdefault(name, None)
    return list(seen)


def parse_params(spec: Any, *, provider: str) -> tuple[tuple[str, str], ...] | None:
    """The slots that ``spec`` names, or None for the default. Raises ``MappingError``."""
    if spec is None or spec == "" or spec == []:
        return None
    if isinstance(spec, dict):
        if provider != "aliyun":
            raise MappingError("腾讯云模板的变量按顺序编号，参数对照请写成列表，如 item,number。")
        entries = [f"{variable}={placeholder}" for variable, placeholder in spec.items()]
    elif isinstance(spec, list | tuple):
        entries = [str(entry) for entry in spec]
    elif isinstance(spec, str):
        entries = [part for part in re.split(r"[,，]", spec)]
    else:
        raise MappingError("参数对照应为逗号分隔的占位符名，如 item,number。")
    slots: list[tuple[str, str]] = []
    for position, raw in enumerate(entries, start=1):
        entry = raw.strip()
        if not entry:
            raise MappingError("参数对照中有空项（多了一个逗号？）。")
        variable, _sep, placeholder = entry.rpartition("=")
        variable, placeholder = variable.strip(), placeholder.strip()
        if placeholder not in PLACEHOLDERS:
            raise MappingError(f"“{placeholder}”不是短信占位符；可用：{'、'.join(PLACEHOLDERS)}。")
        if provider == "tencent":
            if variable:
                raise MappingError(
                    "腾讯云模板的变量按 {1}、{2}… 顺序填写，参数对照只写占位符，如 item,number。"
                )
            variable = str(position)
        else:
            variable = variable or placeholder
            if not _VARIABLE.match(variable):
                raise MappingError(f"阿里云模板变量名“{variable}”应以字母开头，只含字母、数字和下划线。")
        if any(variable == known for known, _p in slots):
            raise MappingError(f"模板变量“{variable}”出现了两次。")
        slots.append((variable, placeholder))
    return tuple(slots)


def default_slots(text: str, *, provider: str) -> tuple[tuple[str, str], ...]:
    names = placeholders_in(text)
    if provider == "tencent":
        return tuple((str(position), name) for position, name in enumerate(names, start=1))
    return tuple((name, name) for name in names)


def settings_entries(provider: str) -> dict[str, tuple[str, Any]]:
    """The environment's mapping for ``provider``: template code → (platform code, params spec).
    Raises ``MappingError`` for an entry that is neither a code nor {"code", "params"}."""
    raw = getattr(settings, SETTINGS_NAMES[provider], None) or {}
    if not isinstance(raw, dict):
        raise MappingError(f'{SETTINGS_NAMES[provider]} 应为 JSON 对象：{{"模板编码": "平台模板编号", …}}。')
    entries: dict[str, tuple[str, Any]] = {}
    for template, value in raw.items():
        if isinstance(value, str | int) and not isinstance(value, bool):
            entries[str(template)] = (str(value).strip(), None)
        elif isinstance(value, dict) and isinstance(value.get("code"), str | int):
            entries[str(template)] = (str(value["code"]).strip(), value.get("params"))
        else:
            raise MappingError(
                f"{SETTINGS_NAMES[provider]} 中 {template} 的值应为平台模板编号，"
                '或 {"code": "平台模板编号", "params": "item,number"}。'
            )
        if not entries[str(template)][0]:
            raise MappingError(f"{SETTINGS_NAMES[provider]} 中 {template} 的平台模板编号为空。")
    return entries


def provider_template(*, provider: str, template: str) -> ProviderTemplate:
    """The platform template for one of our codes: the admin's row, else the environment's entry.
    Raises ``TemplateNotMapped`` (or ``MappingError`` for a broken entry)."""
    from yichuang.notify.models import SmsProviderTemplate
    from yichuang.notify.services import template_text

    row = SmsProviderTemplate.objects.filter(template__code=template, provider=provider).first()
    if row is not None:
        code, spec, source = row.provider_code, row.params, "admin"
    else:
        entry = settings_entries(provider).get(template)
        if entry is None:
            raise TemplateNotMapped(provider, template)
        (code, spec), source = entry, "settings"
    slots = parse_params(spec, provider=provider)
    if slots is None:
        slots = default_slots(template_text(template), provider=provider)
    return ProviderTemplate(code=code, slots=slots, source=source)


def unmapped_templates(provider: str) -> list[str]:
    """Every template code the platform may be asked to send that has no mapping (the check lists them)."""
    from yichuang.notify.defaults import DEFAULT_TEMPLATES
    from yichuang.notify.models import SmsProviderTemplate, SmsTemplate

    codes = set(DEFAULT_TEMPLATES) | set(SmsTemplate.objects.values_list("code", flat=True))
    mapped: set[str] = set(
        SmsProviderTemplate.objects.filter(provider=provider).values_list("template__code", flat=True)
    )
    mapped |= set(settings_entries(provider))
    return sorted(codes - mapped)
