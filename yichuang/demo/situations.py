"""The demo's 办理情形 and its blank forms and samples (空白表格/示范文本).

Two items ask different papers by situation: 老年人优待证办理 (首次申领 / 换领 / 补领: the old card only
when renewing or replacing it) and 独生子女父母光荣证发放 (首次申领 / 补领: a replacement needs neither
the marriage certificate nor the commitment, but the lost card's statement). The items whose
application form the demo defines (``data/forms.py``) get a blank form and a filled sample of it, as PDFs
drawn here from the form's own fields, so the guide and the step form have something to download.
Staff do the same in the admin (事项 → 办理情形, 材料 → 空白表格/示例样表) or the workbook (sheet 办理情形).
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.base import ContentFile

from yichuang.catalog.models import MaterialRequirement, ServiceItem
from yichuang.catalog.situations import MaterialEffect, Situation, SituationMaterial
from yichuang.demo.data import forms as form_data

ADD, DROP = MaterialEffect.ADD, MaterialEffect.DROP

#: item name → (code, name, description, {material code: effect}) in order
SITUATIONS: dict[str, tuple[tuple[str, str, str, dict[str, str]], ...]] = {
    "老年人优待证办理": (
        ("first", "首次申领", "第一次办理老年人优待证。", {}),
        ("renew", "换领", "优待证破损、信息变更或到期换发，交回原证。", {"M080": ADD}),
        ("reissue", "补领", "优待证遗失，提供遗失情况说明。", {"M080": ADD}),
    ),
    "独生子女父母光荣证发放": (
        ("first", "首次申领", "第一次申领独生子女父母光荣证。", {}),
        (
            "reissue",
            "补领",
            "光荣证遗失或损毁，已登记过的无需再交结婚证和承诺书。",
            {"M080": ADD, "M003": DROP, "M031": DROP},
        ),
    ),
}

#: example values of the sample (示范文本) by field kind, when the field has no choices
EXAMPLES = {
    "text": "张三",
    "id_number": "411502195001011234",
    "phone": "13800000000",
    "address": "信阳市浉河区某某镇某某村某组8号",
    "date": "2026年12月1日",
    "number": "1",
}


def load_situations(items: dict[str, ServiceItem]) -> int:
    """Each listed item gets exactly these situations and rules (matched by code)."""
    count = 0
    for name, specs in SITUATIONS.items():
        item = items.get(name)
        if item is None:
            continue
        materials = {m.code: m for m in MaterialRequirement.objects.filter(item=item)}
        keep: list[int] = []
        for order, (code, label, description, rules) in enumerate(specs, start=1):
            situation, _created = Situation.objects.update_or_create(
                item=item, code=code, defaults={"name": label, "description": description, "order": order}
            )
            SituationMaterial.objects.filter(situation=situation).delete()
            SituationMaterial.objects.bulk_create(
                SituationMaterial(situation=situation, material=materials[material], effect=effect)
                for material, effect in rules.items()
                if material in materials
            )
            keep.append(situation.pk)
            count += 1
        Situation.objects.filter(item=item).exclude(pk__in=keep).delete()
    return count


def _form_pdf(title: str, fields: Any, *, sample: bool) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from yichuang.documents.fonts import register_pdf_font

    font = register_pdf_font()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    page.setTitle(f"{title}（{'示范文本' if sample else '空白表格'}）")
    page.setFont(font, 18)
    page.drawCentredString(width / 2, height - 30 * mm, title)
    if sample:
        page.setFont(font, 11)
        page.setFillColorRGB(0.75, 0.1, 0.1)
        page.drawCentredString(width / 2, height - 38 * mm, "示范文本 · 仅供参考，请按本人实际情况填写")
        page.setFillColorRGB(0, 0, 0)
    top = height - 50 * mm
    row_height = 12 * mm
    left, split, right = 20 * mm, 70 * mm, width - 20 * mm
    page.setFont(font, 11)
    for index, field in enumerate(fields):
        y = top - index * row_height
        page.rect(left, y - row_height, right - left, row_height)
        page.line(split, y, split, y - row_height)
        page.drawString(left + 3 * mm, y - 7.5 * mm, field.label + ("" if field.required else "（选填）"))
        if sample:
            value = field.choices[0] if field.choices else EXAMPLES.get(field.kind, "")
            page.setFillColorRGB(0.1, 0.2, 0.6)
            page.drawString(split + 3 * mm, y - 7.5 * mm, str(value))
            page.setFillColorRGB(0, 0, 0)
    bottom = top - len(fields) * row_height - 15 * mm
    page.drawString(left, bottom, "申请人（签名或按手印）：" + ("张三" if sample else "") + "　　　　日期：")
    page.showPage()
    page.save()
    return buffer.getvalue()


def load_material_files(items: dict[str, ServiceItem], form_codes: dict[str, str]) -> int:
    """A blank form and a sample for the application form (material ``form_codes[name]``) of each item
    with a demo form; an item that has them already keeps its files."""
    count = 0
    for name, fields in form_data.FORMS.items():
        item = items.get(name)
        code = form_codes.get(name)
        if item is None or code is None:
            continue
        material = MaterialRequirement.objects.filter(item=item, code=code).first()
        if material is None or (material.blank_form and material.sample):
            continue
        if not material.blank_form:
            material.blank_form.save(
                f"{code}-blank.pdf", ContentFile(_form_pdf(material.name, fields, sample=False)), save=False
            )
        if not material.sample:
            material.sample.save(
                f"{code}-sample.pdf", ContentFile(_form_pdf(material.name, fields, sample=True)), save=False
            )
        material.save(update_fields=["blank_form", "sample"])
        count += 1
    return count
