"""办理情形: the situations of an item (首次申领 / 换领 / 补领 …), each changing the material list.

A situation's rules name materials of its own item with an effect:

- ``add`` (本情形需要): required in this situation; and a material some situation adds (or makes
  optional) is asked only in the situations that name it — absent from every other;
- ``drop`` (本情形不需要): the material is not asked in this situation;
- ``optional`` (本情形可不提交): asked, but not required, in this situation.

A material no rule names is asked as the item defines it. An item without situations, or an
application that names none (the window's habit until now), asks every material as before. The
situations travel in the item version's snapshot (``situations``, only when the item has some), and
``requirements_for`` reads that snapshot, so a case is checked under the rules of the version it was
accepted under.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yichuang.common.errors import Invalid


class MaterialEffect(models.TextChoices):
    ADD = "add", gettext_lazy("本情形需要")
    DROP = "drop", gettext_lazy("本情形不需要")
    OPTIONAL = "optional", gettext_lazy("本情形可不提交")


class Situation(models.Model):
    """One 办理情形 of an item: a question the applicant answers (首次申领 …) and how it changes the
    materials (``SituationMaterial``)."""

    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=gettext_lazy("事项"),
        on_delete=models.CASCADE,
        related_name="situations",
    )
    code = models.SlugField(
        gettext_lazy("情形编码"),
        max_length=30,
        help_text=gettext_lazy("字母、数字、下划线，如 first、renew；同一事项内唯一。"),
    )
    name = models.CharField(gettext_lazy("情形名称"), max_length=60, help_text=gettext_lazy("如：首次申领"))
    description = models.CharField(
        gettext_lazy("情形说明"),
        max_length=200,
        blank=True,
        help_text=gettext_lazy("帮助申请人判断是否属于本情形，如：第一次申请本证件。"),
    )
    order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)

    class Meta:
        verbose_name = gettext_lazy("办理情形")
        verbose_name_plural = gettext_lazy("办理情形")
        ordering = ["item", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="situation_code_per_item")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class SituationMaterial(models.Model):
    situation = models.ForeignKey(
        Situation, verbose_name=gettext_lazy("办理情形"), on_delete=models.CASCADE, related_name="rules"
    )
    material = models.ForeignKey(
        "catalog.MaterialRequirement",
        verbose_name=gettext_lazy("材料"),
        on_delete=models.CASCADE,
        related_name="situation_rules",
    )
    effect = models.CharField(gettext_lazy("本情形下"), max_length=10, choices=MaterialEffect.choices)

    class Meta:
        verbose_name = gettext_lazy("情形材料")
        verbose_name_plural = gettext_lazy("情形材料")
        constraints = [
            models.UniqueConstraint(fields=["situation", "material"], name="situation_material_once")
        ]

    def __str__(self) -> str:
        return f"{self.situation_id} {self.material_id} {self.effect}"

    def clean(self) -> None:
        if (
            self.situation_id is not None
            and self.material_id is not None
            and self.situation.item_id != self.material.item_id
        ):
            raise ValidationError({"material": _("只能选择本事项的材料。")})


# —— the snapshot and what a case asks ——


def situations_data(item_id: int) -> list[dict[str, Any]]:
    """The item's situations as JSON for its version's snapshot: code, name, description and the
    rules by material code."""
    rows = list(Situation.objects.filter(item_id=item_id).order_by("order", "id"))
    rules: dict[int, dict[str, str]] = {}
    for rule in SituationMaterial.objects.filter(situation__item_id=item_id).select_related("material"):
        rules.setdefault(rule.situation_id, {})[rule.material.code] = rule.effect
    return [
        {
            "code": row.code,
            "name": row.name,
            "description": row.description,
            "materials": dict(sorted(rules.get(row.pk, {}).items())),
        }
        for row in rows
    ]


def find_situation(snapshot: Mapping[str, Any], code: str) -> dict[str, Any] | None:
    for situation in snapshot.get("situations") or []:
        if situation["code"] == code:
            return dict(situation)
    return None


def requirements_for(snapshot: Mapping[str, Any], code: str = "") -> list[dict[str, Any]]:
    """The materials a case asks under situation ``code`` of the version ``snapshot``, in order, each
    a copy of the snapshot's entry with ``required`` as the situation makes it. ``code`` empty: every
    material, as the item defines it. An unknown code is ``Invalid`` (field ``situation``)."""
    materials: Sequence[Mapping[str, Any]] = snapshot.get("materials") or []
    if not code:
        return [dict(material) for material in materials]
    situation = find_situation(snapshot, code)
    if situation is None:
        known = "、".join(f"{s['code']}（{s['name']}）" for s in snapshot.get("situations") or [])
        message = (
            _("该事项没有办理情形“%(code)s”，可选：%(known)s。") % {"code": code, "known": known}
            if known
            else _("该事项未设办理情形，请不要填写情形。")
        )
        raise Invalid(_("办理情形有误。"), fields={"situation": [message]})
    added_anywhere = {
        material_code
        for other in snapshot.get("situations") or []
        for material_code, effect in other["materials"].items()
        if effect == MaterialEffect.ADD
    }
    rules: Mapping[str, str] = situation["materials"]
    chosen: list[dict[str, Any]] = []
    for material in materials:
        effect = rules.get(material["code"])
        if effect == MaterialEffect.DROP:
            continue
        if material["code"] in added_anywhere and effect not in (MaterialEffect.ADD, MaterialEffect.OPTIONAL):
            continue
        entry = dict(material)
        if effect == MaterialEffect.ADD:
            entry["required"] = True
        elif effect == MaterialEffect.OPTIONAL:
            entry["required"] = False
        chosen.append(entry)
    return chosen


def situation_name(snapshot: Mapping[str, Any], code: str) -> str:
    found = find_situation(snapshot, code) if code else None
    return str(found["name"]) if found else ""


# —— the item as it stands now (the guide, the API, the step form) ——


def _current(item_id: int) -> dict[str, Any]:
    from yichuang.catalog.models import MaterialRequirement

    rows = MaterialRequirement.objects.filter(item_id=item_id).select_related("license_type")
    return {
        "materials": [
            {"code": row.code, "name": row.name, "required": row.required, "row": row}
            for row in rows.order_by("order", "id")
        ],
        "situations": situations_data(item_id),
    }


def item_situations(item_id: int) -> list[dict[str, Any]]:
    """The item's situations now, each with the materials it asks (``materials``: the
    ``MaterialRequirement`` rows, ``required`` as the situation makes it)."""
    current = _current(item_id)
    return [
        {
            "code": situation["code"],
            "name": situation["name"],
            "description": situation["description"],
            "materials": [
                {"row": entry["row"], "required": entry["required"]}
                for entry in requirements_for(current, situation["code"])
            ],
        }
        for situation in current["situations"]
    ]


def materials_in_situation(item_id: int, code: str) -> list[tuple[Any, bool]]:
    """(material row, required) the item asks now under situation ``code`` (every material when
    empty; an unknown code is ``Invalid``)."""
    return [(entry["row"], entry["required"]) for entry in requirements_for(_current(item_id), code)]
