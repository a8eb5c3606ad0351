"""What a handover list's sealed documents say, and the unsealed draft.

Seed 003 (河口区) asks for a handover list with 交接联系人、交接时间、交接手续. When the list is sent it is
fixed: the documents app issues it as a sealed, verifiable 移交清单, stamped by the sending unit. When
the receiver confirms, a 移交清单回执 records what arrived and what did not, stamped by the receiving
unit (decision 57). Both are written in the action's transaction as a JSON snapshot (this module) and
rendered and signed after commit (``documents.services``), like a case's documents.

A draft (or a cancelled list) is not a document: its PDF is drawn on each request, marked 草稿 (已作废)
across the page, with no seal and no verify code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone, translation

from yichuang.common.identity import mask_name, mask_phone
from yichuang.documents.models import HANDOVER_KINDS, Document, DocumentKind, Seal
from yichuang.documents.render import handover_document
from yichuang.documents.selectors import unit_seal
from yichuang.documents.services import document_issue
from yichuang.handover.models import EntryState, Handover, HandoverEntry, HandoverStatus
from yichuang.org.models import ServicePoint, Staff
from yichuang.org.units import Unit

#: A list in one of these states has been sent: its 移交清单 is a sealed document.
SENT_STATUSES = (HandoverStatus.SENT, HandoverStatus.RECEIVED, HandoverStatus.PARTLY_RECEIVED)
#: … and in one of these it has been confirmed: it has a 回执 too.
CONFIRMED_STATUSES = (HandoverStatus.RECEIVED, HandoverStatus.PARTLY_RECEIVED)
WATERMARKS = {HandoverStatus.DRAFT: "草稿", HandoverStatus.CANCELLED: "已作废"}


def _when(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def _name(user: Staff | None) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _unit(unit: Unit) -> dict[str, str]:
    return {"kind": unit.kind, "code": unit.code, "name": unit.name, "ref": unit.ref}


def _entries(handover: Handover) -> list[HandoverEntry]:
    return list(
        HandoverEntry.objects.filter(handover=handover)
        .select_related("case", "case__item")
        .order_by("position", "id")
    )


def _row(entry: HandoverEntry, *, receipt: bool) -> dict[str, str]:
    case = entry.case
    row = {
        "position": str(entry.position),
        "case_number": case.number,
        "item_name": case.item.name,
        "applicant": mask_name(case.applicant_name),
        "accepted_at": timezone.localdate(case.accepted_at).isoformat() if case.accepted_at else "",
        "note": entry.note,
    }
    if receipt:
        row["state"] = str(EntryState(entry.state).label)
        row["receipt_note"] = entry.receipt_note
    return row


def _facts(handover: Handover, entries: list[HandoverEntry]) -> dict[str, Any]:
    """What the verify page may show of the list: no names, no phones."""
    return {
        "number": handover.number,
        "from_unit": _unit(handover.from_unit),
        "to_unit": _unit(handover.to_unit),
        "count": len(entries),
        "status": handover.status,
        "sent_at": handover.sent_at.isoformat() if handover.sent_at else None,
        "received_at": handover.received_at.isoformat() if handover.received_at else None,
    }


def list_snapshot(handover: Handover) -> dict[str, Any]:
    """The list as it leaves: both units, the contact (phone masked), who sent it when, every file."""
    entries = _entries(handover)
    with translation.override("zh-hans"):
        header = [
            ["移交单位", handover.from_unit.name],
            ["接收单位", handover.to_unit.name],
            ["交接联系人", handover.contact_name],
            ["联系电话", mask_phone(handover.contact_phone)],
            ["移交人", _name(handover.sent_by or handover.created_by)],
            ["移交时间", _when(handover.sent_at)],
        ]
        if handover.note:
            header.append(["备注", handover.note])
        return {
            "handover": _facts(handover, entries),
            "header": header,
            "rows": [_row(entry, receipt=False) for entry in entries],
            "issuer": handover.from_unit.name,
        }


def receipt_snapshot(handover: Handover) -> dict[str, Any]:
    """The receiver's confirmation: each file's state on arrival, with his notes, and the counts."""
    entries = _entries(handover)
    with translation.override("zh-hans"):
        header = [
            ["移交单位", handover.from_unit.name],
            ["接收单位", handover.to_unit.name],
            ["移交时间", _when(handover.sent_at)],
            ["接收人", _name(handover.received_by)],
            ["接收确认时间", _when(handover.received_at)],
            ["接收结果", str(HandoverStatus(handover.status).label)],
        ]
        if handover.receipt_note:
            header.append(["接收意见", handover.receipt_note])
        counts = [
            f"{EntryState(state).label} {n} 件"
            for state in (EntryState.RECEIVED, EntryState.MISSING, EntryState.DAMAGED, EntryState.RETURNED)
            if (n := sum(1 for entry in entries if entry.state == state))
        ]
        return {
            "handover": _facts(handover, entries),
            "header": header,
            "rows": [_row(entry, receipt=True) for entry in entries],
            "summary": f"共 {len(entries)} 件：{'，'.join(counts)}。",
            "issuer": handover.to_unit.name,
        }


# —— issuing, and which seal ——


def _unit_rule(handover: Handover, end: str) -> dict[str, Any]:
    point_id = getattr(handover, f"{end}_point_id")
    if point_id is not None:
        return {"unit": "point", "id": point_id}
    return {"unit": "department", "id": getattr(handover, f"{end}_department_id")}


def _unit_seal(rule: dict[str, Any], at: dt.datetime) -> Seal | None:
    if rule.get("unit") == "department":
        return unit_seal(department_id=int(rule["id"]), at=at)
    point = ServicePoint.objects.filter(pk=int(rule.get("id") or 0)).first()
    return unit_seal(point=point, at=at) if point is not None else None


def seal_again(document: Document, at: dt.datetime) -> Seal | None:
    """The seal for a list's document whose seal was revoked before it was signed: the same end's
    unit seal in force at the signing time (``seal_rule`` recorded at issue)."""
    rule = document.data.get("seal_rule") or {}
    return _unit_seal(rule, at) if rule.get("id") else None


def _issue(*, handover: Handover, kind: str, actor: Staff | None, data: dict[str, Any]) -> Document:
    """Write the document row of a handover list: the list itself (``handover_list``) when it is sent,
    stamped by the sending unit; its receipt (``handover_receipt``) when the receiver confirms, stamped
    by the receiving unit (``documents.selectors.unit_seal``). Called inside the send or confirm
    transaction, with the list row locked.

    As for a case, the PDF is made after commit. The database holds one document of each kind per
    list (``document_handover_kind_once``), so a list sent twice at once cannot get two.
    """
    now = timezone.now()
    rule = _unit_rule(handover, HANDOVER_KINDS[DocumentKind(kind)])
    title = str(DocumentKind(kind).label)
    return document_issue(
        owner=handover,
        kind=kind,
        data={**data, "title": title, "issued_on": timezone.localdate(now).isoformat(), "seal_rule": rule},
        seal=_unit_seal(rule, now),
        actor=actor,
        at=now,
    )


def issue_sent_list(*, handover: Handover, actor: Staff | None) -> Document:
    """In the send transaction: the sealed 移交清单, stamped by the sending unit."""
    return _issue(
        handover=handover, kind=DocumentKind.HANDOVER_LIST, actor=actor, data=list_snapshot(handover)
    )


def issue_receipt(*, handover: Handover, actor: Staff | None) -> Document:
    """In the confirm transaction: the sealed 回执, stamped by the receiving unit."""
    return _issue(
        handover=handover, kind=DocumentKind.HANDOVER_RECEIPT, actor=actor, data=receipt_snapshot(handover)
    )


def visible_documents(user: Any) -> Q:
    """Whoever may see a list may read its documents (registered in ``apps.py``)."""
    from yichuang.handover.selectors import handovers_for

    return Q(handover__in=handovers_for(user).values("pk"))


def document_of(handover: Handover, kind: str) -> Document | None:
    """The list's document of ``kind`` (from the prefetch of ``selectors.with_details`` when there is one)."""
    return next((d for d in handover.documents.all() if d.kind == kind), None)


def draft_pdf(handover: Handover) -> bytes:
    """A draft or cancelled list as a PDF to look at: 草稿 (已作废) across every page, no seal, no verify
    code. It is drawn anew on each request: until the list is sent it may still change."""
    mark = WATERMARKS.get(HandoverStatus(handover.status), "草稿")
    data = {
        **list_snapshot(handover),
        "title": f"移交清单（{mark}）",
        "issued_on": timezone.localdate().isoformat(),
    }
    return handover_document(
        kind=DocumentKind.HANDOVER_LIST,
        data=data,
        issuer=handover.from_unit.name,
        seal=None,
        watermark=mark,
    )
