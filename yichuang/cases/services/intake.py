"""Creation: one case (一窗受理) or the linked cases of a 一件事 application, with their materials and
timeline, accepted at once when a window clerk has a complete application."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yichuang.audit.chain import case_chain
from yichuang.cases import hooks
from yichuang.cases.actions import WINDOW_ROLES
from yichuang.cases.documents import issue_application_form, issue_for_case
from yichuang.cases.models import (
    BundleApplication,
    Case,
    CaseForm,
    CaseMaterial,
    CaseStatus,
    Channel,
    MaterialState,
)
from yichuang.cases.services.base import Written, _set_due_dates, _sms, _today, case_event, case_event_record
from yichuang.cases.services.eligibility import check_eligible, check_not_open, claim_open_case
from yichuang.cases.services.inputs import (
    ApplicantInput,
    MaterialInput,
    _check_intake,
    _check_offered,
    _material_errors,
    _validate_applicant,
)
from yichuang.cases.services.numbering import _next_number
from yichuang.catalog.forms import form_validate
from yichuang.catalog.models import Bundle, ItemVersion, ServiceItem
from yichuang.catalog.selectors import bundle_materials, form_fields_for, handling_unit_for, town_of
from yichuang.catalog.situations import requirements_for, situation_name
from yichuang.common.errors import Invalid
from yichuang.org.models import ServicePoint, Staff
from yichuang.org.selectors import is_admin_of


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
    #: the application form as filled (``catalog.forms``): the fields as defined now and the cleaned
    #: values; None when no form was given (a paper form at the window)
    form: tuple[list[dict[str, Any]], dict[str, Any]] | None = None
    #: the last day of the applicant's breach of a commitment (违诺记录) still in force, if any
    breach_until: dt.date | None = None
    #: licence types the earlier items of the same 一件事 issue (``catalog.selectors.bundle_materials``)
    produced: set[str] = field(default_factory=set)


def _breach_check(person: ApplicantInput, committed: set[str]) -> dt.date | None:
    """A breach of a commitment in force (``postcheck.breach_in_force``) takes commitments away from the
    applicant: a request that uses them is refused (422 under ``commitments``); otherwise the case
    carries the warning for staff. Returns the breach's last day."""
    from yichuang.cases.services.postcheck import breach_in_force

    breach = breach_in_force(person.id_number)
    if breach is None:
        return None
    if committed:
        message = _("该申请人有违诺记录，%(until)s前不适用告知承诺，请提交相应材料。") % {
            "until": breach.until.isoformat()
        }
        raise Invalid(message, fields={"commitments": [message]})
    return breach.until


def _open_case(
    intake: _Intake,
    *,
    item: ServiceItem,
    version: ItemVersion,
    requirements: dict[str, dict[str, Any]] | None = None,
    situation: str = "",
) -> Case:
    """Write one case with its materials and timeline; accept it at once when a window clerk has a
    complete application. Runs inside the caller's transaction.

    The case is inserted once, in the status it ends in (no insert-then-update), its two timeline
    lines in one insert; what was written stays on the case (``written``) for the answer.

    ``requirements``: the materials of the chosen 办理情形 (``situation``, its code), else every
    material of the version."""
    if requirements is None:
        requirements = {m["code"]: m for m in version.snapshot["materials"]}
    person, point, actor = intake.person, intake.point, intake.actor
    check_eligible(item, person)
    # Citizens applying themselves are not told another applicant's case number (the demo's identity
    # check cannot prove the ID number is his); staff are.
    reveal = intake.channel not in (Channel.ONLINE, Channel.KIOSK)
    check_not_open(item, person, reveal=reveal)
    missing: list[str] = []
    by_license: list[str] = []
    states: list[tuple[str, dict[str, Any], str, Any]] = []
    for code, req in requirements.items():
        provided = intake.given.get(code)
        held = intake.licenses.get(req.get("license_type") or "")
        license = None
        if provided is not None and provided.files:
            state = MaterialState.PROVIDED
        elif req.get("license_type") and req["license_type"] in intake.produced:
            state = MaterialState.PRODUCED
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
        states.append((code, req, state, license))
    town = town_of(person.region) if person.region is not None else None
    unit = handling_unit_for(item=item, point=point, town=town)
    # A window clerk at his point, or an administrator of the point's county (decision 144): a county
    # administrator's role alone accepts nothing in another county.
    at_window = intake.channel in (Channel.WINDOW, Channel.BANK) and (
        actor.role in WINDOW_ROLES or is_admin_of(actor, region=point.region, point_id=point.pk)
    )
    accepted = at_window and not missing
    case = Case(
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
        applicant_breach_until=intake.breach_until,
    )
    events = [
        case_event(
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
            **_form_trace(intake.form),
            **({"situation": situation} if situation else {}),
        )
    ]
    if accepted:
        case.status = CaseStatus.ACCEPTED
        case.accepted_by = actor
        tolerated = any(state == MaterialState.TOLERATED for _code, _req, state, _license in states)
        _set_due_dates(case, timezone.now(), tolerated=tolerated)
        events.append(case_event(case, action="accept", actor=actor, from_status=CaseStatus.SUBMITTED))
    case_chain(case, events)  # a new case: its chain starts here, its head is inserted with it
    case.save(force_insert=True)
    claim_open_case(case, item, person, reveal=reveal)
    rows = [
        CaseMaterial(
            case=case,
            requirement=code,
            name=req["name"],
            required=req["required"],
            state=state,
            license=license,
        )
        for code, req, state, license in states
    ]
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
    for event in events:
        event.case = case
    case_event_record(*events)
    documents: list[Any] = []
    if intake.form is not None:
        fields, values = intake.form
        CaseForm.objects.create(case=case, fields=fields, values=cast(Any, values))  # caches case.form too
        documents.append(issue_application_form(case=case, fields=fields, values=values, actor=actor))
    else:
        # The answer asks for the form: say "none" without a query.
        CaseForm._meta.get_field("case").remote_field.set_cached_value(case, None)
    # A 一件事 application tells the applicant once for all its cases (``bundle_apply``).
    if accepted:
        hooks.run_after("accept", case, actor, {})
        if intake.application is None:
            _sms(case, "case_accepted")
        documents += issue_for_case(case=case, kind="accept", actor=actor)
    elif intake.application is None:
        _sms(case, "case_submitted")
    case.written = Written(
        materials=[
            (row, list(intake.given[row.requirement].files) if row.requirement in intake.given else [])
            for row in rows
        ],
        events=events,
        documents=documents,
    )
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
    form: Mapping[str, Any] | None = None,
    situation: str = "",
) -> Case:
    """一窗受理: any window accepts any item its point offers.

    A clerk's (or bank clerk's) complete application is accepted at once; an agent's, an online or a
    kiosk application waits as ``submitted`` for the window to check it. A material whose type of
    licence the applicant already holds is satisfied by that licence, without an upload (免证办). With
    ``applicant.region`` in another town, that town's power applies (跨乡镇通办): the case goes to its
    approval center and the result comes back to this point.

    ``form`` is the item's application form as filled (``catalog.forms.form_validate`` checks it;
    the case keeps the cleaned values and issues the 申请表); None when the applicant filled it on
    paper. ``situation`` is the code of the item's 办理情形 the applicant is in (``catalog.situations``):
    the materials are checked against that situation's list; empty, against every material.
    """
    _check_intake(actor=actor, point=point, channel=channel)
    return _create_one(
        actor=actor,
        item=item,
        point=point,
        channel=channel,
        applicant=applicant,
        materials=materials,
        tolerated=tolerated,
        commitments=commitments,
        consent_file=consent_file,
        note=note,
        form=form,
        situation=situation,
    )


def _create_one(
    *,
    actor: Staff,
    item: ServiceItem,
    point: ServicePoint,
    channel: str,
    applicant: ApplicantInput,
    materials: Iterable[MaterialInput],
    tolerated: Iterable[str],
    commitments: Iterable[str],
    consent_file: Any,
    note: str,
    form: Mapping[str, Any] | None = None,
    situation: str = "",
) -> Case:
    """One case, once the actor may take it: the item's offer, the applicant, the materials (of the
    办理情形 when one is named), the application form."""
    version = _check_offered(item, point)
    person = _validate_applicant(applicant)
    situation = (situation or "").strip()
    requirements = {m["code"]: m for m in requirements_for(version.snapshot, situation)}
    if situation:
        note = (_("办理情形：%(name)s。") % {"name": situation_name(version.snapshot, situation)}) + note
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
    errors = _situation_errors(version.snapshot, situation, requirements, intake) or _material_errors(
        requirements, given, intake.tolerated, intake.committed
    )
    if errors:
        raise Invalid(_("申请材料有误，请检查。"), fields=errors)
    intake.breach_until = _breach_check(person, intake.committed)
    intake.form = _filled_form(item, form)
    intake.licenses = _held_licenses(person, [version])
    return _open_case(intake, item=item, version=version, requirements=requirements, situation=situation)


def _situation_errors(
    snapshot: Mapping[str, Any], situation: str, requirements: Mapping[str, Any], intake: _Intake
) -> dict[str, list[str]]:
    """A paper of the item that the chosen 办理情形 does not ask for, named as such (rather than as
    unknown): given, tolerated or promised under another situation's list."""
    if not situation:
        return {}
    names = {m["code"]: m["name"] for m in snapshot.get("materials") or []}
    label = situation_name(snapshot, situation)
    errors: dict[str, list[str]] = {}
    for field_name, codes in (
        ("materials", set(intake.given)),
        ("tolerated", intake.tolerated),
        ("commitments", intake.committed),
    ):
        for code in sorted(c for c in codes if c in names and c not in requirements):
            errors.setdefault(field_name, []).append(
                _("办理情形“%(situation)s”不需要“%(name)s”。") % {"situation": label, "name": names[code]}
            )
    return errors


def form_fingerprint(fields: list[dict[str, Any]], values: Mapping[str, Any]) -> str:
    """SM3 of the filled form's canonical JSON (fields as defined, values as cleaned)."""
    from yichuang.documents.crypto import sm3_hex

    canonical = json.dumps({"fields": fields, "values": dict(values)}, ensure_ascii=False, sort_keys=True)
    return sm3_hex(canonical.encode("utf-8"))


def _form_trace(form: tuple[list[dict[str, Any]], dict[str, Any]] | None) -> dict[str, str]:
    """The submit line's fingerprint of the filled form, so the case's audit chain vouches for the
    values kept beside it in ``CaseForm`` (``case_form_intact``); nothing when there is none."""
    if form is None:
        return {}
    return {"form_sm3": form_fingerprint(form[0], form[1])}


def case_form_intact(case: Case) -> bool:
    """Whether the case's kept form is still what was submitted (the submit line's fingerprint, which
    the audit chain protects). A case without a form is intact."""
    try:
        kept = CaseForm.objects.get(case=case)
    except CaseForm.DoesNotExist:
        return True
    submitted = (
        case.events.filter(action="submit").order_by("at", "id").values_list("data", flat=True).first()
    )
    expected = (submitted or {}).get("form_sm3", "")
    return bool(expected) and expected == form_fingerprint(kept.fields, kept.values)


def _filled_form(
    item: ServiceItem, form: Mapping[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """The form to keep with the case: None when none was given or the item defines no fields."""
    if form is None:
        return None
    values = form_validate(item=item, data=form)
    defined = form_fields_for(item)
    if not defined:
        return None
    fields = [
        {"key": field.key, "label": field.label, "label_en": field.label_en, "kind": field.kind}
        for field in defined
    ]
    return fields, values


@transaction.atomic
def online_case_create(
    *,
    actor: Staff,
    item: ServiceItem,
    point: ServicePoint,
    applicant: ApplicantInput,
    materials: Iterable[MaterialInput] = (),
    commitments: Iterable[str] = (),
    note: str = "",
    form: Mapping[str, Any] | None = None,
    channel: str = Channel.ONLINE,
    situation: str = "",
) -> Case:
    """网上申请 by the applicant himself (``yichuang.citizens``): the same checks of the item, the
    applicant and the materials as ``case_create``, without the staff's right to take it at the
    point (he may apply at any point that offers the item). The case waits as ``submitted`` on
    channel ``online`` for the window's pre-review. ``actor`` is the account that stands for the
    applicant in the records."""
    return _create_one(
        actor=actor,
        item=item,
        point=point,
        # online, or at a self-service kiosk (自助终端) where he signed in himself
        channel=channel if channel in (Channel.ONLINE, Channel.KIOSK) else Channel.ONLINE,
        applicant=applicant,
        materials=materials,
        tolerated=(),
        commitments=commitments,
        consent_file=None,
        note=note,
        form=form,
        situation=situation,
    )


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
    form: Mapping[str, Any] | None = None,
) -> BundleReceipt:
    """一件事一次办: one application creates a linked case per item of the bundle.

    The applicant gives one set of materials against the bundle's merged list; each case takes the
    materials its own item asks for, so nothing is asked twice. Likewise one ``form``: each item's
    fields are checked and each case keeps (and prints) the values its own item asks for; a key two
    items define means the same thing in both (like a material code). All cases are written or none.
    """
    _check_intake(actor=actor, point=point, channel=channel)
    return _bundle_create(
        actor=actor,
        bundle=bundle,
        point=point,
        channel=channel,
        applicant=applicant,
        materials=materials,
        tolerated=tolerated,
        commitments=commitments,
        consent_file=consent_file,
        note=note,
        form=form,
    )


@transaction.atomic
def online_bundle_apply(
    *,
    actor: Staff,
    bundle: Bundle,
    point: ServicePoint,
    applicant: ApplicantInput,
    materials: Iterable[MaterialInput] = (),
    commitments: Iterable[str] = (),
    note: str = "",
    form: Mapping[str, Any] | None = None,
) -> BundleReceipt:
    """一件事 applied for online by the applicant himself (``yichuang.citizens``): ``bundle_apply``
    without the staff's right to take it at the point, its cases ``submitted`` on channel ``online``
    for the window's pre-review, no 容缺 (a window grants that)."""
    return _bundle_create(
        actor=actor,
        bundle=bundle,
        point=point,
        channel=Channel.ONLINE,
        applicant=applicant,
        materials=materials,
        tolerated=(),
        commitments=commitments,
        consent_file=None,
        note=note,
        form=form,
    )


def _bundle_create(
    *,
    actor: Staff,
    bundle: Bundle,
    point: ServicePoint,
    channel: str,
    applicant: ApplicantInput,
    materials: Iterable[MaterialInput],
    tolerated: Iterable[str],
    commitments: Iterable[str],
    consent_file: Any,
    note: str,
    form: Mapping[str, Any] | None,
) -> BundleReceipt:
    if not bundle.active:
        raise Invalid(_("该“一件事”已停用。"), fields={"bundle": [_("已停用。")]})
    items = [entry.item for entry in bundle.entries.select_related("item").order_by("order", "id")]
    if not items:
        raise Invalid(_("该“一件事”没有包含事项。"), fields={"bundle": [_("没有事项。")]})
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
    breach_until = _breach_check(person, committed_set)
    forms = _filled_forms(items, form)
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
        breach_until=breach_until,
    )
    cases = []
    for item, version, filled in zip(items, versions, forms, strict=True):
        intake.form = filled
        cases.append(_open_case(intake, item=item, version=version))
        if version.snapshot.get("result_license_type"):
            intake.produced.add(version.snapshot["result_license_type"])
    _bundle_sms(application, cases)
    return BundleReceipt(application=application, cases=cases)


def _filled_forms(
    items: list[ServiceItem], form: Mapping[str, Any] | None
) -> list[tuple[list[dict[str, Any]], dict[str, Any]] | None]:
    """Each item's form from one set of values, every item's faults reported at once (a field two
    items share is named once)."""
    filled: list[tuple[list[dict[str, Any]], dict[str, Any]] | None] = []
    faults: dict[str, list[str]] = {}
    for item in items:
        try:
            filled.append(_filled_form(item, form))
        except Invalid as exc:
            for key, messages in exc.fields.items():
                faults.setdefault(key, list(messages))
            filled.append(None)
    if faults:
        raise Invalid(_("申请表填写有误，请按提示修改。"), fields=faults, code="form_invalid")
    return filled


def _bundle_sms(application: BundleApplication, cases: list[Case]) -> None:
    """One message for the whole 一件事 (not one per item): its number, which the applicant tracks
    it by, and the latest promised date when every case was accepted."""
    from yichuang.notify.services import sms_enqueue

    accepted = all(c.status == CaseStatus.ACCEPTED for c in cases)
    dates = [c.due_date for c in cases if c.due_date is not None]
    sms_enqueue(
        to=application.applicant_phone,
        template="case_accepted" if accepted else "case_submitted",
        context={
            "number": application.number,
            "item": f"“{application.bundle.name}”（{len(cases)}个事项）",
            "point": application.point.name,
            "due_date": max(dates).isoformat() if accepted and dates else "",
            "name": application.applicant_name,
        },
        case_number=application.number,
    )
