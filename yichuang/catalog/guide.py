"""The service guide (办事指南): an item's elements told in plain Chinese (seed 003: 口语化、简易化)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yichuang.catalog.models import Audience, MaterialForm, MaterialRequirement, ServiceItem
from yichuang.org.models import ServicePoint

VISITS = {0: "不用跑，网上或代办员代办即可", 1: "最多跑一次", 2: "最多跑两次"}
DEPTH = {
    1: "一星：网上可查办事指南",
    2: "二星：可网上下载表格",
    3: "三星：可网上申报、预审",
    4: "四星：全程网上办理",
}
WHO = {
    Audience.PERSON: "个人（自然人）",
    Audience.ORGANIZATION: "企业和其他组织（法人）",
    Audience.BOTH: "个人、企业和其他组织",
}


@dataclass(frozen=True)
class GuideSection:
    title: str
    text: str


def material_line(number: int, material: MaterialRequirement, supplement_days: int) -> str:
    form = MaterialForm(material.form).label
    parts = [f"{number}. {material.name}（{form}，{material.copies}份）"]
    if not material.required:
        parts.append("非必需，有则提供")
    if material.license_type:
        parts.append(f"已有电子{material.license_type.name}的，不用再交纸质材料")
    if material.tolerable:
        parts.append(f"暂时缺少也可以先受理，请在{supplement_days}个工作日内补齐")
    if material.commitment_allowed:
        parts.append("可以签一份告知承诺书代替")
    if material.notes:
        parts.append(material.notes)
    return "；".join(parts) + "。"


def time_limit_text(item: ServiceItem) -> str:
    if item.promised_days == 0:
        return f"即办件：材料齐全当场办结（法定时限{item.statutory_days}个工作日）。"
    text = f"法定时限{item.statutory_days}个工作日，承诺{item.promised_days}个工作日内办结"
    if item.compression:
        text += f"（比法定时限缩短{round(item.compression * 100)}%）"
    return text + "。时限按工作日计算，不含受理当天和法定节假日；补正材料、现场勘验等期间不计入。"


def guide_sections(item: ServiceItem, points: Iterable[ServicePoint] = ()) -> list[GuideSection]:
    """The guide's sections in the order a citizen reads them."""
    materials = list(item.materials.all())
    sections = [
        GuideSection(_("办什么"), f"{item.name}（{item.get_type_display()}，{item.get_kind_display()}）。"),
        GuideSection(_("谁可以办"), WHO.get(Audience(item.audience), "") + "。"),
    ]
    if item.conditions:
        sections.append(GuideSection(_("办理条件"), item.conditions))
    if materials:
        lines = [material_line(i, m, item.supplement_days) for i, m in enumerate(materials, start=1)]
        sections.append(GuideSection(_("要带的材料"), "\n".join(lines)))
    else:
        sections.append(GuideSection(_("要带的材料"), "无需提交材料。"))
    sections.append(GuideSection(_("多久办好"), time_limit_text(item)))
    sections.append(
        GuideSection(
            _("跑几次"),
            f"{VISITS.get(item.visits_required, '')}；网上办理深度{DEPTH.get(item.online_depth, '')}。",
        )
    )
    if item.fee_charged:
        fee = f"收费：{item.fee_standard or '按规定标准'}"
        if item.fee_basis:
            fee += f"（依据：{item.fee_basis}）"
        sections.append(GuideSection(_("收不收费"), fee + "。"))
    else:
        sections.append(GuideSection(_("收不收费"), "不收费。"))
    if item.result_name:
        sections.append(
            GuideSection(_("办好后拿到什么"), f"{item.result_name}。可现场领取、免费邮寄或到自助终端领取。")
        )
    if item.process:
        sections.append(GuideSection(_("办理流程"), item.process))
    point_list = list(points)
    if point_list:
        shown = "；".join(f"{p.name}（{p.hours or '工作日办公'}）" for p in point_list[:12])
        more = f"等{len(point_list)}处" if len(point_list) > 12 else ""
        sections.append(GuideSection(_("在哪里办"), shown + more + "。"))
    sections.append(GuideSection(_("实施部门"), item.department.name + "。"))
    if item.legal_basis:
        sections.append(GuideSection(_("办理依据"), item.legal_basis))
    phones = []
    if item.consult_phone:
        phones.append(f"咨询电话 {item.consult_phone}")
    if item.complaint_phone:
        phones.append(f"投诉电话 {item.complaint_phone}")
    if phones:
        sections.append(GuideSection(_("有问题找谁"), "，".join(phones) + "。"))
    return sections


def guide_text(item: ServiceItem, points: Iterable[ServicePoint] = ()) -> str:
    return "\n\n".join(f"【{s.title}】\n{s.text}" for s in guide_sections(item, points))
