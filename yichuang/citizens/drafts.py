"""Drafts of online applications (草稿): reads and writes. A citizen keeps one draft per item while he
fills the steps on his phone; applying for the item removes it (``citizen_apply``).

A draft is not an application: the item's rules (required materials, the form's fields) are checked
when he applies. What is checked here is only what keeps the row sane and private — the shape and
size of what he sends, that the point exists, and that every file he names is his own upload."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from yichuang.catalog.models import ItemStatus, ServiceItem
from yichuang.citizens.models import ApplicationDraft, Citizen
from yichuang.common.errors import Invalid
from yichuang.files.selectors import files_for
from yichuang.org.models import ServicePoint

#: A form is a handful of fields; these bounds keep a draft from being a place to store anything.
FORM_KEYS_MAX = 100
FORM_VALUE_MAX = 1000


def drafts_of(citizen: Citizen) -> QuerySet[ApplicationDraft]:
    return (
        ApplicationDraft.objects.filter(citizen=citizen).select_related("item").order_by("-updated_at", "-id")
    )


def draft_get(*, citizen: Citizen, item_code: str) -> ApplicationDraft:
    """His draft for the item; none (or anyone else's) answers 404."""
    draft = drafts_of(citizen).filter(item__code=item_code[:40]).first()
    if draft is None:
        raise NotFound(_("没有该事项的草稿。"))
    return draft


def draft_item(item_code: str) -> ServiceItem:
    """The published item a draft may be kept for (404 otherwise, as for its guide)."""
    item = ServiceItem.objects.filter(code=item_code[:40], status=ItemStatus.PUBLISHED).first()
    if item is None:
        raise NotFound(_("没有这个事项。"))
    return item


def _checked_form(form: Mapping[str, Any] | None) -> dict[str, Any]:
    if form is None:
        return {}
    errors: list[str] = []
    if len(form) > FORM_KEYS_MAX:
        errors.append(_("申请表的字段不能超过%(count)d个。") % {"count": FORM_KEYS_MAX})
    for key, value in form.items():
        if not isinstance(key, str) or not key or len(key) > 40:
            errors.append(_("字段标识“%(key)s”不正确。") % {"key": str(key)[:40]})
        elif value is not None and not isinstance(value, str | int | float | bool):
            errors.append(_("“%(key)s”的值应为文字或数字。") % {"key": key})
        elif isinstance(value, str) and len(value) > FORM_VALUE_MAX:
            errors.append(_("“%(key)s”的值过长。") % {"key": key})
    if errors:
        raise Invalid(_("草稿的申请表格式不正确。"), fields={"form": errors})
    return dict(form)


def _checked_materials(citizen: Citizen, materials: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    ids = [file_id for row in materials for file_id in row.get("files", [])]
    own = set(files_for(citizen).filter(pk__in=set(ids)).values_list("pk", flat=True)) if ids else set()
    lost = list(dict.fromkeys(str(file_id) for file_id in ids if file_id not in own))
    if lost:
        raise Invalid(
            _("文件不存在或无权使用。"),
            fields={"materials": [_("找不到文件：%(files)s") % {"files": ", ".join(lost)}]},
        )
    return [
        {"requirement": str(row["requirement"]), "files": [str(file_id) for file_id in row.get("files", [])]}
        for row in materials
    ]


@transaction.atomic
def draft_save(
    *,
    citizen: Citizen,
    item: ServiceItem,
    point: str = "",
    form: Mapping[str, Any] | None = None,
    materials: Sequence[Mapping[str, Any]] = (),
    commitments: Sequence[str] = (),
    delivery: Mapping[str, str] | None = None,
    situation: str = "",
) -> ApplicationDraft:
    """Keep what he has filled for ``item`` so far, replacing his earlier draft of it (the 办理情形 is
    kept as given: a draft is checked only when he applies)."""
    code = (point or "").strip()
    if code and not ServicePoint.objects.filter(code=code).exists():
        raise Invalid(_("没有这个服务点。"), fields={"point": [_("没有这个服务点。")]})
    method = str((delivery or {}).get("method") or "")
    if method not in ("", "pickup", "mail"):
        raise Invalid(
            _("领取方式应为 pickup（到点领取）或 mail（邮寄）。"),
            fields={"delivery.method": [_("领取方式不正确。")]},
        )
    values = {
        "point": code,
        "situation": (situation or "").strip()[:30],
        "form": _checked_form(form),
        "materials": _checked_materials(citizen, materials),
        "commitments": [str(code) for code in commitments],
        "delivery": {
            "method": method,
            "address": str((delivery or {}).get("address") or ""),
        },
    }
    draft, _created = ApplicationDraft.objects.update_or_create(citizen=citizen, item=item, defaults=values)
    return draft


def draft_discard(*, citizen: Citizen, item: ServiceItem) -> int:
    """Remove his draft of ``item`` (he discards it, or has just applied); how many were removed."""
    removed, _kinds = ApplicationDraft.objects.filter(citizen=citizen, item=item).delete()
    return removed
