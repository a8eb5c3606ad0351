"""Case events to the systems that subscribed to them: written in the action's transaction (an
outbox), posted after it, retried with growing pauses, kept as dead letters when they never arrive.

Delivery claims due rows first (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a lease of
``EVENTS_LEASE_SECONDS`` written before the HTTP call), so two workers or sweeps never post the same
event at once, and a worker killed half-way leaves the row due again when the lease runs out. An
event may still arrive twice (posted, then the process dies before recording it): receivers dedupe
on ``webhook-id``, as the Standard Webhooks specification says.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from yichuang.common.memo import memoized
from yichuang.integrations.models import EventStatus, EventType, OutboundEvent, Subscription, SystemClient
from yichuang.integrations.signing import secret_new, signature_headers

if TYPE_CHECKING:
    from yichuang.cases.models import CaseEvent

logger = logging.getLogger(__name__)

#: Pauses before the 2nd, 3rd, … attempt (seconds); after the last one the event is a dead letter.
BACKOFF = (60, 300, 1800, 7200, 21600, 43200, 86400)
DECIDED = {"approved", "denied"}


@dataclass(frozen=True)
class _Wanted:
    subscription_id: int
    region_prefix: str  # "" for the whole platform
    events: frozenset[str]  # empty for every event


def _subscriptions() -> tuple[_Wanted, ...]:
    def load() -> tuple[_Wanted, ...]:
        rows = Subscription.objects.filter(active=True).select_related("client__region")
        return tuple(
            _Wanted(
                row.pk,
                row.client.region.prefix if row.client.region else "",
                frozenset(row.events or ()),
            )
            for row in rows
        )

    return memoized("reference", "integrations:subscriptions", "active", load)


def event_types(event: CaseEvent) -> list[str]:
    """What one timeline line reports: its creation, a change of status, a decision, a delivery."""
    if not event.from_status:
        return [EventType.CREATED]
    if event.from_status == event.to_status:
        return []
    types: list[str] = [EventType.STATUS_CHANGED]
    if event.to_status in DECIDED:
        types.append(EventType.DECIDED)
    if event.to_status == "delivered":
        types.append(EventType.DELIVERED)
    return types


def event_payload(event: CaseEvent, kind: str) -> dict[str, Any]:
    """What a system learns: the case's public facts, no applicant's name, number or phone."""
    case = event.case
    return {
        "type": kind,
        "occurred_at": (event.at or timezone.now()).isoformat(),
        "case": {
            "number": case.number,
            "item": {"code": case.item.code, "name": case.item.name},
            "status": event.to_status,
            "channel": case.channel,
            "point": case.point.code,
            "region": case.region.code,
            "due_date": case.due_date.isoformat() if case.due_date else None,
        },
        "action": event.action,
        "from_status": event.from_status or None,
        "to_status": event.to_status,
    }


def on_case_events(events: tuple[CaseEvent, ...]) -> None:
    """The cases' listener (``hooks.recorded``): an outbox row per event and subscription that
    wants it, in the same transaction. Nothing is read when nobody subscribed."""
    wanted = _subscriptions()
    if not wanted:
        return
    now = timezone.now()
    rows: list[OutboundEvent] = []
    for event in events:
        for kind in event_types(event):
            region = event.case.region.code
            for sub in wanted:
                if sub.events and kind not in sub.events:
                    continue
                if sub.region_prefix and not region.startswith(sub.region_prefix):
                    continue
                rows.append(
                    OutboundEvent(
                        subscription_id=sub.subscription_id,
                        type=kind,
                        case_number=event.case.number,
                        payload=event_payload(event, kind),
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
    if not rows:
        return
    OutboundEvent.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: _hand_over(ids))


def _hand_over(ids: list[int]) -> None:
    """After commit: to a worker when there is a task queue; else the sweep (``deliver-events`` in
    the schedule, every ``EVENTS_SWEEP_SECONDS``) posts them."""
    from yichuang.common.enqueue import enqueue, uses_broker
    from yichuang.integrations.tasks import deliver_events_task

    if uses_broker():
        enqueue(
            deliver_events_task,
            ids,
            what=f"{len(ids)} outbound event(s)",
            retry="the deliver-events sweep posts them",
        )


def events_claim(*, ids: Iterable[int] | None = None, limit: int = 50) -> list[OutboundEvent]:
    """Due pending events (of ``ids`` if given), leased to this caller."""
    now = timezone.now()
    due = OutboundEvent.objects.filter(status=EventStatus.PENDING, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    lease = now + dt.timedelta(seconds=int(settings.EVENTS_LEASE_SECONDS))
    return claim_due(due.select_related("subscription"), lease_until=lease, limit=limit)


def event_post(event: OutboundEvent) -> OutboundEvent:
    """Post one claimed event and record the outcome: delivered on a 2xx, else the next attempt
    after the backoff, or a dead letter after the last."""
    body = json.dumps(
        {"id": str(event.pk), **event.payload}, ensure_ascii=False, separators=(",", ":")
    ).encode()
    headers = signature_headers(
        secret=str(event.subscription.secret), event_id=str(event.uid), timestamp=int(time.time()), body=body
    )
    request = urllib.request.Request(
        event.subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "yichuang-events/1",
            **headers,
        },
    )
    status: int | None = None
    error = ""
    try:
        with urllib.request.urlopen(request, timeout=float(settings.EVENTS_TIMEOUT_SECONDS)) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    event.attempts += 1
    event.last_status = status
    now = timezone.now()
    if status is not None and 200 <= status < 300:
        event.status, event.delivered_at, event.last_error = EventStatus.DELIVERED, now, ""
    elif event.attempts > len(BACKOFF):
        event.status, event.last_error = EventStatus.DEAD, error
        logger.warning(
            "event %s to %s is a dead letter after %d attempts: %s",
            event.pk,
            event.subscription.url,
            event.attempts,
            error,
        )
    else:
        event.last_error = error
        event.next_attempt_at = now + dt.timedelta(seconds=BACKOFF[event.attempts - 1])
    event.save(
        update_fields=["attempts", "last_status", "status", "delivered_at", "last_error", "next_attempt_at"]
    )
    return event


def events_deliver(*, ids: Iterable[int] | None = None, limit: int = 50) -> int:
    """Claim and post due events; how many were posted (delivered or not)."""
    claimed = events_claim(ids=ids, limit=limit)
    for event in claimed:
        event_post(event)
    return len(claimed)


@transaction.atomic
def event_redeliver(*, event: OutboundEvent) -> OutboundEvent:
    """A dead letter (or a pending one) goes out again now, its attempts counted afresh."""
    locked = OutboundEvent.objects.select_for_update().get(pk=event.pk)
    if locked.status == EventStatus.DELIVERED:
        return locked
    locked.status, locked.attempts, locked.next_attempt_at = EventStatus.PENDING, 0, timezone.now()
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    ids = [locked.pk]
    transaction.on_commit(lambda: _hand_over(ids))
    return locked


@transaction.atomic
def subscription_create(*, client: SystemClient, url: str, events: list[str]) -> tuple[Subscription, str]:
    """A new subscription and its secret, which is shown once (kept sealed)."""
    secret = secret_new()
    subscription = Subscription.objects.create(
        client=client, url=url, secret=secret, events=sorted(set(events))
    )
    return subscription, secret


@transaction.atomic
def system_register(
    *, name: str, region: Any = None, scopes: Iterable[str] = ("cases:read",)
) -> tuple[SystemClient, str, str]:
    """Another system: an OAuth2 application for the client-credentials grant, confidential, and
    the scopes it may ask for. Returns the client, its id and its secret (shown once, kept hashed)."""
    from oauth2_provider.generators import generate_client_secret
    from oauth2_provider.models import Application

    known = cast(dict[str, str], settings.OAUTH2_PROVIDER["SCOPES"])
    allowed = set(known)
    asked = list(dict.fromkeys(scopes))
    unknown = [scope for scope in asked if scope not in allowed]
    if unknown or not asked:
        raise ValueError(
            f"未知的授权范围：{' '.join(unknown) or '（空）'}；可用：{' '.join(sorted(allowed))}"
        )
    secret = generate_client_secret()
    application = Application.objects.create(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
    )
    client = SystemClient.objects.create(
        application=application, name=name, region=region, scopes=" ".join(asked)
    )
    return client, application.client_id, secret


def claim_due(due: Any, *, lease_until: dt.datetime, limit: int) -> list[Any]:
    """The first ``limit`` rows of ``due`` (pending, due now), each given ``next_attempt_at =
    lease_until`` so no other sweep takes them meanwhile: ``FOR UPDATE OF`` the rows themselves
    ``SKIP LOCKED`` where the database has it (a related row locked elsewhere holds nothing back)."""
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        claimed = list(due.order_by("next_attempt_at", "pk")[:limit])
        due.model.objects.filter(pk__in=[row.pk for row in claimed]).update(next_attempt_at=lease_until)
    return claimed
