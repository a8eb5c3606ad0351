"""Writing the audit trail: security events (one chain under a row lock) and the ledger's seals."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from yichuang.audit.chain import seal_digest, seal_mac, security_event_digest
from yichuang.audit.models import AuditChainHead, AuditSeal, SecurityEvent
from yichuang.common.clientip import client_address

logger = logging.getLogger("yichuang.audit")

SECURITY = "security"
#: A case line is sealed once it is this old: a transaction still open may hold a line with a lower
#: id than one already committed (PostgreSQL hands ids out at insert, not at commit).
SEAL_AFTER = dt.timedelta(minutes=2)


#: Who is acting (and his request) while the admin saves a member of staff: the role change's actor.
ACTING: ContextVar[tuple[Any, Any]] = ContextVar("audit_acting", default=(None, None))


@contextlib.contextmanager
def acting_as(request: Any) -> Iterator[None]:
    token = ACTING.set((getattr(request, "user", None), request))
    try:
        yield
    finally:
        ACTING.reset(token)


def security_record(
    kind: str,
    *,
    actor: Any = None,
    username: str = "",
    request: Any = None,
    subject: str = "",
    from_value: str = "",
    to_value: str = "",
    note: str = "",
) -> SecurityEvent:
    """Append a security event to its chain: lock the head, insert, move the head (three statements;
    logins and exports are rare beside case actions)."""
    if actor is not None and getattr(actor, "pk", None) is None:
        actor = None
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(name=SECURITY).first()
        if head is None:
            head, _created = AuditChainHead.objects.get_or_create(name=SECURITY)
            head = AuditChainHead.objects.select_for_update().get(name=SECURITY)
        event = SecurityEvent(
            seq=head.count + 1,
            kind=kind,
            actor=actor,
            username=(username or (actor.get_username() if actor is not None else ""))[:150],
            ip=client_address(request),
            subject=str(subject)[:100],
            from_value=str(from_value)[:200],
            to_value=str(to_value)[:200],
            note=note,
            prev_digest=head.digest,
        )
        event.digest = security_event_digest(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(name=SECURITY).update(count=event.seq, digest=event.digest)
    return event


def seal_extend(*, now: dt.datetime | None = None) -> AuditSeal | None:
    """Seal what was written since the last seal into one more link of the ledger: every case whose
    timeline grew (its head as of its newest line old enough) and the security head. ``None`` when
    nothing is new. Run by the nightly task and by ``verify_audit`` before it checks."""
    from yichuang.cases.models import CaseEvent

    now = now or timezone.now()
    with transaction.atomic():
        last = AuditSeal.objects.select_for_update().order_by("-id").first()
        since_event = last.through_case_event if last else 0
        since_security = last.through_security if last else 0
        fresh = CaseEvent.objects.filter(id__gt=since_event, at__lte=now - SEAL_AFTER)
        through_event = fresh.aggregate(m=Max("id"))["m"] or since_event
        heads: dict[str, list[Any]] = {}
        count = 0
        rows = (
            CaseEvent.objects.filter(id__gt=since_event, id__lte=through_event)
            .order_by("case_id", "seq")
            .values_list("case__number", "seq", "digest")
        )
        for number, seq, digest in rows.iterator(chunk_size=5000):
            count += 1
            if number not in heads or heads[number][0] < seq:
                heads[number] = [seq, digest]
        security = AuditChainHead.objects.filter(name=SECURITY).first()
        through_security = SecurityEvent.objects.aggregate(m=Max("id"))["m"] or since_security
        security_head = [security.count, security.digest] if security and security.count else []
        if not count and through_security == since_security:
            return None
        seal = AuditSeal(
            sealed_at=now,
            through_case_event=through_event,
            through_security=through_security,
            case_events=count,
            heads=heads,
            security_head=security_head,
            prev=last.digest if last else "",
        )
        seal.digest = seal_digest(seal)
        seal.mac = seal_mac(seal.digest)
        seal.save(force_insert=True)
    # The head printed to the log leaves the database: a copy kept elsewhere (syslog, journald) shows
    # a ledger rewritten by someone who also holds the key.
    logger.info("audit ledger sealed #%s %s (%d case lines)", seal.pk, seal.digest, count)
    return seal
