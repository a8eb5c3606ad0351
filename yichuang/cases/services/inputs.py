"""What an application brings (applicant, materials) and the checks made before anything is written:
the applicant's identity numbers, the actor's right to take it at this point, the item's offer and
the materials named."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.cases.models import ApplicantKind, Channel
from yichuang.catalog.models import ItemStatus, ItemVersion, ServiceItem
from yichuang.catalog.selectors import points_offering
from yichuang.common.errors import Invalid
from yichuang.common.identity import validate_mobile, validate_resident_id, validate_uscc
from yichuang.common.memo import memoized
from yichuang.org.models import Region, Role, ServicePoint, Staff
from yichuang.org.selectors import is_admin_of, scope_of


@dataclass
class MaterialInput:
    requirement: str
    files: list[Any] = field(default_factory=list)  # StoredFile


@dataclass
class ApplicantInput:
    kind: str
    name: str
    id_number: str
    phone: str
    #: Where the applicant's household or seat is (户籍/住所地): for 跨乡镇通办, the town whose power
    #: applies when it is not the town of the accepting point.
    region: Region | None = None


def _validate_applicant(applicant: ApplicantInput) -> ApplicantInput:
    errors: dict[str, list[str]] = {}
    name = (applicant.name or "").strip()
    if not name:
        errors["applicant.name"] = [_("请填写申请人姓名或名称。")]
    id_number = applicant.id_number
    try:
        if applicant.kind == ApplicantKind.PERSON:
            id_number = validate_resident_id(applicant.id_number)
        elif applicant.kind == ApplicantKind.ORGANIZATION:
            id_number = validate_uscc(applicant.id_number)
        else:
            errors["applicant.kind"] = [_("申请人类型应为 person 或 organization。")]
    except DjangoValidationError as exc:
        errors["applicant.id_number"] = list(exc.messages)
    phone = applicant.phone
    try:
        phone = validate_mobile(applicant.phone)
    except DjangoValidationError as exc:
        errors["applicant.phone"] = list(exc.messages)
    if errors:
        raise exceptions.ValidationError(errors)
    return ApplicantInput(
        kind=applicant.kind, name=name, id_number=id_number, phone=phone, region=applicant.region
    )


def _check_intake(*, actor: Staff, point: ServicePoint, channel: str) -> None:
    if not scope_of(actor).covers(region=point.region, point_id=point.pk):
        raise Invalid(_("您不能在该服务点受理办件。"), fields={"point": [_("不在您的服务范围内。")]})
    if actor.role == Role.SUPERVISOR and not actor.is_superuser:
        # Supervisors (a county's, the city's, the province's, the 12345 operators) read and oversee;
        # they take no application (decision 145: "reading both, acting on none").
        raise exceptions.PermissionDenied(_("督查人员不能受理办件。"))
    if channel not in Channel.values:
        raise Invalid(_("渠道不正确。"), fields={"channel": [_("渠道不正确。")]})
    if actor.role == Role.VILLAGE_AGENT and channel != Channel.AGENT:
        raise Invalid(_("代办员提交的办件渠道应为 agent。"), fields={"channel": [_("应为 agent。")]})
    if (
        channel == Channel.AGENT
        and actor.role != Role.VILLAGE_AGENT
        and not is_admin_of(actor, region=point.region, point_id=point.pk)
    ):
        raise Invalid(
            _("只有代办员可以代办提交。"), fields={"channel": [_("只有代办员可以使用 agent 渠道。")]}
        )


def _same_county(item: ServiceItem, point: ServicePoint) -> bool:
    """Whether ``point`` lies where the item's department acts: inside its region (a county bureau's
    item at a town's center) or above it (a town's item at the county hall), never in another county
    (浉河区's 实施编码 at a 平桥区 point)."""
    department_region = memoized(
        "reference", "item_region", item.pk, lambda: Region.objects.get(departments__items=item)
    )
    return department_region.contains(point.region) or point.region.contains(department_region)


def _check_offered(item: ServiceItem, point: ServicePoint) -> ItemVersion:
    """The item's current version, if the item is published and offered at ``point`` (both kept in
    memory until the catalog changes: ``common.memo``)."""
    if item.status != ItemStatus.PUBLISHED:
        raise Invalid(
            _("“%(item)s”未发布，暂不能申请。") % {"item": item.name}, fields={"item": [_("事项未发布。")]}
        )
    offered = memoized(
        "reference",
        "offered",
        (point.pk, item.pk),
        lambda: point.offers.filter(item=item, active=True).exists(),
    )
    if offered and not _same_county(item, point):
        # An offer across counties (a platform administrator's slip): the item's department has no
        # power at this point, and its handling unit, seals and due dates are another county's.
        offered = False
    if not offered:
        elsewhere = [p.name for p in points_offering(item)[:5]]
        where = "、".join(elsewhere) if elsewhere else _("请咨询 12345 热线")
        raise Invalid(
            _("%(point)s 未认领“%(item)s”，可到：%(where)s 办理。")
            % {"point": point.name, "item": item.name, "where": where},
            fields={"point": [_("该服务点不办理此事项。")]},
            code="item_not_offered",
        )
    version = memoized(
        "reference",
        "latest_version",
        item.pk,
        lambda: ItemVersion.objects.filter(item=item).order_by("-number").first(),
    )
    if version is None:
        raise Invalid(_("该事项没有已发布的版本。"), fields={"item": [_("事项没有版本。")]})
    return version


def _material_errors(
    requirements: Mapping[str, Mapping[str, Any]],
    given: Iterable[str],
    tolerated: set[str],
    committed: set[str],
) -> dict[str, list[str]]:
    """What is wrong with the codes given: unknown materials, 容缺 or 告知承诺 where not allowed. An
    unknown code is reported under the field that named it (``materials``, ``tolerated`` or
    ``commitments``)."""
    errors: dict[str, list[str]] = {}
    for field_name, codes in (
        ("materials", set(given)),
        ("tolerated", tolerated),
        ("commitments", committed),
    ):
        for code in sorted(codes - set(requirements)):
            errors.setdefault(field_name, []).append(_("该事项没有材料 %(code)s。") % {"code": code})
    for code in sorted(tolerated & set(requirements)):
        if not requirements[code]["tolerable"]:
            errors.setdefault("tolerated", []).append(
                _("“%(name)s”不可容缺。") % {"name": requirements[code]["name"]}
            )
    for code in sorted(committed & set(requirements)):
        if not requirements[code]["commitment_allowed"]:
            errors.setdefault("commitments", []).append(
                _("“%(name)s”不适用告知承诺。") % {"name": requirements[code]["name"]}
            )
    return errors
