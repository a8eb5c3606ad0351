"""Checking a filled application form (申请表) against the fields staff defined for the item.

``form_validate`` is pure: it reads the item's fields (``form_fields_for``, kept in memory) and the
values given, and returns the cleaned values or raises ``Invalid`` naming every field at fault under
``form.<key>`` (the path of the value in the request body, like ``applicant.name``), so a page can
put each message beside its input. Nothing is stored here: the services that take an application
call it before they write anything.

What each kind accepts, and what it returns (JSON values, so a case can keep them as they are):

- text, address: a string, stripped, at most ``max_length`` characters (500 when not set);
- number: a number or a string of one (full-width digits count), within ``min``..``max``; an
  integer when it is whole, otherwise a decimal string with its digits as typed (no float rounding);
- date: ``YYYY-MM-DD``, returned the same way;
- choice: one of the field's choices;
- id_number: a resident ID with a correct GB 11643 check digit (``common.identity``), upper-case X;
- phone: a mainland mobile number, 11 digits without prefix or separators.

A value left blank (``None``, an empty or blank string) is left out of the result, or reported when
the field is required. Keys the item does not define are ignored, as DRF ignores unknown fields: a
form kept as a draft may hold a field staff removed since.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _

from yichuang.catalog.models import FormField, FormFieldKind, ServiceItem
from yichuang.catalog.selectors import form_fields_for
from yichuang.common.errors import Invalid
from yichuang.common.identity import mask_phone, mask_resident_id, validate_mobile, validate_resident_id

#: The longest text a field takes when staff set no limit: a form is not a document store.
TEXT_LIMIT = 500
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

FormValue = str | int


def form_validate(*, item: ServiceItem, data: Mapping[str, Any] | None) -> dict[str, FormValue]:
    """The cleaned values of ``data`` for ``item``'s form, in the form's order; ``Invalid`` (422)
    with a Chinese message per field at fault otherwise."""
    fields = form_fields_for(item)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise Invalid(_("申请表应为一个对象（字段标识 → 填写的值）。"), fields={"form": [_("格式不正确。")]})
    cleaned: dict[str, FormValue] = {}
    errors: dict[str, list[str]] = {}
    for field in fields:
        raw = data.get(field.key)
        if _blank(raw):
            if field.required:
                errors[f"form.{field.key}"] = [_("请填写%(label)s。") % {"label": field.label}]
            continue
        try:
            cleaned[field.key] = _clean(field, raw)
        except ValueError as exc:
            errors[f"form.{field.key}"] = [str(exc)]
    if errors:
        raise Invalid(_("申请表填写有误，请按提示修改。"), fields=errors, code="form_invalid")
    return cleaned


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _text(raw: Any, field: FormField) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ValueError(_("%(label)s应填写文字。") % {"label": field.label})
    return unicodedata.normalize("NFC", str(raw)).strip()


def _clean(field: FormField, raw: Any) -> FormValue:
    kind = field.kind
    if kind in (FormFieldKind.TEXT, FormFieldKind.ADDRESS):
        text = _text(raw, field)
        limit = field.max_length or TEXT_LIMIT
        if len(text) > limit:
            raise ValueError(
                _("%(label)s不能超过%(limit)d个字（现为%(length)d个）。")
                % {"label": field.label, "limit": limit, "length": len(text)}
            )
        return text
    if kind == FormFieldKind.NUMBER:
        return _number(field, raw)
    if kind == FormFieldKind.DATE:
        text = _text(raw, field)
        try:
            if not _DATE.match(text):
                raise ValueError(text)
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(_("%(label)s应为日期，格式如 2024-01-31。") % {"label": field.label}) from None
    if kind == FormFieldKind.CHOICE:
        text = _text(raw, field)
        choices = [str(choice).strip() for choice in field.choices or []]
        if text not in choices:
            raise ValueError(
                _("%(label)s请从以下选项中选择：%(choices)s。")
                % {"label": field.label, "choices": "、".join(choices)}
            )
        return text
    if kind == FormFieldKind.ID_NUMBER:
        return _checked(validate_resident_id, _text(raw, field), field)
    if kind == FormFieldKind.PHONE:
        return _checked(validate_mobile, _text(raw, field), field)
    raise ValueError(_("%(label)s的字段类型未知，请联系管理员。") % {"label": field.label})


def _checked(validator: Any, text: str, field: FormField) -> str:
    try:
        value: str = validator(text)
    except DjangoValidationError as exc:
        raise ValueError(
            _("%(label)s：%(reason)s") % {"label": field.label, "reason": "".join(exc.messages)}
        ) from None
    return value


def _number(field: FormField, raw: Any) -> FormValue:
    wrong = ValueError(_("%(label)s应填写数字。") % {"label": field.label})
    if isinstance(raw, bool):
        raise wrong
    try:
        if isinstance(raw, int | float):
            value = Decimal(str(raw))
        elif isinstance(raw, str):
            value = Decimal(unicodedata.normalize("NFKC", raw).strip().replace(",", ""))
        else:
            raise wrong
    except InvalidOperation:
        raise wrong from None
    if not value.is_finite():
        raise wrong
    if field.min is not None and value < field.min:
        raise ValueError(_("%(label)s不能小于%(min)s。") % {"label": field.label, "min": _plain(field.min)})
    if field.max is not None and value > field.max:
        raise ValueError(_("%(label)s不能大于%(max)s。") % {"label": field.label, "max": _plain(field.max)})
    if abs(value) >= Decimal(10) ** 15:
        raise ValueError(_("%(label)s数值过大。") % {"label": field.label})
    if value == value.to_integral_value():
        return int(value)
    return _plain(value)


def _plain(value: Decimal) -> str:
    """12.50 → "12.5", 1E+2 → "100": the digits a person reads, without exponent."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def mask_value(kind: str, value: Any) -> Any:
    """A filled value as lists and roles that do not need it see it: ID numbers and phones masked."""
    if kind == FormFieldKind.ID_NUMBER:
        return mask_resident_id(str(value))
    if kind == FormFieldKind.PHONE:
        return mask_phone(str(value))
    return value
