"""在线办理 on the phone pages: the step form 情形 → 信息 → 材料 → 领取方式 → 确认, one step at a time on
the citizen's draft (``citizens.drafts``, the same ``ApplicationDraft`` the API keeps), resumable from
我的办件.

Each step checks what it takes where the rule lives: the point offers the item (``catalog.selectors``),
the application form's fields (``catalog.forms.form_validate``), the files are his own uploads
(``files``), a commitment only where the material allows one. Sending goes through
``citizens.services.citizen_apply`` — the checks of ``POST /api/v1/citizen/applications/`` — which
removes the draft in the transaction that writes the case, so a refused application keeps it whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.cases.models import Case
from yichuang.cases.services import MaterialInput
from yichuang.catalog.models import ItemStatus, MaterialRequirement, ServiceItem
from yichuang.catalog.selectors import form_fields_for, point_offers
from yichuang.catalog.situations import item_situations, materials_in_situation
from yichuang.citizens import services
from yichuang.citizens.drafts import drafts_of
from yichuang.citizens.models import ApplicationDraft, Citizen, DraftStep
from yichuang.common.errors import Invalid
from yichuang.files.models import StoredFile
from yichuang.files.selectors import files_for
from yichuang.org.models import ServicePoint

#: How many files one material may carry (a few photographed pages).
MAX_FILES_PER_MATERIAL = 10


def commitment_text(material: MaterialRequirement) -> str:
    """The commitment (告知承诺书) the citizen signs instead of supplying ``material``: the notice and
    the promise of the 告知承诺书 the window prints (``documents.render.commitment``), for one paper."""
    return _(
        "行政机关告知：对“%(material)s”实行证明事项告知承诺制，申请人书面承诺已经符合告知的条件、"
        "标准和要求的，不再索要该证明，依据书面承诺办理。办理后将对承诺内容进行核查；发现承诺不实的，"
        "责令限期整改，逾期不整改或者整改后仍不符合条件的，依法撤销相关决定，并记入信用记录。\n"
        "申请人承诺：本人已经知晓上述告知的全部内容，承诺所填写的信息和提供的情况真实、准确、完整，"
        "已经符合告知的条件、标准和要求，愿意承担不实承诺的法律责任。"
    ) % {"material": material.name}


def draft_by_id(*, citizen: Citizen, pk: int) -> ApplicationDraft:
    """His draft ``pk``; anyone else's answers like a missing one (404)."""
    draft = drafts_of(citizen).filter(pk=pk).first()
    if draft is None:
        raise exceptions.NotFound(_("没有找到这份草稿。"))
    return draft


def draft_point(draft: ApplicationDraft) -> ServicePoint | None:
    if not draft.point:
        return None
    return ServicePoint.objects.filter(code=draft.point).first()


def _require_verified(citizen: Citizen) -> None:
    if not citizen.verified:
        raise exceptions.PermissionDenied(_("请先完成实名认证，再申请办理。"))


@transaction.atomic
def draft_open(*, citizen: Citizen, item: ServiceItem) -> ApplicationDraft:
    """The draft for ``item``: his earlier one (resumed where he left it) or a new one."""
    _require_verified(citizen)
    if item.status != ItemStatus.PUBLISHED:
        raise Invalid(_("该事项暂不能网上办理。"), fields={"item": [_("事项未发布。")]})
    draft, _created = ApplicationDraft.objects.get_or_create(citizen=citizen, item=item)
    return draft


def _advance(draft: ApplicationDraft, step: str) -> None:
    order = list(DraftStep.values)
    if order.index(step) > order.index(draft.step):
        draft.step = step


@transaction.atomic
def draft_choose_point(*, draft: ApplicationDraft, point_code: str, situation: str = "") -> ApplicationDraft:
    """情形: which of the item's 办理情形 he is in (when it has some), and where the application is
    handled (and its result handed out)."""
    errors: dict[str, list[str]] = {}
    situations = item_situations(draft.item_id)
    code = (situation or "").strip()[:30]
    if situations and code not in {s["code"] for s in situations}:
        errors["situation"] = [_("请选择您的办理情形。")]
    point = ServicePoint.objects.filter(code=(point_code or "")[:20], active=True).first()
    if point is None or not point_offers(point, draft.item):
        errors["point"] = [_("请选择办理地点。")]
    if errors or point is None:
        message = (
            _("请选择您的办理情形。") if "situation" in errors else _("请选择一个可以办理该事项的服务点。")
        )
        raise Invalid(message, fields=errors)
    draft.situation = code if situations else ""
    draft.point = point.code
    _advance(draft, DraftStep.INFO)
    draft.save()
    return draft


@transaction.atomic
def draft_fill_form(*, draft: ApplicationDraft, values: Mapping[str, Any]) -> ApplicationDraft:
    """信息: the item's application form (申请表), checked field by field (``form_validate``: 422 with
    ``form.<key>``); the applicant himself is his bound identity. Nothing is kept when a field is wrong."""
    from yichuang.catalog.forms import form_validate

    _require_verified(draft.citizen)
    draft.form = form_validate(item=draft.item, data=values)
    _advance(draft, DraftStep.MATERIALS)
    draft.save()
    return draft


def draft_materials(draft: ApplicationDraft) -> list[tuple[MaterialRequirement, bool]]:
    """(material, required) the draft's 办理情形 asks (every material of an item without situations)."""
    try:
        return materials_in_situation(draft.item_id, draft.situation)
    except Invalid:  # a situation staff removed since: every material, until he chooses again
        return materials_in_situation(draft.item_id, "")


def _requirement(draft: ApplicationDraft, code: str) -> MaterialRequirement:
    found = next((row for row, _required in draft_materials(draft) if row.code == code), None)
    if found is None:
        raise Invalid(_("该事项没有这项材料。"), fields={"material": [_("没有这项材料。")]})
    return found


def _file_ids(draft: ApplicationDraft) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for row in draft.materials or []:
        if isinstance(row, dict) and row.get("requirement"):
            ids.setdefault(str(row["requirement"]), []).extend(str(f) for f in row.get("files", []))
    return ids


def _set_file_ids(draft: ApplicationDraft, ids: Mapping[str, list[str]]) -> None:
    draft.materials = [{"requirement": code, "files": files} for code, files in ids.items() if files]


@transaction.atomic
def draft_add_files(*, draft: ApplicationDraft, code: str, uploads: Iterable[Any]) -> list[StoredFile]:
    """Store the citizen's uploads for material ``code`` (checked by content in ``files``); one refusal
    stores none of them. A paper uploaded replaces the commitment for it."""
    _requirement(draft, code)
    chosen = list(uploads)
    if not chosen:
        raise Invalid(_("请选择要上传的文件。"), fields={f"upload_{code}": [_("请选择文件。")]})
    ids = _file_ids(draft)
    if len(ids.get(code, [])) + len(chosen) > MAX_FILES_PER_MATERIAL:
        raise Invalid(
            _("每项材料最多上传%(n)d个文件。") % {"n": MAX_FILES_PER_MATERIAL},
            fields={f"upload_{code}": [_("文件太多。")]},
        )
    stored = [services.file_store_for(citizen=draft.citizen, upload=upload) for upload in chosen]
    ids[code] = [*ids.get(code, []), *(str(s.pk) for s in stored)]
    _set_file_ids(draft, ids)
    draft.commitments = [c for c in draft.commitments or [] if c != code]
    draft.save()
    return stored


@transaction.atomic
def draft_remove_file(*, draft: ApplicationDraft, code: str, file_id: str) -> ApplicationDraft:
    ids = _file_ids(draft)
    ids[code] = [f for f in ids.get(code, []) if f != file_id]
    _set_file_ids(draft, ids)
    draft.save()
    return draft


@transaction.atomic
def draft_set_commitments(*, draft: ApplicationDraft, codes: Iterable[str]) -> ApplicationDraft:
    """告知承诺 signed online for ``codes``: only materials that allow it."""
    wanted = list(dict.fromkeys(codes))
    allowed = {row.code for row, _required in draft_materials(draft) if row.commitment_allowed}
    refused = [c for c in wanted if c not in allowed]
    if refused:
        raise Invalid(
            _("这些材料不能以告知承诺代替：%(codes)s。") % {"codes": "、".join(refused)},
            fields={"commitments": [_("不能承诺代替。")]},
        )
    draft.commitments = wanted
    _advance(draft, DraftStep.DELIVERY)
    draft.save()
    return draft


@transaction.atomic
def draft_set_delivery(*, draft: ApplicationDraft, method: str, address: str = "") -> ApplicationDraft:
    """领取方式: pickup at the point, or by post to ``address``."""
    clean = (address or "").replace("\x00", "").strip()[:200]
    if method not in services.DELIVERY_WORDS:
        raise Invalid(_("请选择领取方式。"), fields={"delivery_method": [_("请选择领取方式。")]})
    if method == "mail" and len(clean) < 6:
        raise Invalid(
            _("邮寄送达请填写收件地址。"), fields={"delivery_address": [_("请填写详细的收件地址。")]}
        )
    draft.delivery = {"method": method, "address": clean if method == "mail" else ""}
    _advance(draft, DraftStep.CONFIRM)
    draft.save()
    return draft


def draft_files(draft: ApplicationDraft) -> dict[str, list[StoredFile]]:
    """The draft's files that are still his, by material code, in upload order."""
    ids = _file_ids(draft)
    wanted: list[uuid.UUID] = []
    for values in ids.values():
        for raw in values:
            try:
                wanted.append(uuid.UUID(raw))
            except ValueError:
                continue
    found = {str(f.pk): f for f in files_for(draft.citizen).filter(pk__in=wanted)} if wanted else {}
    return {code: [found[i] for i in values if i in found] for code, values in ids.items() if values}


def draft_submit(*, draft: ApplicationDraft) -> Case:
    """Send the draft as an online application (``citizen_apply``, which removes the draft with the
    same transaction); a second click finds no draft (404) and makes no second case."""
    with transaction.atomic():
        locked = (
            ApplicationDraft.objects.select_for_update(of=("self",))
            .select_related("citizen", "item")
            .filter(pk=draft.pk, citizen=draft.citizen)
            .first()
        )
        if locked is None:  # sent already (a second click), or discarded
            raise exceptions.NotFound(_("这份申请已经提交或已删除。"))
        point = draft_point(locked)
        if point is None:
            raise Invalid(_("请先选择办理地点。"), fields={"point": [_("请选择办理地点。")]})
        method = str((locked.delivery or {}).get("method") or "")
        if not method:
            raise Invalid(_("请选择领取方式。"), fields={"delivery_method": [_("请选择领取方式。")]})
        # only the papers his 办理情形 asks: a photo taken before he changed his situation stays behind
        asked = {row.code for row, _required in draft_materials(locked)}
        materials = [
            MaterialInput(requirement=code, files=files)
            for code, files in draft_files(locked).items()
            if files and code in asked
        ]
        return services.citizen_apply(
            citizen=locked.citizen,
            item=locked.item,
            point=point,
            materials=materials,
            commitments=[c for c in locked.commitments or [] if c in asked],
            situation=locked.situation,
            delivery_method=method,
            delivery_address=str((locked.delivery or {}).get("address") or ""),
            # items without a form take none (a paper form, as at the window); else what 信息 checked
            form=dict(locked.form or {}) if form_fields_for(locked.item) else None,
        )
