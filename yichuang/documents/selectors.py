"""Reads of seals and documents: which seal signs, who may read a document, what the verify page shows."""

from __future__ import annotations

import datetime as dt
import hmac
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from yichuang.common.memo import memoized
from yichuang.documents.crypto import sm2_verify, sm3_hex
from yichuang.documents.models import HANDOVER_KINDS, Document, DocumentStatus, Seal, SealKind
from yichuang.org.models import Region, ServicePoint


def _in_force(seals: list[Seal], at: dt.datetime | None) -> list[Seal]:
    """Seals in force at ``at`` (now), newest first. A holder has one or two seals, so the choice is
    made here rather than in SQL: the plain lookup is half the ORM work of the case action's share."""
    moment = at or timezone.now()
    return sorted((s for s in seals if s.valid_at(moment)), key=lambda s: s.valid_from, reverse=True)


def department_seal(
    *, kind: str, department_id: int, at: dt.datetime | None = None, item_id: int | None = None
) -> Seal | None:
    """The newest seal of ``kind`` in force that ``department_id`` stamps with (kept per process until a
    seal changes, ``common.memo``). A seal that lists the items its grant covers (a numbered seal,
    带编号的业务专用章) stamps only those: for ``item_id`` outside the list it is not chosen."""
    found = _in_force(
        memoized(
            "reference",
            "department_seals",
            (kind, department_id),
            lambda: list(
                Seal.objects.filter(kind=kind, department_id=department_id).prefetch_related("items")
            ),
        ),
        at,
    )
    if item_id is not None:
        found = [s for s in found if _covers(s, item_id)]
    return found[0] if found else None


def _covers(seal: Seal, item_id: int) -> bool:
    listed = {item.pk for item in seal.items.all()}
    return not listed or item_id in listed


def output_seal(*, point: ServicePoint, at: dt.datetime | None = None) -> Seal | None:
    """The 出件章 of ``point``, else of the center it belongs to (a village station, a bank outlet, a kiosk)."""
    candidates = [pk for pk in (point.pk, point.parent_id) if pk]
    seals = _in_force(
        memoized(
            "reference",
            "output_seals",
            tuple(candidates),
            lambda: list(Seal.objects.filter(kind=SealKind.OUTPUT, point_id__in=candidates)),
        ),
        at,
    )
    seals.sort(
        key=lambda s: candidates.index(s.point_id) if s.point_id in candidates else 9
    )  # stable: newest first
    return seals[0] if seals else None


def hands_out_elsewhere(*, department_region_id: int, point: ServicePoint) -> bool:
    """Whether ``point`` lies outside the region of the deciding unit: a town's result handed out in
    another town, or at the county hall (跨乡镇通办, 统一出件: seed 003)."""
    if point.region_id == department_region_id:  # the usual case: handed out where it was decided
        return False
    return memoized(
        "reference",
        "hands_out_elsewhere",
        (department_region_id, point.region_id),
        lambda: _outside(department_region_id, point),
    )


def _outside(department_region_id: int, point: ServicePoint) -> bool:
    regions = {
        r.pk: r
        for r in Region.objects.filter(pk__in=[department_region_id, point.region_id]).only("code", "level")
    }
    decider, here = regions.get(department_region_id), regions.get(point.region_id)
    return decider is not None and here is not None and not decider.contains(here)


#: When a document is signed after the seal chosen at issue was revoked, the owner's rule for its kind
#: picks the seal again (a revoked seal must not sign): ``rule(document, at)``. Registered by the
#: owners (the cases app for a case's documents, the handover app for its lists) from their
#: ``AppConfig.ready()``, so this app never has to know what a case is.
SealRule = Callable[[Document, dt.datetime], "Seal | None"]

_seal_rules: dict[str, SealRule] = {}


def register_seal_rule(kinds: Iterable[str], rule: SealRule) -> None:
    """Let ``rule`` choose the seal of documents of ``kinds`` anew; call it once, from ``ready()``."""
    for kind in kinds:
        _seal_rules[str(kind)] = rule


def seal_again(document: Document, at: dt.datetime) -> Seal | None:
    """The seal in force at ``at`` for ``document`` by its owner's rule; None without a rule or seal."""
    rule = _seal_rules.get(document.kind)
    return rule(document, at) if rule is not None else None


#: The seals a department stamps its own papers with (not the numbered 业务专用章: that one is used only
#: for decisions on the items the county entrusted, in the county bureau's name).
UNIT_SEAL_KINDS = (SealKind.APPROVAL, SealKind.DEPARTMENT)


def unit_seal(
    *, point: ServicePoint | None = None, department_id: int | None = None, at: dt.datetime | None = None
) -> Seal | None:
    """The seal a unit stamps a handover list (移交清单) or its receipt (回执) with, as the end that sends
    or receives the paper: a department its own seal (a town approval center the town's 行政审批专用章,
    a county bureau its seal); a service point its 出件专用章, else the one of the center it belongs to
    (``output_seal``). None when no seal in force is registered (decision 57)."""
    if department_id is not None:
        found = _in_force(
            list(Seal.objects.filter(kind__in=UNIT_SEAL_KINDS, department_id=department_id)), at
        )
        return found[0] if found else None
    if point is not None:
        return output_seal(point=point, at=at)
    return None


# —— documents and scope ——

#: A rule returns a ``Q`` over ``Document`` of the documents ``user`` may read (never ``Q()``: that is
#: all). Each owner registers one from its ``AppConfig.ready()`` — the cases app "the documents of the
#: cases he may see", the handover app "those of the lists he may see" — as ``files.selectors`` does:
#: a new kind of owner adds a rule instead of an import here.
VisibilityRule = Callable[[Any], Q]

_visibility_rules: list[VisibilityRule] = []


def register_document_visibility(rule: VisibilityRule) -> None:
    """Let ``rule`` widen what a user may read; call it once, from an ``AppConfig.ready()``."""
    if rule not in _visibility_rules:
        _visibility_rules.append(rule)


def documents_for(user: Any) -> QuerySet[Document]:
    """Documents ``user`` may read: those a registered rule lets him (none for the anonymous)."""
    qs = Document.objects.select_related("seal", "case", "handover")
    if not getattr(user, "is_authenticated", False) or not _visibility_rules:
        return qs.none()
    visible = Q()
    for rule in _visibility_rules:
        visible |= rule(user)
    return qs.filter(visible)


def documents_of(owner: Any) -> list[Document]:
    """The documents of one owner (a case, a handover list) in the order they were issued."""
    return list(Document.objects.filter(**{Document.owner_field(owner): owner}).order_by("issued_at", "id"))


def document_get_for(*, user: Any, document_id: str) -> Document:
    """The document if ``user`` may read it; ``NotFound`` otherwise (and for an id that is no UUID)."""
    try:
        pk = uuid.UUID(str(document_id))
    except (ValueError, TypeError) as exc:
        raise NotFound(_("未找到该文书。")) from exc
    document = documents_for(user).filter(pk=pk).first()
    if document is None:
        raise NotFound(_("未找到该文书。"))
    return document


# —— verification ——

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
_CODE_FIX = str.maketrans({"I": "1", "L": "1", "O": "0"})


def normalise_code(code: str) -> str:
    """What a person typed or scanned, as the stored code: no spaces or dashes, upper case, O→0, I/L→1."""
    cleaned = re.sub(r"[\s\-–—_]", "", code or "").upper().translate(_CODE_FIX)
    return cleaned if re.fullmatch(f"[{_CODE_ALPHABET}]{{16}}", cleaned) else ""


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def signed_statement(document: Document, *, digest: str) -> bytes:
    """The bytes the seal signs: the file's SM3 digest bound to the code, case (or handover list and its
    two ends), seal and time, so none of them can be changed in the database without the signature
    failing. A case document's statement is exactly what it was before handover lists were signed."""
    assert document.signed_at is not None and document.seal is not None
    lines = ["yichuang-document-v1", f"code={document.verify_code}", f"kind={document.kind}"]
    handover = document.data.get("handover")
    if document.kind in HANDOVER_KINDS and handover:
        # A handover list's document is bound to the list's number and both its ends instead.
        lines += [
            f"handover={handover.get('number', '')}",
            f"from={handover.get('from_unit', {}).get('ref', '')}",
            f"to={handover.get('to_unit', {}).get('ref', '')}",
        ]
    else:
        lines.append(f"case={document.data.get('case', {}).get('number', '')}")
    lines += [
        f"sm3={digest}",
        f"seal={document.seal.code}",
        f"signed_at={document.signed_at.astimezone(dt.UTC).isoformat()}",
    ]
    return "\n".join(lines).encode()


@dataclass
class Verdict:
    """What the public verify page says about one document (and, optionally, one copy of it)."""

    genuine: bool
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    document: Document | None = None
    digest: str = ""
    copy_checked: bool = False
    copy_matches: bool | None = None


def read_stored(document: Document) -> bytes | None:
    if not document.file:
        return None
    try:
        with document.file.storage.open(document.file.name, "rb") as handle:
            return bytes(handle.read())
    except (FileNotFoundError, OSError):
        return None


#: Owners' rules that add notes to the verify page about what became of a document since it was
#: signed (a decision later revoked), without the documents app knowing the owner.
NoteRule = Callable[[Document], list[str]]
_note_rules: list[NoteRule] = []


def register_document_notes(rule: NoteRule) -> None:
    """Let ``rule`` add sentences under the verdict of a document (call once, from ``ready()``)."""
    if rule not in _note_rules:
        _note_rules.append(rule)


def verify_document(document: Document | None, *, copy_digest: str | None = None) -> Verdict:
    """Recompute the stored file's SM3 digest and the SM2 signature with the seal's public key; check
    the seal was in force at the signing time. With ``copy_digest`` (a copy someone uploaded) the copy
    must also be byte for byte the stored file."""
    if document is None:
        return Verdict(False, [_("验证码不存在：该文书不是本平台出具的，或验证码有误。")])
    verdict = Verdict(False, document=document)
    if document.status == DocumentStatus.UNSEALED or document.seal is None:
        verdict.reasons.append(_("该文书未加盖电子印章，不能作为有效文书使用。"))
        return verdict
    content = read_stored(document)
    if content is None or document.signed_at is None:
        verdict.reasons.append(_("找不到该文书的存档文件。"))
        return verdict
    verdict.digest = sm3_hex(content)
    if not hmac.compare_digest(verdict.digest, document.sm3):
        verdict.reasons.append(_("存档文件的 SM3 摘要与签章时不符：文件已被改动。"))
    statement = signed_statement(document, digest=verdict.digest)
    if not sm2_verify(public_key=document.seal.public_key, message=statement, signature=document.signature):
        verdict.reasons.append(_("SM2 签名验证失败。"))
    seal = document.seal
    if document.signed_at < seal.valid_from:
        verdict.reasons.append(_("签章时该印章尚未启用。"))
    elif seal.revoked_at is not None and seal.revoked_at <= document.signed_at:
        verdict.reasons.append(
            _("该印章已于 %(when)s 停用，停用后签章的文书无效。")
            % {"when": timezone.localtime(seal.revoked_at).strftime("%Y-%m-%d %H:%M")}
        )
    elif seal.revoked_at is not None:
        verdict.notes.append(
            _("该印章已于 %(when)s 停用；本文书签章在停用之前，仍然有效。")
            % {"when": timezone.localtime(seal.revoked_at).strftime("%Y-%m-%d %H:%M")}
        )
    if copy_digest is not None:
        verdict.copy_checked = True
        verdict.copy_matches = hmac.compare_digest(copy_digest, document.sm3)
        if not verdict.copy_matches:
            verdict.reasons.append(_("您上传的文件与存档文件不一致：该副本已被改动，或不是这份文书。"))
    verdict.genuine = not verdict.reasons
    for rule in _note_rules:
        verdict.notes.extend(rule(document))
    return verdict


def document_by_code(code: str) -> Document | None:
    normalised = normalise_code(code)
    if not normalised:
        return None
    return (
        Document.objects.select_related("seal", "seal__department", "seal__issuer", "seal__point", "case")
        .filter(verify_code=normalised)
        .first()
    )
