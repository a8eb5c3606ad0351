"""Model fields that keep personal data sealed at rest while the code keeps reading plain values.

``SealedCharField`` seals on save and opens on read (``from_db_value``), so ``case.applicant_phone`` is
the number in Python and ciphertext in the database. Equality look-ups still read as before —
``Citizen.objects.filter(phone=number)``, ``get_or_create(phone=…)`` — because the field answers
``exact`` and ``in`` on its ``BlindIndexField`` (the keyed SM3 index beside it); any other look-up
(``contains``, ``startswith``, ordering by the value) is refused loudly, since ciphertext cannot answer it.

The index is computed in ``pre_save`` (so ``save()`` and ``bulk_create`` keep it right); code that
writes with ``update_fields`` or ``bulk_update`` names the index too (``sealed_fields_with_index``).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models import lookups
from django.db.models.expressions import Col

from yichuang.pii.cipher import NONCE_BYTES, TAG_BYTES, blind_index, is_sealed, seal, unseal


def sealed_length(chars: int) -> int:
    """The column length a sealed value of at most ``chars`` characters needs: every character up to 4
    bytes of UTF-8 (a Chinese one is 3), plus the nonce and the tag, in unpadded base64 (4 characters
    for 3 bytes), behind the ``s1.<key id>.`` header (32 allowed for it). A 200-character address
    seals to about 850 characters: a column sized for the plain text cuts it off on PostgreSQL."""
    body = NONCE_BYTES + 4 * chars + TAG_BYTES
    return 32 + -(-body * 4 // 3)


class SealedCharField(models.CharField[str, str]):
    """A short text sealed with SM4-GCM; ``index`` names the ``BlindIndexField`` for look-ups."""

    description = "Sealed personal data (SM4-GCM)"

    def __init__(self, *args: Any, index: str | None = None, **kwargs: Any) -> None:
        self.index_name = index
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.index_name:
            kwargs["index"] = self.index_name
        return name, path, args, kwargs

    @property
    def context(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return value if value is None else unseal(value, context=self.context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or is_sealed(value):
            return value
        return seal(str(value), context=self.context)

    def get_lookup(self, lookup_name: str) -> Any:
        return {"exact": SealedExact, "iexact": SealedExact, "in": SealedIn, "isnull": lookups.IsNull}.get(
            lookup_name
        ) or _refused(self, lookup_name)

    def get_transform(self, name: str) -> Any:
        return None

    def index_field(self) -> BlindIndexField:
        if not self.index_name:
            raise FieldError(
                f"{self.context} 是加密字段，没有查询索引，不能按值查找。{self.context} has no look-up index."
            )
        field = self.model._meta.get_field(self.index_name)
        assert isinstance(field, BlindIndexField)
        return field


def _refused(field: SealedCharField, lookup_name: str) -> Any:
    raise FieldError(
        f"{field.context} 是加密字段，只能按整值查找（exact/in），不支持 {lookup_name}。"
        f"A sealed field answers only exact and in look-ups."
    )


def _on_index(lhs: Any) -> tuple[Col, SealedCharField]:
    field = lhs.output_field
    if not isinstance(lhs, Col) or not isinstance(field, SealedCharField):
        raise FieldError("加密字段只能直接按列查找。A sealed field is looked up by its column only.")
    index = field.index_field()
    return Col(lhs.alias, index), field


class _SealedWhole(SealedCharField):
    """A value sealed whole in a text column: no length, no index, every look-up but ``isnull``
    refused (ciphertext answers none). The free text and the JSON fields below share it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", None)
        super().__init__(*args, **kwargs)

    def get_internal_type(self) -> str:
        return "TextField"

    def get_lookup(self, lookup_name: str) -> Any:
        return {"isnull": lookups.IsNull}.get(lookup_name) or _refused(self, lookup_name)


class SealedTextField(_SealedWhole):
    """Free text in which people speak — what a caller told 12345, the answer he was given, a rating's
    comment — sealed whole: such text often carries a phone number, an ID number or an address ("我的
    电话是…"), which no mask on a screen reaches once it sits plain in the database. Never searchable
    (every look-up but ``isnull`` is refused), like ``SealedJSONField``."""

    description = "Sealed free text (SM4-GCM)"

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        from django import forms

        kwargs.setdefault("widget", forms.Textarea)
        return super().formfield(form_class=form_class, choices_form_class=choices_form_class, **kwargs)


class SealedJSONField(_SealedWhole):
    """A JSON value (a filled application form, a draft's delivery wish) that may hold ID numbers,
    phones and addresses, sealed whole as its JSON text: read as the dict or list it was, never
    searchable (no index; every look-up but ``isnull`` is refused). ``reseal`` and the data
    migrations treat it as any sealed column, since the column holds one sealed string."""

    description = "Sealed personal data as JSON (SM4-GCM)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        text = unseal(value, context=self.context)
        return json.loads(text) if text else None

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and not is_sealed(value):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None or (isinstance(value, str) and is_sealed(value)):
            return value
        return seal(json.dumps(value, ensure_ascii=False, sort_keys=True), context=self.context)

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, sort_keys=True)


class SealedExact(lookups.Exact):  # type: ignore[type-arg]
    def __init__(self, lhs: Any, rhs: Any) -> None:
        col, field = _on_index(lhs)
        super().__init__(col, "" if rhs in (None, "") else blind_index(str(rhs), context=field.context))


class SealedIn(lookups.In):  # type: ignore[type-arg]
    def __init__(self, lhs: Any, rhs: Any) -> None:
        col, field = _on_index(lhs)
        super().__init__(col, [blind_index(str(v), context=field.context) for v in rhs])


class BlindIndexField(models.CharField[str, str]):
    """HMAC-SM3 of the sealed field ``source`` (64 hex digits, '' for an empty value), kept by ``pre_save``."""

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("blank", True), ("default", ""), ("editable", False)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def compute(self, instance: models.Model) -> str:
        sealed = instance._meta.get_field(self.source)
        assert isinstance(sealed, SealedCharField)
        return blind_index(getattr(instance, self.source) or "", context=sealed.context)

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.compute(model_instance)
        setattr(model_instance, self.attname, value)
        return value


def sealed_fields(model: type[models.Model]) -> list[SealedCharField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, SealedCharField)]


def sealed_fields_with_index(model: type[models.Model], *names: str) -> list[str]:
    """``names`` and the index of each sealed one, for ``update_fields`` and ``bulk_update``."""
    out = list(names)
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, SealedCharField) and field.index_name:
            out.append(field.index_name)
    return out
