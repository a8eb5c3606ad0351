"""Writes to cases: create (一窗受理) and every action of the transitions table.

Each function runs in one transaction, locks the case row, checks the move against
``workflow.TRANSITIONS`` and the actor's right to make it, writes a ``CaseEvent`` and queues the
applicant's SMS in the same transaction (sent after commit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.cases.documents import issue_for_case
from yichuang.cases.models import (
    ApplicantKind,
    BundleApplication,
    Case,
    CaseEvent,
    CaseMaterial,
    CaseSequence,
    CaseStatus,
    Channel,
    DeliveryMethod,
    MaterialState,
    SuspendedSpan,
)
from yichuang.cases.workflow import next_status
from yichuang.catalog.models import Bundle, ItemStatus, ItemVersion, LicenseType, ServiceItem
from yichuang.catalog.selectors import bundle_materials, handling_unit_for, points_offering, town_of
from yichuang.common.errors import Conflict, Unprocessable
from yichuang.common.identity import validate_mobile, validate_resident_id, validate_uscc
from yichuang.org.models import Region, RegionLevel, Role, ServicePoint, Staff
from yichuang.org.selectors import scope_of
from yichuang.workdays.calendar import add_workdays, workdays_between

WINDOW_ROLES = {Role.WINDOW_CLERK, Role.BANK_CLERK, Role.CENTER_MANAGER}
REVIEW_ACTIONS = {"review", "approve", "deny", "suspend", "resume", "extend"}
WINDOW_ACTIONS = {"accept", "notify", "refuse"}
#: 行政许可法 第42条: the head of the office may extend the limit once, by at most 10 working days.
MAX_EXTENSION_DAYS = 10
SUSPEND_KINDS = {
    "inspection": "现场勘验",
    "testing": "检验检测",
    "expert_review": "专家评审",
    "hearing": "听证",
    "other": "其他法定情形",
}


class NotAllowed(Conflict):
    default_code = "not_allowed"


class Invalid(Unprocessable):
    default_code = "invalid"

    def __init__(
        self, detail: str, *, fields: Mapping[str, Any] | None = None, code: str = "invalid"
    ) -> None:
        super().__init__(detail=detail, code=code)
        self.fields = dict(fields or {})


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


def _today() -> dt.date:
    return timezone.localdate()


def _county_of(region: Region) -> Region:
    node: Region | None = region
    while node is not None and node.level not in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):
        node = node.parent
    return node or region


def _next_number(region: Region, day: dt.date) -> str:
    """County code + date + a 6-digit sequence, e.g. 41150220261121000123 (digits only: easy to key
    in at a kiosk).

    One upsert draws the number: ``INSERT … ON CONFLICT DO UPDATE SET last = last + 1 RETURNING``
    (PostgreSQL, and SQLite since 3.35) creates the day's row or bumps it and keeps the row locked
    for the rest of the transaction, so two windows never draw the same number. The county code is
    the first six digits of any region code at county level or below (a region's code starts with
    its parent's prefix), so no walk up the tree is needed.
    """
    code = region.code[:6]
    quote = connection.ops.quote_name
    table = quote(CaseSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('county')}, {quote('day')}, {quote('last')}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({quote('county')}, {quote('day')}) "
            f"DO UPDATE SET {quote('last')} = {table}.{quote('last')} + 1 RETURNING {quote('last')}",
            [code, connection.ops.adapt_datefield_value(day)],
        )
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - RETURNING always yields the row
        raise Conflict(_("办件编号分配冲突，请重试。"))
    return f"{code}{day:%Y%m%d}{int(row[0]):06d}"


def _event(
    case: Case, *, action: str, actor: Staff | None, from_status: str, note: str = "", **data: Any
) -> None:
    CaseEvent.objects.create(
        case=case,
        action=action,
        actor=actor,
        actor_name=(actor.get_full_name() or actor.username) if actor else "",
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=data,
    )


def _sms(case: Case, template: str, **context: Any) -> None:
    from yichuang.notify.services import sms_enqueue

    base = {
        "number": case.number,
        "item": case.item.name,
        "point": case.point.name,
        "due_date": case.due_date.isoformat() if case.due_date else "",
        "name": case.applicant_name,
    }
    base.update({k: str(v) for k, v in context.items()})
    sms_enqueue(to=case.applicant_phone, template=template, context=base, case_number=case.number)


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


def _set_due_dates(case: Case, accepted: dt.datetime, *, tolerated: bool | None = None) -> None:
    snapshot = case.item_version.snapshot
    day = timezone.localdate(accepted)
    case.accepted_at = accepted
    case.due_date = add_workdays(day, int(snapshot["promised_days"]))
    case.statutory_due_date = add_workdays(day, int(snapshot["statutory_days"]))
    if tolerated is None:
        tolerated = case.materials.filter(state=MaterialState.TOLERATED).exists()
    if tolerated:
        case.supplement_due_date = add_workdays(day, int(snapshot.get("supplement_days") or 5))


def _check_intake(*, actor: Staff, point: ServicePoint, channel: str) -> None:
    if not scope_of(actor).covers(region=point.region, point_id=point.pk):
        raise Invalid(_("您不能在该服务点受理办件。"), fields={"point": [_("不在您的服务范围内。")]})
    if channel not in Channel.values:
        raise Invalid(_("渠道不正确。"), fields={"channel": [_("渠道不正确。")]})
    if actor.role == Role.VILLAGE_AGENT and channel != Channel.AGENT:
        raise Invalid(_("代办员提交的办件渠道应为 agent。"), fields={"channel": [_("应为 agent。")]})
    if channel == Channel.AGENT and actor.role not in (Role.VILLAGE_AGENT, Role.ADMIN):
        raise Invalid(
            _("只有代办员可以代办提交。"), fields={"channel": [_("只有代办员可以使用 agent 渠道。")]}
        )


def _check_offered(item: ServiceItem, point: ServicePoint) -> ItemVersion:
    """The item's current version, if the item is published and offered at ``point``."""
    if item.status != ItemStatus.PUBLISHED:
        raise Invalid(
            _("“%(item)s”未发布，暂不能申请。") % {"item": item.name}, fields={"item": [_("事项未发布。")]}
        )
    if not point.offers.filter(item=item, active=True).exists():
        elsewhere = [p.name for p in points_offering(item)[:5]]
        where = "、".join(elsewhere) if elsewhere else _("请咨询 12345 热线")
        raise Invalid(
            _("%(point)s 未认领“%(item)s”，可到：%(where)s 办理。")
            % {"point": point.name, "item": item.name, "where": where},
            fields={"point": [_("该服务点不办理此事项。")]},
            code="item_not_offered",
        )
    version = ItemVersion.objects.filter(item=item).order_by("-number").first()
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


@dataclass
class _Intake:
    """What every case of one sitting shares: who enters it, where, for whom, with which papers."""

    actor: Staff
    point: ServicePoint
    channel: str
    person: ApplicantInput
    given: dict[str, MaterialInput]
    tolerated: set[str]
    committed: set[str]
    consent_file: Any = None
    note: str = ""
    application: BundleApplication | None = None
    #: licences in force the applicant holds, by type code (免证办), filled once per sitting
    licenses: dict[str, Any] = field(default_factory=dict)


def _open_case(intake: _Intake, *, item: ServiceItem, version: ItemVersion) -> Case:
    """Write one case with its materials and timeline; accept it at once when a window clerk has a
    complete application. Runs inside the caller's transaction."""
    requirements = {m["code"]: m for m in version.snapshot["materials"]}
    person, point, actor = intake.person, intake.point, intake.actor
    town = town_of(person.region) if person.region is not None else None
    unit = handling_unit_for(item=item, point=point, town=town)
    case = Case.objects.create(
        number=_next_number(point.region, _today()),
        item=item,
        item_version=version,
        kind=version.snapshot["kind"],
        status=CaseStatus.SUBMITTED,
        channel=intake.channel,
        point=point,
        region=point.region,
        handling_department=unit.department,
        handling_mode=unit.mode,
        applicant_kind=person.kind,
        applicant_name=person.name,
        applicant_id_number=person.id_number,
        applicant_phone=person.phone,
        applicant_region=person.region,
        application=intake.application,
        agent=actor if intake.channel == Channel.AGENT else None,
        consent_file=intake.consent_file,
        created_by=actor,
    )
    missing: list[str] = []
    by_license: list[str] = []
    rows = []
    for code, req in requirements.items():
        provided = intake.given.get(code)
        held = intake.licenses.get(req.get("license_type") or "")
        license = None
        if provided is not None and provided.files:
            state = MaterialState.PROVIDED
        elif held is not None:
            state, license = MaterialState.LICENSE, held
            by_license.append(code)
        elif code in intake.tolerated:
            state = MaterialState.TOLERATED
        elif code in intake.committed:
            state = MaterialState.COMMITTED
        elif req["required"]:
            state = MaterialState.MISSING
            missing.append(req["name"])
        else:
            state = MaterialState.OPTIONAL_ABSENT
        rows.append(
            CaseMaterial(
                case=case,
                requirement=code,
                name=req["name"],
                required=req["required"],
                state=state,
                license=license,
            )
        )
    CaseMaterial.objects.bulk_create(rows)
    if not all(
        row.pk for row in rows
    ):  # pragma: no cover - a database that returns no ids from a bulk insert
        rows = list(CaseMaterial.objects.filter(case=case).only("id", "requirement"))
    links = [
        CaseMaterial.files.through(casematerial_id=row.pk, storedfile_id=stored.pk)
        for row in rows
        if row.requirement in intake.given
        for stored in intake.given[row.requirement].files
    ]
    CaseMaterial.files.through.objects.bulk_create(links, ignore_conflicts=True)
    _event(
        case,
        action="submit",
        actor=actor,
        from_status="",
        note=intake.note,
        channel=intake.channel,
        missing=missing,
        tolerated=sorted(intake.tolerated & set(requirements)),
        commitments=sorted(intake.committed & set(requirements)),
        licenses=by_license,
        consent=bool(intake.consent_file),
        application=intake.application.number if intake.application else "",
    )
    at_window = intake.channel in (Channel.WINDOW, Channel.BANK) and actor.role in (*WINDOW_ROLES, Role.ADMIN)
    if at_window and not missing:
        case.status = CaseStatus.ACCEPTED
        case.accepted_by = actor
        tolerated = any(row.state == MaterialState.TOLERATED for row in rows)
        _set_due_dates(case, timezone.now(), tolerated=tolerated)
        case.save()
        _event(case, action="accept", actor=actor, from_status=CaseStatus.SUBMITTED)
        _sms(case, "case_accepted")
        issue_for_case(case=case, kind="accept", actor=actor)
    else:
        _sms(case, "case_submitted")
    return case


def _held_licenses(person: ApplicantInput, versions: Iterable[ItemVersion]) -> dict[str, Any]:
    from yichuang.licenses.selectors import licenses_in_force

    wanted = {m["license_type"] for v in versions for m in v.snapshot["materials"] if m.get("license_type")}
    return licenses_in_force(holder_id_number=person.id_number, type_codes=wanted) if wanted else {}


@transaction.atomic
def case_create(
    *,
    actor: Staff,
    item: ServiceItem,
    point: ServicePoint,
    channel: str,
    applicant: ApplicantInput,
    materials: Iterable[MaterialInput] = (),
    tolerated: Iterable[str] = (),
    commitments: Iterable[str] = (),
    consent_file: Any = None,
    note: str = "",
) -> Case:
    """一窗受理: any window accepts any item its point offers.

    A clerk's (or bank clerk's) complete application is accepted at once; an agent's, an online or a
    kiosk application waits as ``submitted`` for the window to check it. A material whose type of
    licence the applicant already holds is satisfied by that licence, without an upload (免证办). With
    ``applicant.region`` in another town, that town's power applies (跨乡镇通办): the case goes to its
    approval center and the result comes back to this point.
    """
    _check_intake(actor=actor, point=point, channel=channel)
    version = _check_offered(item, point)
    person = _validate_applicant(applicant)
    requirements = {m["code"]: m for m in version.snapshot["materials"]}
    given = {m.requirement: m for m in materials}
    intake = _Intake(
        actor=actor,
        point=point,
        channel=channel,
        person=person,
        given=given,
        tolerated=set(tolerated),
        committed=set(commitments),
        consent_file=consent_file,
        note=note,
    )
    errors = _material_errors(requirements, given, intake.tolerated, intake.committed)
    if errors:
        raise Invalid(_("申请材料有误，请检查。"), fields=errors)
    intake.licenses = _held_licenses(person, [version])
    return _open_case(intake, item=item, version=version)


@dataclass
class BundleReceipt:
    """What a 一件事 application hands back: the application, its cases, the one merged list."""

    application: BundleApplication
    cases: list[Case]


@transaction.atomic
def bundle_apply(
    *,
    actor: Staff,
    bundle: Bundle,
    point: ServicePoint,
    channel: str,
    applicant: ApplicantInput,
    materials: Iterable[MaterialInput] = (),
    tolerated: Iterable[str] = (),
    commitments: Iterable[str] = (),
    consent_file: Any = None,
    note: str = "",
) -> BundleReceipt:
    """一件事一次办: one application creates a linked case per item of the bundle.

    The applicant gives one set of materials against the bundle's merged list; each case takes the
    materials its own item asks for, so nothing is asked twice. All cases are written or none.
    """
    if not bundle.active:
        raise Invalid(_("该“一件事”已停用。"), fields={"bundle": [_("已停用。")]})
    items = [entry.item for entry in bundle.entries.select_related("item").order_by("order", "id")]
    if not items:
        raise Invalid(_("该“一件事”没有包含事项。"), fields={"bundle": [_("没有事项。")]})
    _check_intake(actor=actor, point=point, channel=channel)
    versions = [_check_offered(item, point) for item in items]
    person = _validate_applicant(applicant)
    given = {m.requirement: m for m in materials}
    tolerated_set, committed_set = set(tolerated), set(commitments)
    merged = {m.code: m for m in bundle_materials(bundle)}
    errors = _material_errors(
        {
            code: {"name": m.name, "tolerable": m.tolerable, "commitment_allowed": m.commitment_allowed}
            for code, m in merged.items()
        },
        given,
        tolerated_set,
        committed_set,
    )
    if errors:
        raise Invalid(_("申请材料有误，请检查。"), fields=errors)
    application = BundleApplication.objects.create(
        number="YJS" + _next_number(point.region, _today()),
        bundle=bundle,
        channel=channel,
        point=point,
        region=point.region,
        applicant_kind=person.kind,
        applicant_name=person.name,
        applicant_id_number=person.id_number,
        applicant_phone=person.phone,
        created_by=actor,
    )
    intake = _Intake(
        actor=actor,
        point=point,
        channel=channel,
        person=person,
        given=given,
        tolerated=tolerated_set,
        committed=committed_set,
        consent_file=consent_file,
        note=note,
        application=application,
        licenses=_held_licenses(person, versions),
    )
    cases = [
        _open_case(intake, item=item, version=version) for item, version in zip(items, versions, strict=True)
    ]
    return BundleReceipt(application=application, cases=cases)


def _may(actor: Staff, case: Case, action: str) -> bool:
    """Whether ``actor`` may take ``action`` on a case he can see (scope is checked by the selector)."""
    if actor.is_superuser or actor.role == Role.ADMIN:
        return True
    in_scope = _in_scope(actor, case)
    if action in REVIEW_ACTIONS:
        if actor.role == Role.REVIEWER and actor.department_id == case.handling_department_id:
            return True
        # 即办件: the same clerk accepts, approves and hands out at the window.
        return action == "approve" and case.kind == "immediate" and actor.role in WINDOW_ROLES and in_scope
    if action in WINDOW_ACTIONS:
        return actor.role in WINDOW_ROLES and in_scope
    if action in ("supplement", "withdraw", "deliver"):
        return actor.role in (*WINDOW_ROLES, Role.VILLAGE_AGENT) and in_scope
    return False


def _in_scope(actor: Staff, case: Case) -> bool:
    return scope_of(actor).covers(region=case.region, point_id=case.point_id)


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        # The licence issued on approval comes along (an empty outer join before): the answer
        # shows it, and a lookup of its own would be one more query per action.
        .select_related(
            "item", "item_version", "point", "region", "handling_department", "issued_license__license_type"
        )
        .get(pk=case.pk)
    )


def _not_allowed(status: str, action: str) -> NotAllowed:
    return NotAllowed(
        _("办件当前状态为“%(status)s”，不能%(action)s。")
        % {"status": CaseStatus(status).label, "action": _action_label(action)}
    )


def case_check_action(*, case: Case, action: str) -> None:
    """409 when the table does not allow ``action`` from the case's status as last read, without a
    lock: the API asks before it reads the body, so an action refused in this state is a 409 even
    when its body is bad too (contract.md). The action's service checks again under the lock."""
    if next_status(case.status, action) is None:
        raise _not_allowed(case.status, action)


def _move(case: Case, *, actor: Staff, action: str, row_version: int | None = None) -> tuple[Case, str]:
    """Lock the row, check the table, the actor and the optional row version; return the locked case
    and its previous status. The caller checks its own arguments only then (so a move the state
    refuses is a 409 whatever they are; raising rolls the lock back), changes what it must and
    calls ``_commit``."""
    locked = _locked(case)
    if row_version is not None and row_version != locked.row_version:
        raise Conflict(_("办件已被他人修改，请刷新后重试。"), code="stale")
    target = next_status(locked.status, action)
    if target is None:
        raise _not_allowed(locked.status, action)
    if not _may(actor, locked, action):
        raise exceptions.PermissionDenied(_("您无权对此办件执行该操作。"))
    previous = locked.status
    locked.status = target
    return locked, previous


def _commit(case: Case, *, actor: Staff, action: str, previous: str, note: str = "", **data: Any) -> Case:
    case.row_version += 1
    case.save()
    _event(case, action=action, actor=actor, from_status=previous, note=note, **data)
    return case


def _action_label(action: str) -> str:
    labels = {
        "accept": _("受理"),
        "notify": _("一次性告知"),
        "supplement": _("补正"),
        "refuse": _("不予受理"),
        "review": _("审查"),
        "approve": _("准予"),
        "deny": _("不予批准"),
        "suspend": _("中止"),
        "resume": _("恢复"),
        "extend": _("延期"),
        "deliver": _("送达"),
        "withdraw": _("撤回"),
    }
    return labels.get(action, action)


def _require(value: str, field_name: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise exceptions.ValidationError({field_name: [message]})
    return value


@transaction.atomic
def case_accept(*, case: Case, actor: Staff, note: str = "", row_version: int | None = None) -> Case:
    case, previous = _move(case, actor=actor, action="accept", row_version=row_version)
    missing = list(case.materials.filter(state=MaterialState.MISSING).values_list("name", flat=True))
    if missing:
        raise Invalid(
            _("材料不全，不能受理：%(missing)s。请先一次性告知申请人。") % {"missing": "、".join(missing)},
            code="incomplete",
        )
    case.accepted_by = actor
    _set_due_dates(case, timezone.now())
    _commit(case, actor=actor, action="accept", previous=previous, note=note)
    _sms(case, "case_accepted")
    issue_for_case(case=case, kind="accept", actor=actor)
    return case


@dataclass
class Notice:
    """一次性告知书: every missing or wrong material listed at once (行政许可法 第32条)."""

    case: Case
    missing: list[dict[str, str]]
    text: str


@transaction.atomic
def case_notify(
    *, case: Case, actor: Staff, missing: Iterable[str], note: str = "", row_version: int | None = None
) -> Notice:
    case, previous = _move(case, actor=actor, action="notify", row_version=row_version)
    codes = list(dict.fromkeys(missing))
    if not codes:
        raise exceptions.ValidationError({"missing": [_("请列出所有需要补正的材料。")]})
    rows = {m.requirement: m for m in case.materials.all()}
    unknown = [c for c in codes if c not in rows]
    if unknown:
        raise exceptions.ValidationError(
            {"missing": [_("该事项没有材料：%(codes)s。") % {"codes": "、".join(unknown)}]}
        )
    listed = []
    for code in codes:
        row = rows[code]
        row.state = MaterialState.MISSING
        row.save(update_fields=["state", "updated_at"])
        listed.append({"code": code, "name": row.name})
    names = "、".join(m["name"] for m in listed)
    text = _(
        "%(name)s：您申请的“%(item)s”（办件编号 %(number)s）需补正以下材料：%(names)s。"
        "请一次性补齐后提交。依据：《中华人民共和国行政许可法》第三十二条。%(note)s"
    ) % {
        "name": case.applicant_name,
        "item": case.item.name,
        "number": case.number,
        "names": names,
        "note": note,
    }
    _commit(case, actor=actor, action="notify", previous=previous, note=note, missing=listed)
    _sms(case, "case_needs_supplement", missing=names)
    issue_for_case(case=case, kind="notify", actor=actor, note=note)
    return Notice(case=case, missing=listed, text=text)


@transaction.atomic
def case_supplement(
    *,
    case: Case,
    actor: Staff,
    materials: Iterable[MaterialInput],
    note: str = "",
    row_version: int | None = None,
) -> Case:
    """补正: the missing or tolerated materials arrive. In a 一件事 application the same papers also
    complete the linked cases that ask for them, so the applicant hands them in once."""
    given = list(materials)
    siblings: list[Case] = []
    if case.application_id:
        # Lock the whole application in one order, so two clerks supplementing two of its cases
        # cannot deadlock.
        linked = list(
            Case.objects.select_for_update(of=("self",))
            .filter(application_id=case.application_id)
            .order_by("id")
        )
        siblings = [c for c in linked if c.pk != case.pk]
    case, previous = _move(case, actor=actor, action="supplement", row_version=row_version)
    if not given:
        raise exceptions.ValidationError({"materials": [_("请上传补正材料。")]})
    if any(not entry.files for entry in given):
        raise exceptions.ValidationError({"materials": [_("每项补正材料都要附文件。")]})
    rows = {m.requirement: m for m in case.materials.all()}
    sibling_rows = {c.pk: {m.requirement: m for m in c.materials.all()} for c in siblings}
    known = set(rows).union(*(set(r) for r in sibling_rows.values()))
    unknown = [m.requirement for m in given if m.requirement not in known]
    if unknown:
        raise exceptions.ValidationError(
            {"materials": [_("该事项没有材料：%(codes)s。") % {"codes": "、".join(unknown)}]}
        )
    _attach(case, rows, given)
    _commit(
        case,
        actor=actor,
        action="supplement",
        previous=previous,
        note=note,
        materials=[m.requirement for m in given if m.requirement in rows],
    )
    for sibling in siblings:
        mine = sibling_rows[sibling.pk]
        wanted = [
            m for m in given if m.requirement in mine and mine[m.requirement].state != MaterialState.PROVIDED
        ]
        if (
            not wanted
            or next_status(sibling.status, "supplement") is None
            or not _may(actor, sibling, "supplement")
        ):
            continue
        locked, before = _move(sibling, actor=actor, action="supplement")
        _attach(locked, mine, wanted)
        _commit(
            locked,
            actor=actor,
            action="supplement",
            previous=before,
            note=_("随一件事申请 %(number)s 一并补正") % {"number": case.number},
            materials=[m.requirement for m in wanted],
        )
    return case


def _attach(case: Case, rows: Mapping[str, CaseMaterial], given: Iterable[MaterialInput]) -> None:
    for entry in given:
        row = rows.get(entry.requirement)
        if row is None:
            continue
        row.files.add(*entry.files)
        row.state = MaterialState.PROVIDED
        row.license = None
        row.save(update_fields=["state", "license", "updated_at"])
    if not case.materials.filter(state=MaterialState.TOLERATED).exists():
        case.supplement_due_date = None


@transaction.atomic
def case_refuse(
    *, case: Case, actor: Staff, reason: str, note: str = "", row_version: int | None = None
) -> Case:
    case, previous = _move(case, actor=actor, action="refuse", row_version=row_version)
    reason = _require(reason, "reason", _("不予受理须说明理由。"))
    case.decision_reason = reason
    case.decided_at = timezone.now()
    _commit(case, actor=actor, action="refuse", previous=previous, note=note or reason, reason=reason)
    _sms(case, "case_refused", reason=reason)
    issue_for_case(case=case, kind="refuse", actor=actor)
    return case


@transaction.atomic
def case_review(*, case: Case, actor: Staff, note: str = "", row_version: int | None = None) -> Case:
    case, previous = _move(case, actor=actor, action="review", row_version=row_version)
    return _commit(case, actor=actor, action="review", previous=previous, note=note)


@transaction.atomic
def case_approve(*, case: Case, actor: Staff, note: str = "", row_version: int | None = None) -> Case:
    case, previous = _move(case, actor=actor, action="approve", row_version=row_version)
    case.decided_at = timezone.now()
    issued = _issue_license(case)
    _commit(
        case,
        actor=actor,
        action="approve",
        previous=previous,
        note=note,
        license=issued.number if issued else "",
    )
    _sms(case, "case_approved")
    issue_for_case(case=case, kind="approve", actor=actor, note=note)
    return case


def _issue_license(case: Case) -> Any:
    """免证办: an item whose result is a certificate issues it to the holder on approval."""
    from yichuang.licenses.services import license_issue_for_case

    code = case.item_version.snapshot.get("result_license_type")
    license_type = LicenseType.objects.filter(code=code).first() if code else None
    if license_type is None:
        return None
    return license_issue_for_case(case=case, license_type=license_type)


def remedy_text(case: Case) -> str:
    """The remedy a denial must state (行政许可法 第38条; 行政复议法 第20条: 60 days; 行政诉讼法 第46条: 6 months)."""
    county = _county_of(case.region)
    return _(
        "如不服本决定，可以自收到本决定之日起六十日内向%(government)s申请行政复议，"
        "或者在六个月内依法向%(court)s提起行政诉讼。"
    ) % {"government": f"{county.name}人民政府", "court": f"{county.name}人民法院"}


@transaction.atomic
def case_deny(
    *, case: Case, actor: Staff, reason: str, note: str = "", row_version: int | None = None
) -> Case:
    case, previous = _move(case, actor=actor, action="deny", row_version=row_version)
    reason = _require(reason, "reason", _("不予批准须说明理由。"))
    case.decided_at = timezone.now()
    case.decision_reason = reason
    remedy = remedy_text(case)
    _commit(
        case, actor=actor, action="deny", previous=previous, note=note or reason, reason=reason, remedy=remedy
    )
    _sms(case, "case_denied", reason=reason, remedy=remedy)
    issue_for_case(case=case, kind="deny", actor=actor)
    return case


def _shift_due_dates(case: Case, days: int) -> None:
    """Move both due dates by ``days`` working days (after a suspension, or an extension)."""
    if case.due_date:
        case.due_date = add_workdays(case.due_date, days)
    if case.statutory_due_date:
        case.statutory_due_date = add_workdays(case.statutory_due_date, days)


@transaction.atomic
def case_suspend(
    *,
    case: Case,
    actor: Staff,
    reason: str,
    kind: str = "other",
    note: str = "",
    row_version: int | None = None,
) -> Case:
    """中止 for inspection, testing, expert review or hearing (行政许可法 第45条): the clock stops."""
    case, previous = _move(case, actor=actor, action="suspend", row_version=row_version)
    reason = _require(reason, "reason", _("中止须说明原因。"))
    if kind not in SUSPEND_KINDS:
        raise exceptions.ValidationError(
            {"kind": [_("中止类型应为：%(kinds)s。") % {"kinds": "、".join(SUSPEND_KINDS)}]}
        )
    SuspendedSpan.objects.create(case=case, start=_today(), reason=f"{SUSPEND_KINDS[kind]}：{reason}")
    _commit(
        case, actor=actor, action="suspend", previous=previous, note=note or reason, reason=reason, kind=kind
    )
    _sms(case, "case_suspended", reason=reason)
    return case


@transaction.atomic
def case_resume(*, case: Case, actor: Staff, note: str = "", row_version: int | None = None) -> Case:
    """Both due dates move by the working days the case was suspended."""
    case, previous = _move(case, actor=actor, action="resume", row_version=row_version)
    span = SuspendedSpan.objects.filter(case=case, end__isnull=True).order_by("-start").first()
    days = 0
    if span is not None:
        span.end = _today()
        days = workdays_between(span.start, span.end)
        span.working_days = days
        span.save(update_fields=["end", "working_days"])
    if days:
        case.suspended_days += days
        _shift_due_dates(case, days)
    _commit(case, actor=actor, action="resume", previous=previous, note=note, suspended_days=days)
    _sms(case, "case_resumed")
    return case


@transaction.atomic
def case_extend(
    *, case: Case, actor: Staff, reason: str, days: int, note: str = "", row_version: int | None = None
) -> Case:
    """延期: once, with a reason, by at most 10 working days (行政许可法 第42条)."""
    case, previous = _move(case, actor=actor, action="extend", row_version=row_version)
    if case.extended_days:
        raise NotAllowed(_("该办件已经延期过一次，不能再次延期。"))
    reason = _require(reason, "reason", _("延期须说明理由。"))
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise exceptions.ValidationError({"days": [_("延期天数应为1至10个工作日。")]})
    case.extended_days = days
    _shift_due_dates(case, days)
    return _commit(
        case, actor=actor, action="extend", previous=previous, note=note or reason, reason=reason, days=days
    )


@transaction.atomic
def case_deliver(
    *,
    case: Case,
    actor: Staff,
    method: str,
    tracking_number: str = "",
    recipient_name: str = "",
    note: str = "",
    row_version: int | None = None,
) -> Case:
    """出件: pickup signed by the recipient, free mail with a tracking number, a kiosk, or the village
    agent bringing the result home (送证上门) and recording who signed for it."""
    case, previous = _move(case, actor=actor, action="deliver", row_version=row_version)
    if method not in DeliveryMethod.values:
        raise exceptions.ValidationError({"method": [_("送达方式应为 pickup、mail、kiosk 或 agent。")]})
    if method == DeliveryMethod.MAIL:
        tracking_number = _require(tracking_number, "tracking_number", _("邮寄送达须填写邮件单号。"))
    recipient_name = (recipient_name or "").strip()
    if method == DeliveryMethod.AGENT:
        recipient_name = _require(recipient_name, "recipient_name", _("送证上门须填写签收人姓名。"))
    if method == DeliveryMethod.AGENT and case.agent_id is None and actor.role != Role.VILLAGE_AGENT:
        raise Invalid(
            _("该办件不是代办员代办的，不能选择送证上门。"),
            fields={"method": [_("非代办件不能送证上门。")]},
        )
    case.delivery_method = method
    case.tracking_number = tracking_number
    case.recipient_name = recipient_name or (case.applicant_name if method == DeliveryMethod.PICKUP else "")
    case.delivered_at = timezone.now()
    _commit(
        case,
        actor=actor,
        action="deliver",
        previous=previous,
        note=note,
        method=method,
        tracking_number=tracking_number,
        recipient=case.recipient_name,
    )
    template = {
        DeliveryMethod.MAIL: "case_delivered",
        DeliveryMethod.PICKUP: "case_picked_up",
        DeliveryMethod.KIOSK: "case_ready_for_pickup",
        DeliveryMethod.AGENT: "case_delivered_home",
    }[DeliveryMethod(method)]
    _sms(case, template, method=method, tracking_number=tracking_number, recipient=case.recipient_name)
    issue_for_case(case=case, kind="deliver", actor=actor, note=note)
    return case


@transaction.atomic
def case_withdraw(*, case: Case, actor: Staff, note: str = "", row_version: int | None = None) -> Case:
    case, previous = _move(case, actor=actor, action="withdraw", row_version=row_version)
    return _commit(case, actor=actor, action="withdraw", previous=previous, note=note)
