"""The canonical form of each audited record and its SM3 digest (GB/T 32905, OpenSSL through hashlib).

A record's digest is SM3 over a JSON array of its fields in a fixed order, the previous record's digest
first: who (the actor's id and name), when (UTC, microseconds), what, from, to, the note and data, the
case (by its number, known before the case is inserted) or subject, and its sequence number. Changing
any of them, or the order, changes the digest and breaks the link to the next record.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from yichuang.documents.crypto import sm3_hex

if TYPE_CHECKING:
    from yichuang.audit.models import AuditSeal, SecurityEvent
    from yichuang.cases.models import Case, CaseEvent


def canonical(values: Any) -> bytes:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def when(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def case_event_digest(event: CaseEvent, number: str) -> str:
    return sm3_hex(
        canonical(
            [
                "case_event",
                event.prev_digest,
                number,
                event.seq,
                when(event.at),
                event.action,
                event.actor_id,
                event.actor_name,
                event.from_status,
                event.to_status,
                event.note,
                event.data,
            ]
        )
    )


def case_chain(case: Case, events: Iterable[CaseEvent]) -> None:
    """Number and chain new lines of ``case`` after its head, in memory, and move the head: the caller
    holds the case's row lock (or inserts the case) and saves ``audit_head``/``audit_count`` with it."""
    for event in events:
        case.audit_count += 1
        event.seq = case.audit_count
        event.prev_digest = case.audit_head
        event.digest = case_event_digest(event, case.number)
        case.audit_head = event.digest


def security_event_digest(event: SecurityEvent) -> str:
    return sm3_hex(
        canonical(
            [
                "security_event",
                event.prev_digest,
                event.seq,
                when(event.at),
                event.kind,
                event.actor_id,
                event.username,
                event.ip,
                event.subject,
                event.from_value,
                event.to_value,
                event.note,
            ]
        )
    )


def seal_digest(seal: AuditSeal) -> str:
    return sm3_hex(
        canonical(
            [
                "audit_seal",
                seal.prev,
                when(seal.sealed_at),
                seal.through_case_event,
                seal.through_security,
                seal.case_events,
                seal.heads,
                seal.security_head,
            ]
        )
    )


def _seal_key() -> bytes:
    """The ledger's HMAC key, derived from the seal master key (a file or ``SEAL_MASTER_KEY``, never in
    the database): who can write the database but not read that key cannot forge a seal."""
    from yichuang.documents.crypto import master_key

    return hmac.new(master_key(), b"yichuang-audit-ledger", "sm3").digest()


def seal_mac(digest: str) -> str:
    return hmac.new(_seal_key(), digest.encode(), "sm3").hexdigest()


def seal_mac_ok(seal: AuditSeal) -> bool:
    return hmac.compare_digest(seal_mac(seal.digest), seal.mac)
