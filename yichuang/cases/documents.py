"""What a case's documents say, and which seal stamps them.

A case action (accept, notify, refuse, approve, deny, deliver) issues its documents here, in its own
transaction: this module composes the JSON snapshot each one prints (applicant masked, the item's
legal basis, the certificate as the 电子证照库 issued it, …) and picks the seal by "一枚印章管审批";
the documents app writes the rows and renders and signs them after commit (``documents.services``),
knowing nothing of cases. Like ``handover/documents.py`` for the handover lists.

The rules this app registers with the documents app (``apps.py``): who may read a case's documents
(whoever may see the case), and how to choose their seal again when the one chosen at issue was
revoked before the document was signed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone

from yichuang.cases.models import MaterialState
from yichuang.catalog.models import LicenseType, ResultType
from yichuang.common.compiled import CompiledRead
from yichuang.common.identity import (
    birth_date_from_id,
    gender_from_id,
    mask_phone,
    mask_resident_id,
    mask_uscc,
    resident_id_valid,
)
from yichuang.documents.api import document_ref
from yichuang.documents.models import Document, DocumentKind, Seal, SealKind
from yichuang.documents.selectors import department_seal, hands_out_elsewhere, output_seal
from yichuang.documents.services import documents_issue
from yichuang.documents.wording import wording
from yichuang.org.models import ServicePoint, Staff

#: The documents each case action produces (the action's own name is the ``kind`` of issue_for_case).
ACTION_DOCUMENTS: dict[str, list[str]] = {
    "accept": [DocumentKind.ACCEPTANCE_NOTICE, DocumentKind.COMMITMENT],
    "notify": [DocumentKind.SUPPLEMENT_NOTICE],
    "refuse": [DocumentKind.REFUSAL_NOTICE],
    "approve": [DocumentKind.APPROVAL_DECISION, DocumentKind.CERTIFICATE],
    "deny": [DocumentKind.DENIAL_DECISION],
    "deliver": [DocumentKind.DELIVERY_RECEIPT],
    "revoke": [DocumentKind.REVOCATION_DECISION],
}
#: Every kind of document a case has.
CASE_KINDS = sorted({kind for kinds in ACTION_DOCUMENTS.values() for kind in kinds})
DELIVERY_LABELS = {
    "pickup": "现场领取",
    "mail": "免费邮寄",
    "kiosk": "自助终端领取",
    "agent": "代办员送证上门",
}

#: The seal a decision is made under, by the power the handling unit exercises (``Case.handling_mode``).
SEAL_BY_MODE = {
    "own": SealKind.APPROVAL,  # 乡镇本级 statutory items: 行政审批专用章
    "granted": SealKind.APPROVAL,  # 直接赋权: the town exercises the power in its own name
    "entrusted": SealKind.DELEGATED,  # 委托下放: in the county's name, under the numbered seal it issued
    "front_desk_only": SealKind.DEPARTMENT,  # 服务前移: the county department decides
    "county": SealKind.DEPARTMENT,
}


# —— which seal ——


def decision_seal(
    *, department_id: int, mode: str, at: dt.datetime | None = None, item_id: int | None = None
) -> Seal | None:
    """The seal of the unit that decides under ``mode``; the newest one in force (a numbered seal only
    for the items its grant covers)."""
    return department_seal(
        kind=SEAL_BY_MODE.get(mode, SealKind.DEPARTMENT), department_id=department_id, at=at, item_id=item_id
    )


def seal_for(
    *,
    kind: str,
    department_id: int,
    department_region_id: int,
    mode: str,
    point: ServicePoint | None = None,
    at: dt.datetime | None = None,
    item_id: int | None = None,
) -> Seal | None:
    """ "一枚印章管审批": the seal that stamps a document of ``kind`` for a case decided by the
    department under ``mode``; a 送达回证 handed out at ``point`` in another town bears that point's
    出件章. None when no seal in force is registered (the document then stays unsealed)."""
    if (
        kind == DocumentKind.DELIVERY_RECEIPT
        and point is not None
        and hands_out_elsewhere(department_region_id=department_region_id, point=point)
    ):
        seal = output_seal(point=point, at=at)
        if seal is not None:
            return seal
    return decision_seal(department_id=department_id, mode=mode, at=at, item_id=item_id)


def seal_again(document: Document, at: dt.datetime) -> Seal | None:
    """The seal for a case document whose seal was revoked before it was signed: the same rule, from
    what the document recorded at issue (``seal_rule``), at the signing time."""
    rule = document.data.get("seal_rule") or {}
    if not rule.get("department_id"):
        return None
    point = ServicePoint.objects.filter(pk=int(rule.get("point_id") or 0)).first()
    return seal_for(
        kind=document.kind,
        department_id=int(rule["department_id"]),
        department_region_id=int(rule["department_region_id"]),
        mode=str(rule.get("mode", "")),
        point=point,
        at=at,
        item_id=int(rule["item_id"]) if rule.get("item_id") else None,
    )


# —— what they say ——


def _local_day(moment: dt.datetime | None) -> str | None:
    return timezone.localdate(moment).isoformat() if moment else None


def _case_snapshot(case: Any) -> dict[str, Any]:
    item = case.item_version.snapshot
    mask = mask_resident_id if case.applicant_kind == "person" else mask_uscc
    return {
        "number": case.number,
        "item": case.item.name,
        "item_code": case.item.code,
        "item_type": item.get("type", ""),
        "legal_basis": item.get("legal_basis", ""),
        "result_name": item.get("result_name", ""),
        "consult_phone": item.get("consult_phone", ""),
        "applicant": case.applicant_name,
        "applicant_kind": case.applicant_kind,
        "applicant_id": mask(case.applicant_id_number),
        "applicant_phone": mask_phone(case.applicant_phone),
        "point": case.point.name,
        "point_phone": case.point.phone,
        "region": case.region.name,
        "created_at": _local_day(case.created_at) or _local_day(timezone.now()),
        "accepted_at": _local_day(case.accepted_at),
        "department": case.handling_department.name,
    }


def _acceptance(case: Any, base: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    states = list(
        case.materials.filter(state__in=[MaterialState.TOLERATED, MaterialState.COMMITTED])
        .order_by("id")
        .values_list("name", "state")
    )
    tolerated = [name for name, state in states if state == MaterialState.TOLERATED]
    committed = [name for name, state in states if state == MaterialState.COMMITTED]
    item = case.item_version.snapshot
    notice = {
        **base,
        "due_date": case.due_date.isoformat() if case.due_date else None,
        "statutory_due_date": case.statutory_due_date.isoformat() if case.statutory_due_date else None,
        "supplement_due_date": case.supplement_due_date.isoformat() if case.supplement_due_date else None,
        "promised_days": item.get("promised_days"),
        "statutory_days": item.get("statutory_days"),
        "tolerated": tolerated,
        "committed": committed,
    }
    out: list[tuple[str, dict[str, Any]]] = [(DocumentKind.ACCEPTANCE_NOTICE, notice)]
    if committed:
        out.append((DocumentKind.COMMITMENT, {**base, "committed": committed}))
    return out


def _approval(case: Any, base: dict[str, Any], note: str) -> list[tuple[str, dict[str, Any]]]:
    item = case.item_version.snapshot
    decision = {
        **base,
        "legal_basis": item.get("legal_basis", ""),
        "result_name": item.get("result_name", ""),
    }
    if note:
        decision["note"] = note
    out: list[tuple[str, dict[str, Any]]] = [(DocumentKind.APPROVAL_DECISION, decision)]
    certificate = _issued_certificate(case)
    if (
        certificate is None
        and item.get("result_type") == ResultType.CERTIFICATE
        and item.get("result_license_type")
    ):
        license_type = LicenseType.objects.filter(code=item["result_license_type"]).first()
        certificate = _certificate(case, license_type) if license_type is not None else None
    if certificate is not None:
        out.append((DocumentKind.CERTIFICATE, {**base, "certificate": certificate}))
        decision["license_name"] = certificate["name"]
        decision["license_number"] = certificate["number"]
    return out


def _issued_certificate(case: Any) -> dict[str, Any] | None:
    """The licence the approval just put in the 电子证照库 (licenses app), printed as it was issued."""
    try:
        issued = case.issued_license  # cached by the approval that created it: no query
    except ObjectDoesNotExist:
        return None
    certificate = _certificate(
        case, issued.license_type, number=issued.number, valid_until=issued.valid_until
    )
    if issued.fields:
        # The fields as the licence holds them, laid out as its type's layout says (证照套打).
        from yichuang.licenses.layouts import layout_for

        layout = layout_for(issued.license_type_id).presentation(type_name=issued.license_type.name)
        certificate.update(rows=issued.fields, layout=layout, title=layout["title"])
    return certificate


def _form_text(kind: str, value: Any) -> str:
    from yichuang.catalog.forms import mask_value

    if kind == "date" and isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
        return f"{day.year}年{day.month}月{day.day}日"
    return str(mask_value(kind, value))


def certificate_facts(case: Any) -> dict[str, str]:
    """What a case says that a certificate may print (``licenses.layouts``), as plain strings keyed by
    source: the applicant (ID number masked, gender and birth date read from it), the item, the case,
    and each filled form field as ``form.<key>`` (ID numbers and phones masked, dates in Chinese).
    Reads only what the approval's locked read already holds (the form comes with it)."""
    facts: dict[str, str] = {
        "applicant.name": case.applicant_name,
        "applicant.region": case.region.name,
        "item.name": case.item.name,
        "case.number": case.number,
        "case.department": case.handling_department.name,
        "case.point": case.point.name,
        "case.accepted_on": _chinese(case.accepted_at),
    }
    if case.applicant_kind == "person":
        facts["applicant.id_number"] = mask_resident_id(case.applicant_id_number)
        if resident_id_valid(case.applicant_id_number):
            facts["applicant.gender"] = "男" if gender_from_id(case.applicant_id_number) == "male" else "女"
            born = birth_date_from_id(case.applicant_id_number)
            facts["applicant.birth_date"] = f"{born.year}年{born.month}月{born.day}日"
    else:
        facts["applicant.id_number"] = mask_uscc(case.applicant_id_number)
    try:
        form = case.form
    except ObjectDoesNotExist:
        form = None
    if form is not None:
        values = form.values or {}
        for spec in form.fields or []:
            key = spec.get("key")
            if key in values and values[key] not in (None, ""):
                facts[f"form.{key}"] = _form_text(str(spec.get("kind", "text")), values[key])
    return facts


def _chinese(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    day = timezone.localdate(moment)
    return f"{day.year}年{day.month}月{day.day}日"


def _certificate(
    case: Any, license_type: Any, *, number: str = "", valid_until: dt.date | None = None
) -> dict[str, Any]:
    issued = timezone.localdate()
    if valid_until is None and license_type.validity_years and not number:
        try:
            valid_until = issued.replace(year=issued.year + license_type.validity_years)
        except ValueError:  # 29 February
            valid_until = issued.replace(year=issued.year + license_type.validity_years, day=28)
    data: dict[str, Any] = {
        "code": license_type.code,
        "name": license_type.name,
        "number": number or f"{license_type.code}-{case.number}",
        "valid_until": valid_until.isoformat() if valid_until else None,
    }
    if case.applicant_kind == "person" and resident_id_valid(case.applicant_id_number):
        data["gender"] = "男" if gender_from_id(case.applicant_id_number) == "male" else "女"
        data["birth_date"] = birth_date_from_id(case.applicant_id_number).isoformat()
    return data


def _delivery(case: Any, base: dict[str, Any], actor: Staff, point: ServicePoint) -> dict[str, Any]:
    delivered = list(
        Document.objects.filter(
            case=case, kind__in=[DocumentKind.APPROVAL_DECISION, DocumentKind.CERTIFICATE]
        ).values_list("title", flat=True)
    )
    place = point.name + (f"（{point.address}）" if point.address else "")
    if case.delivery_method == "mail":
        place = "邮寄至申请人预留地址"
    elif case.delivery_method == "agent":
        place = f"由{point.name}代办员送至申请人住所"
    return {
        **base,
        "method": case.delivery_method,
        "method_label": DELIVERY_LABELS.get(case.delivery_method, case.delivery_method),
        "tracking_number": case.tracking_number,
        "recipient": case.recipient_name,
        "documents": delivered,
        "place": place,
        "actor": actor.get_full_name() or actor.username,
        "delivered_at": timezone.localtime(case.delivered_at or timezone.now()).strftime(
            "%Y年%m月%d日 %H:%M"
        ),
    }


def _title(kind: str, data: dict[str, Any]) -> str:
    words = wording(data["case"].get("item_type"))
    if kind == DocumentKind.APPROVAL_DECISION:
        return words.approve_title
    if kind == DocumentKind.DENIAL_DECISION:
        return words.deny_title
    if kind == DocumentKind.CERTIFICATE:
        return str(data["certificate"].get("title") or data["certificate"]["name"])
    if kind == DocumentKind.REVOCATION_DECISION:
        return "撤销行政许可决定书" if data["case"].get("item_type") == "licensing" else "撤销决定书"
    return str(DocumentKind(kind).label)


def _revocation(case: Any, base: dict[str, Any], reason: str) -> dict[str, Any]:
    """What the 撤销决定书 prints: the decision revoked, the papers promised, the reason, the licence
    revoked with it, the breach's period and the remedy (a revocation is reviewable like a denial)."""
    from yichuang.cases.services import remedy_text

    data: dict[str, Any] = {
        **base,
        "reason": reason,
        "decided_on": _local_day(case.decided_at),
        "decision_title": wording(base["case"].get("item_type")).approve_title,
        "remedy": remedy_text(case),
    }
    try:
        data["committed"] = [str(entry["name"]) for entry in case.postcheck.committed]
    except ObjectDoesNotExist:
        data["committed"] = []
    try:
        issued = case.issued_license
    except ObjectDoesNotExist:
        issued = None
    if issued is not None:
        data["license_name"] = issued.license_type.name
        data["license_number"] = issued.number
    with contextlib.suppress(ObjectDoesNotExist):
        data["breach_until"] = case.commitment_breach.until.isoformat()
    return data


def issue_for_case(*, case: Any, kind: str, actor: Staff, note: str = "") -> list[Document]:
    """Write the document rows a case action produces (``kind`` is the action: accept, notify,
    refuse, approve, deny, deliver); call it at the end of the action, inside its transaction.

    Nothing is rendered here: one seal lookup and one insert (a few more reads for acceptance with
    容缺/承诺, certificates and delivery). The PDFs are made after commit, off the request.
    """
    if kind not in ACTION_DOCUMENTS:
        return []
    from yichuang.cases.services import remedy_text

    now = timezone.now()
    # Where the actor works (a delivery handed out at another point); the accepting point otherwise.
    point: ServicePoint = case.point
    if actor.point_id is not None and actor.point_id != case.point_id and actor.point is not None:
        point = actor.point
    base: dict[str, Any] = {
        "case": _case_snapshot(case),
        "issued_on": timezone.localdate(now).isoformat(),
        "seal_rule": {
            "department_id": case.handling_department_id,
            "department_region_id": case.handling_department.region_id,
            "mode": case.handling_mode,
            "point_id": point.pk,
            "item_id": case.item_id,
        },
    }
    if kind == "accept":
        planned = _acceptance(case, base)
    elif kind == "notify":
        missing = list(
            case.materials.filter(state=MaterialState.MISSING).order_by("id").values_list("name", flat=True)
        )
        planned = [
            (
                DocumentKind.SUPPLEMENT_NOTICE,
                {**base, "missing": [{"name": n} for n in missing], "note": note},
            )
        ]
    elif kind == "refuse":
        planned = [
            (
                DocumentKind.REFUSAL_NOTICE,
                {**base, "reason": case.decision_reason, "remedy": remedy_text(case)},
            )
        ]
    elif kind == "approve":
        planned = _approval(case, base, note)
    elif kind == "revoke":
        planned = [(DocumentKind.REVOCATION_DECISION, _revocation(case, base, note))]
    elif kind == "deny":
        planned = [
            (
                DocumentKind.DENIAL_DECISION,
                {**base, "reason": case.decision_reason, "remedy": remedy_text(case)},
            )
        ]
    else:
        planned = [(DocumentKind.DELIVERY_RECEIPT, {**_delivery(case, base, actor, point), "note": note})]
    seals: dict[str, Seal | None] = {}
    documents: list[tuple[str, dict[str, Any], Seal | None]] = []
    for document_kind, data in planned:
        rule = "output" if document_kind == DocumentKind.DELIVERY_RECEIPT else "decision"
        if rule not in seals:
            seals[rule] = seal_for(
                kind=document_kind,
                department_id=case.handling_department_id,
                department_region_id=case.handling_department.region_id,
                mode=case.handling_mode,
                point=point,
                at=now,
                item_id=case.item_id,
            )
        data["title"] = _title(document_kind, data)
        documents.append((document_kind, data, seals[rule]))
    return documents_issue(owner=case, documents=documents, actor=actor, at=now)


CHANNEL_LABELS = {
    "window": "窗口申请",
    "agent": "村代办员代办",
    "online": "网上申请",
    "bank": "政银网点申请",
    "kiosk": "自助终端申请",
}


def application_form_rows(fields: list[dict[str, Any]], values: dict[str, Any]) -> list[list[str]]:
    """The filled form as the 申请表 prints it: (label, value) in the form's order, ID numbers and
    phones masked like the applicant's own on every document (the full values stay with the case)."""
    from yichuang.catalog.forms import mask_value

    return [
        [str(field["label"]), str(mask_value(field["kind"], values[field["key"]]))]
        for field in fields
        if field["key"] in values
    ]


def issue_application_form(
    *, case: Any, fields: list[dict[str, Any]], values: dict[str, Any], actor: Staff
) -> Document:
    """申请表: the applicant's own form, filled online or at the window, among the case's documents.
    It is the applicant's statement, not an act of the administration: no seal (stored unsealed,
    still signed by the platform and verifiable)."""
    from yichuang.documents.services import document_issue

    now = timezone.now()
    data: dict[str, Any] = {
        "case": _case_snapshot(case),
        "issued_on": timezone.localdate(now).isoformat(),
        "channel_label": CHANNEL_LABELS.get(case.channel, case.channel),
        "form_rows": application_form_rows(fields, values),
        "title": f"{case.item.name}申请表",
    }
    if case.channel == "online":
        data["signed_note"] = "（网上申请，申请人已通过实名认证并在线确认。）"
    return document_issue(
        owner=case, kind=DocumentKind.APPLICATION_FORM, data=data, seal=None, actor=actor, at=now
    )


def _documents_query(case_id: int) -> QuerySet[Any, Any]:
    return (
        Document.objects.filter(case_id=case_id)
        .order_by("issued_at", "id")
        .values_list("id", "kind", "verify_code", "title")
    )


#: Read after every action (the answer) and on every detail: compiled once (decision 148), and only
#: the columns a reference shows (not the documents' snapshots).
_DOCUMENTS = CompiledRead(Document, _documents_query)


def case_documents(case: Any, *, titles: bool = False) -> list[dict[str, str]]:
    """The ``documents`` list of a case in the case detail (contract.md)."""
    return [
        document_ref(pk, kind, verify_code, title, titles=titles)
        for pk, kind, verify_code, title in _DOCUMENTS.rows(case.pk)
    ]
