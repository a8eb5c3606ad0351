"""Writes of seals and documents.

Issuing is split in two so case actions stay fast (the lifecycle benchmark, docs/benchmarks.md):

1. ``issue_for_case`` runs inside the case action's transaction and only writes ``Document`` rows
   (``issue_for_handover`` likewise when a handover list is sent or confirmed):
   the kind, the seal the delegation rules pick, a verify code and a JSON snapshot of what the
   document says. A rolled-back action leaves no document.
2. After commit the PDF is rendered, its SM3 digest signed with the seal's SM2 key and stored
   (``document_sign``): by a Celery worker when ``REDIS_URL`` is set, in-process otherwise; and in
   any case on demand when someone downloads or verifies it before that (decision 36).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import secrets
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from yichuang.common.enqueue import enqueue
from yichuang.common.identity import mask_phone, mask_resident_id, mask_uscc
from yichuang.documents.crypto import (
    decrypt_private_key,
    encrypt_private_key,
    sm2_generate,
    sm2_sign,
    sm3_hex,
)
from yichuang.documents.models import HANDOVER_KINDS, Document, DocumentKind, DocumentStatus, Seal
from yichuang.documents.pdf import SealImage
from yichuang.documents.selectors import (
    _CODE_ALPHABET,
    format_code,
    read_stored,
    seal_for,
    signed_statement,
    unit_seal,
)
from yichuang.org.models import Department, ServicePoint, Staff

logger = logging.getLogger(__name__)

#: The documents each case action produces (the action's own name is the ``kind`` of issue_for_case).
ACTION_DOCUMENTS: dict[str, list[str]] = {
    "accept": [DocumentKind.ACCEPTANCE_NOTICE, DocumentKind.COMMITMENT],
    "notify": [DocumentKind.SUPPLEMENT_NOTICE],
    "refuse": [DocumentKind.REFUSAL_NOTICE],
    "approve": [DocumentKind.APPROVAL_DECISION, DocumentKind.CERTIFICATE],
    "deny": [DocumentKind.DENIAL_DECISION],
    "deliver": [DocumentKind.DELIVERY_RECEIPT],
}
DELIVERY_LABELS = {
    "pickup": "现场领取",
    "mail": "免费邮寄",
    "kiosk": "自助终端领取",
    "agent": "代办员送证上门",
}


# —— seals ——


@transaction.atomic
def seal_create(
    *,
    code: str,
    kind: str,
    name: str,
    holder_name: str,
    caption: str = "",
    number: str = "",
    department: Department | None = None,
    issuer: Department | None = None,
    point: ServicePoint | None = None,
    valid_from: dt.datetime | None = None,
) -> Seal:
    """Register a seal with a fresh SM2 key pair; the private key is stored SM4-encrypted only."""
    pair = sm2_generate()
    seal = Seal(
        code=code,
        kind=kind,
        name=name,
        holder_name=holder_name,
        caption=caption,
        number=number,
        department=department,
        issuer=issuer,
        point=point,
        valid_from=valid_from or timezone.now(),
        public_key=pair.public_key,
        private_key=encrypt_private_key(pair.private_key),
    )
    seal.full_clean()
    seal.save()
    return seal


def seal_give_keys(seal: Seal) -> None:
    """A seal made in the admin gets its key pair here, before it is first saved."""
    if not seal.public_key:
        pair = sm2_generate()
        seal.public_key = pair.public_key
        seal.private_key = encrypt_private_key(pair.private_key)


@transaction.atomic
def seal_revoke(*, seal: Seal, at: dt.datetime | None = None, reason: str = "") -> Seal:
    """停用: documents signed from ``at`` on no longer verify; earlier ones stay genuine."""
    locked = Seal.objects.select_for_update().get(pk=seal.pk)
    if locked.revoked_at is None:
        locked.revoked_at = at or timezone.now()
        locked.revoke_reason = reason
        locked.save(update_fields=["revoked_at", "revoke_reason"])
    return locked


def seal_image(seal: Seal | None) -> SealImage | None:
    if seal is None:
        return None
    return SealImage(holder_name=seal.holder_name, caption=seal.caption, number=seal.number)


# —— issuing with a case action ——


def new_verify_code() -> str:
    """16 characters of Crockford's base 32 (80 random bits): unguessable, easy to read out and type."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))


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
    from yichuang.cases.models import MaterialState

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
    from yichuang.catalog.models import LicenseType, ResultType

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
    from django.core.exceptions import ObjectDoesNotExist

    try:
        issued = case.issued_license  # cached by the approval that created it: no query
    except ObjectDoesNotExist:
        return None
    return _certificate(case, issued.license_type, number=issued.number, valid_until=issued.valid_until)


def _certificate(
    case: Any, license_type: Any, *, number: str = "", valid_until: dt.date | None = None
) -> dict[str, Any]:
    from yichuang.common.identity import birth_date_from_id, gender_from_id, resident_id_valid

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
    licensing = data["case"].get("item_type") == "licensing"
    if kind == DocumentKind.APPROVAL_DECISION:
        return "准予行政许可决定书" if licensing else "准予办理决定书"
    if kind == DocumentKind.DENIAL_DECISION:
        return "不予行政许可决定书" if licensing else "不予办理决定书"
    if kind == DocumentKind.CERTIFICATE:
        return str(data["certificate"]["name"])
    return str(DocumentKind(kind).label)


def issue_for_case(*, case: Any, kind: str, actor: Staff, note: str = "") -> list[Document]:
    """Write the document rows a case action produces (``kind`` is the action: accept, notify,
    refuse, approve, deny, deliver); call it at the end of the action, inside its transaction.

    Nothing is rendered here: one seal lookup and one insert (a few more reads for acceptance with
    容缺/承诺, certificates and delivery). The PDFs are made after commit.
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
        },
    }
    if kind == "accept":
        planned = _acceptance(case, base)
    elif kind == "notify":
        from yichuang.cases.models import MaterialState

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
    documents = []
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
            )
        data["title"] = _title(document_kind, data)
        documents.append(
            Document(
                case=case,
                kind=document_kind,
                title=data["title"],
                seal=seals[rule],
                verify_code=new_verify_code(),
                data=data,
                issued_at=now,
                issued_by=actor,
            )
        )
    Document.objects.bulk_create(documents)
    _sign_after_commit(documents)
    return documents


def _sign_after_commit(documents: list[Document]) -> None:
    if getattr(settings, "DOCUMENTS_RENDER_AFTER_COMMIT", True) and not _deferred.get():
        ids = [str(d.pk) for d in documents]
        transaction.on_commit(lambda: schedule_signing(ids))


# —— issuing with a handover list ——


def _unit_rule(handover: Any, end: str) -> dict[str, Any]:
    point_id = getattr(handover, f"{end}_point_id")
    if point_id is not None:
        return {"unit": "point", "id": point_id}
    return {"unit": "department", "id": getattr(handover, f"{end}_department_id")}


def _unit_seal(rule: dict[str, Any], at: dt.datetime) -> Seal | None:
    if rule.get("unit") == "department":
        return unit_seal(department_id=int(rule["id"]), at=at)
    point = ServicePoint.objects.filter(pk=int(rule.get("id") or 0)).first()
    return unit_seal(point=point, at=at) if point is not None else None


def issue_for_handover(*, handover: Any, kind: str, actor: Staff | None, data: dict[str, Any]) -> Document:
    """Write the document row of a handover list: the list itself (``handover_list``) when it is sent,
    stamped by the sending unit; its receipt (``handover_receipt``) when the receiver confirms, stamped
    by the receiving unit (``selectors.unit_seal``). Call it inside the send or confirm transaction,
    with the list row locked; ``data`` is what the document says (``handover.documents``).

    As for a case, the PDF is made after commit. The database holds one document of each kind per
    list (``document_handover_kind_once``), so a list sent twice at once cannot get two.
    """
    end = HANDOVER_KINDS[DocumentKind(kind)]
    now = timezone.now()
    rule = _unit_rule(handover, end)
    title = str(DocumentKind(kind).label)
    document = Document(
        handover=handover,
        kind=kind,
        title=title,
        seal=_unit_seal(rule, now),
        verify_code=new_verify_code(),
        data={**data, "title": title, "issued_on": timezone.localdate(now).isoformat(), "seal_rule": rule},
        issued_at=now,
        issued_by=actor,
    )
    document.save(force_insert=True)
    _sign_after_commit([document])
    return document


_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar("documents_signing_deferred", default=False)


@contextlib.contextmanager
def signing_deferred() -> Iterator[None]:
    """Documents issued inside are signed on their first request, not after commit (bulk runs such as
    ``yichuang simulate``, where rendering thousands of PDFs nobody opens would dominate)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def schedule_signing(document_ids: Iterable[str]) -> None:
    """After commit: a Celery task per document (in-process when there is no Redis). A broker that is
    down does not break the request: the failure is logged as an error, and the document is signed
    by the ``sign-pending-documents`` sweep or on its first request, whichever comes first."""
    from yichuang.documents.tasks import sign_document_task

    for document_id in document_ids:
        enqueue(
            sign_document_task,
            document_id,
            what=f"document {document_id}",
            retry="定时任务 sign-pending-documents 或首次下载时签章 (signed by the sweep or on first request)",
        )


#: The sweep leaves a document alone this long after issue (its own task should have signed it) …
SWEEP_GRACE = dt.timedelta(minutes=5)
#: … and looks back this far: documents of bulk runs (``signing_deferred``) stay for their first request.
SWEEP_WINDOW = dt.timedelta(days=1)


def documents_sign_pending(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Sign what the queue lost: documents still pending some minutes after issue (their task was
    never queued, or failed on every retry). Returns how many were signed."""
    now = now or timezone.now()
    pending = Document.objects.select_related("seal").filter(
        status=DocumentStatus.PENDING,
        issued_at__lte=now - SWEEP_GRACE,
        issued_at__gte=now - SWEEP_WINDOW,
    )
    signed = 0
    for document in pending.order_by("issued_at", "id")[:limit]:
        try:
            if document_sign(document=document).status != DocumentStatus.PENDING:
                signed += 1
        except Exception:
            logger.exception("document %s could not be signed by the sweep", document.pk)
    if signed:
        logger.warning("documents sweep: signed %d document(s) the task queue had not", signed)
    return signed


# —— rendering and signing ——


def verify_url(code: str) -> str:
    return f"{settings.PUBLIC_URL}/verify/{code}"


def document_sign(*, document: Document) -> Document:
    """Render the PDF, store it, sign its SM3 digest with the seal; idempotent.

    The seal picked at issue signs it, unless it was revoked since: then the rule picks again (a
    revoked seal must not sign). Rendering happens before the row is locked; the lock only guards
    the write, so a worker and an on-demand request never both store a file for one document.
    """
    if document.status != DocumentStatus.PENDING:
        return document
    now = timezone.now()
    seal = document.seal
    if seal is None or not seal.valid_at(now):
        seal = _seal_again(document, now)
    issuer = (
        seal.holder_name
        if seal is not None
        else str(document.data.get("issuer") or document.data.get("case", {}).get("department", ""))
    )
    from yichuang.documents.render import render_document

    pdf = render_document(
        kind=document.kind,
        data=document.data,
        verify_code=format_code(document.verify_code),
        verify_url=verify_url(document.verify_code),
        issuer=issuer,
        seal=seal_image(seal),
    )
    digest = sm3_hex(pdf)
    private_key = (
        decrypt_private_key(seal.private_key, public_key=seal.public_key) if seal is not None else ""
    )
    with transaction.atomic():
        # FOR UPDATE OF the document only: PostgreSQL refuses to lock the nullable side of a join.
        locked = Document.objects.select_for_update(of=("self",)).get(pk=document.pk)
        if locked.status != DocumentStatus.PENDING:
            return locked
        locked.file.save(f"{locked.pk.hex}.pdf", ContentFile(pdf), save=False)
        locked.size = len(pdf)
        locked.sm3 = digest
        locked.seal = seal
        if seal is not None:
            locked.signed_at = timezone.now()
            locked.signature = sm2_sign(
                private_key=private_key,
                public_key=seal.public_key,
                message=signed_statement(locked, digest=digest),
            )
            locked.status = DocumentStatus.SIGNED
        else:
            logger.warning("document %s (%s): no seal in force, stored unsealed", locked.pk, locked.kind)
            locked.status = DocumentStatus.UNSEALED
        locked.save()
    return locked


def _seal_again(document: Document, now: dt.datetime) -> Seal | None:
    rule = document.data.get("seal_rule") or {}
    if document.kind in HANDOVER_KINDS:
        return _unit_seal(rule, now) if rule.get("id") else None
    if not rule.get("department_id"):
        return None
    point = ServicePoint.objects.filter(pk=int(rule.get("point_id") or 0)).first()
    return seal_for(
        kind=document.kind,
        department_id=int(rule["department_id"]),
        department_region_id=int(rule["department_region_id"]),
        mode=str(rule.get("mode", "")),
        point=point,
        at=now,
    )


def document_content(*, document: Document) -> bytes:
    """The stored PDF, signed first if nobody has yet."""
    if document.status == DocumentStatus.PENDING:
        document = document_sign(document=document)
    content = read_stored(document)
    if content is None:
        raise FileNotFoundError(f"document {document.pk}: stored file missing")
    return content


@transaction.atomic
def document_resign(*, document: Document) -> Document:
    """An unsealed document (no seal was registered) is made again once a seal exists (admin action)."""
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.status != DocumentStatus.UNSEALED:
        raise ValidationError("只有未盖章的文书可以重新签章。")
    stale = locked.file.name
    locked.status = DocumentStatus.PENDING
    locked.seal = None
    locked.file = ""
    locked.save(update_fields=["status", "seal", "file"])

    def after_commit() -> None:
        if stale:
            locked.file.storage.delete(stale)
        schedule_signing([str(locked.pk)])

    transaction.on_commit(after_commit, robust=True)
    return locked
