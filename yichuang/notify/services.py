"""Writes of the SMS outbox: queue a message with a case action, send it, retry what failed.

The order of events that keeps messages and cases consistent:

1. ``sms_enqueue`` runs inside the case action's transaction: the row is written there and rolls
   back with it, and sending is scheduled with ``transaction.on_commit`` — a transition that rolled
   back sends nothing.
2. After commit, ``send_sms_task`` (Celery; in-process when there is no Redis) calls ``sms_send``.
   A gateway failure is recorded on the message and never raised into the request: the case
   transition has already committed and must stay so.
3. Failed messages are retried with exponential backoff (the task retries itself on a worker; the
   ``retry_pending_sms`` sweep catches up when no worker was running), at most ``MAX_ATTEMPTS``
   times in all.
"""

from __future__ import annotations

import datetime
import functools
import logging
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yichuang.common.enqueue import enqueue
from yichuang.common.identity import mask_phone, validate_mobile
from yichuang.notify.backends import Sms, SmsBackend, SmsDeliveryError, get_backend
from yichuang.notify.defaults import DEFAULT_TEMPLATES, DELIVERY_METHODS, PLACEHOLDERS
from yichuang.notify.models import SmsMessage, SmsStatus, SmsTemplate, StaffNotice

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE = datetime.timedelta(minutes=2)
# A queued message belongs to the task scheduled at commit; the sweep leaves it alone this long.
QUEUED_GRACE = datetime.timedelta(minutes=2)
INVALID_NUMBER_ERROR = "手机号码无效，未发送。"
# Messages sent in one transaction by the sweep (a slow gateway must not hold hundreds of row locks).
SWEEP_BATCH = 50
#: The gateways that push delivery receipts (``yichuang.notify.callbacks``).
RECEIPT_BACKENDS = frozenset({"aliyun", "tencent"})


def retry_delay(attempts: int) -> datetime.timedelta:
    """2, 4, 8, 16 minutes after the 1st … 4th failed attempt."""
    delay: datetime.timedelta = RETRY_BASE * 2 ** max(attempts - 1, 0)
    return delay


# --- rendering ----------------------------------------------------------------------------------


def _text(key: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, list | tuple):
        return "、".join(_text(key, part) for part in value)
    if isinstance(value, set | frozenset):
        return "、".join(sorted(_text(key, part) for part in value))
    if key == "method":
        return DELIVERY_METHODS.get(str(value), str(value))
    return str(value)


def template_text(code: str) -> str:
    """An active stored template, else the built-in text, else (a custom code that is switched off) its stored text.
    The stored row is kept in memory until a template changes (``common.memo``)."""
    from yichuang.common.memo import memoized

    row = memoized("reference", "sms_template", code, lambda: SmsTemplate.objects.filter(code=code).first())
    if row is not None and row.active:
        return row.body
    default = DEFAULT_TEMPLATES.get(code)
    if default is not None:
        return default.body
    if row is not None:
        return row.body
    raise ValueError(f"unknown SMS template code {code!r}: neither built in nor in SmsTemplate")


def sms_params(context: Mapping[str, object]) -> dict[str, str]:
    """The placeholder values as the text shows them: what a platform fills its approved template with."""
    return {str(key): _text(str(key), value) for key, value in context.items() if str(key) in PLACEHOLDERS}


def sms_render(*, template: str, context: Mapping[str, object]) -> str:
    """The message text: never fails on a badly edited template.

    ``string.Template.safe_substitute`` leaves an unknown ``${name}`` or a stray ``$`` as it is (the
    admin sees it in the outbox and fixes the template); a known placeholder the caller did not give
    becomes empty. Dates read 2025年3月1日, lists are joined with 、, delivery method codes become words.
    Raises ``ValueError`` only for a template code that exists nowhere — a programming error.
    """
    text = template_text(template)
    mapping = {name: "" for name in PLACEHOLDERS}
    mapping.update({str(key): _text(str(key), value) for key, value in context.items()})
    try:
        body = string.Template(text).safe_substitute(mapping)
    except Exception:  # safe_substitute does not raise for bad templates; this is the last guard
        logger.exception("SMS template %s could not be rendered; sending its raw text", template)
        body = text
    missing = sorted(
        {
            name
            for match in string.Template.pattern.finditer(text)
            if (name := match.group("named") or match.group("braced")) in PLACEHOLDERS and name not in context
        }
    )
    if missing:
        logger.warning("SMS template %s rendered without %s", template, ", ".join(missing))
    return body


# --- queueing ----------------------------------------------------------------------------------


def _schedule_send(message_id: int) -> None:
    """Runs after commit. A broker that is down must not break the request: the failure is logged as
    an error (``yichuang.common.enqueue``) and the sweep sends the message later.

    Without a task queue (no Redis: Celery runs tasks eagerly, in the request) the message goes to
    this process's background sender instead (``SMS_SEND_IN_BACKGROUND``, on by default), which
    sends whatever has gathered in one transaction: the request does not wait for the gateway nor
    for a second commit, and many messages share one.
    """
    from yichuang.notify.tasks import send_sms_task

    if send_sms_task.app.conf.task_always_eager and getattr(settings, "SMS_SEND_IN_BACKGROUND", False):
        from yichuang.notify.sender import background_sender

        background_sender.submit(message_id)
        return
    enqueue(
        send_sms_task,
        message_id,
        what=f"SMS {message_id}",
        retry="定时任务 retry-pending-sms 稍后发送 (the retry-pending-sms sweep sends it later)",
    )


def sms_enqueue(
    *, to: str, template: str, context: Mapping[str, object], case_number: str = ""
) -> SmsMessage:
    """Write the message in the current transaction; send it once that transaction commits.

    A number that is not a mainland mobile number does not stop the case action: the message is
    stored as failed ("手机号码无效") so the outbox shows why the applicant heard nothing.
    """
    body = sms_render(template=template, context=context)
    try:
        number = validate_mobile(to)
    except ValidationError:
        message = SmsMessage.objects.create(
            to=(to or "").strip()[:20],
            template=template,
            body=body,
            case_number=case_number,
            params=sms_params(context),
            status=SmsStatus.FAILED,
            last_error=INVALID_NUMBER_ERROR,
            error_code="INVALID_NUMBER",
        )
        logger.warning(
            "SMS %s (%s, case %s) not sent: %s is not a mobile number",
            message.pk,
            template,
            case_number or "-",
            mask_phone(to),
        )
        return message
    message = SmsMessage.objects.create(
        to=number,
        template=template,
        body=body,
        params=sms_params(context),
        case_number=case_number,
        next_attempt_at=timezone.now() + QUEUED_GRACE,
    )
    logger.info(
        "SMS %s (%s, case %s) queued for %s", message.pk, template, case_number or "-", mask_phone(number)
    )
    message_id = message.pk
    transaction.on_commit(lambda: _schedule_send(message_id))
    return message


def sms_requeue(*, message_ids: Iterable[int]) -> int:
    """Give failed messages a fresh set of attempts (the admin's "重新发送"); sent ones are left alone."""
    with transaction.atomic():
        ids = list(
            SmsMessage.objects.filter(pk__in=list(message_ids), status=SmsStatus.FAILED).values_list(
                "pk", flat=True
            )
        )
        SmsMessage.objects.filter(pk__in=ids).update(
            status=SmsStatus.QUEUED, attempts=0, next_attempt_at=timezone.now() + QUEUED_GRACE
        )
        for message_id in ids:
            transaction.on_commit(functools.partial(_schedule_send, message_id))
    return len(ids)


# --- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendOutcome:
    status: str  # "sent", "failed" or "skipped" (already sent, given up, or another worker has it)
    retry_in: datetime.timedelta | None = None


def _scrub(error: str, number: str) -> str:
    """A gateway's error text may quote the number; what we store and log never does."""
    return error.replace(number, mask_phone(number)) if number else error


def sms_send(*, message_id: int, backend: SmsBackend | None = None) -> SendOutcome:
    """One delivery attempt. Idempotent: a sent message is skipped.

    The row is locked for the attempt (``SELECT … FOR UPDATE SKIP LOCKED``; on SQLite the
    transaction's write lock does the same), so two workers never both send one message: the second
    finds it locked and skips it, or finds it sent. If the process dies after the gateway took the
    message but before commit, the message stays unsent and is sent again: at least once, never lost.
    """
    return sms_send_batch(message_ids=[message_id], backend=backend)[message_id]


def sms_send_batch(
    *, message_ids: Iterable[int], backend: SmsBackend | None = None
) -> dict[int, SendOutcome]:
    """``sms_send`` for several messages in one transaction: one locking read, one update of all the
    messages the gateway took, one commit. Each message keeps its own outcome (a gateway failure
    for one does not stop the others). A gateway that cannot even be set up (a missing key, the SDK
    not installed) fails each message with ``CONFIGURATION`` and the reason, to be retried later."""
    backend = backend or _usable_backend()
    ids = list(dict.fromkeys(message_ids))
    outcomes = {message_id: SendOutcome("skipped") for message_id in ids}
    sent: list[SmsMessage] = []
    with transaction.atomic():
        locked = SmsMessage.objects.select_for_update(skip_locked=True).filter(pk__in=ids).order_by("pk")
        for message in locked:
            if message.status == SmsStatus.SENT or message.attempts >= MAX_ATTEMPTS:
                continue
            outcomes[message.pk] = _attempt(message, backend)
            if outcomes[message.pk].status == "sent":
                sent.append(message)
        if sent:
            SmsMessage.objects.bulk_update(
                sent, ["to", "status", "attempts", "provider_id", "backend", "sent_at", "next_attempt_at"]
            )
    for message in sent:
        logger.info("SMS %s sent to %s (attempt %d)", message.pk, message.to, message.attempts)
    if sent and backend.name in RECEIPT_BACKENDS:
        # A platform may have reported a delivery while this transaction still held the ids.
        from yichuang.notify.receipts import sms_match_waiting_receipts

        sms_match_waiting_receipts(
            backend=backend.name, provider_ids=[message.provider_id for message in sent]
        )
    return outcomes


def _attempt(message: SmsMessage, backend: SmsBackend) -> SendOutcome:
    """Hand one locked message to the gateway. A failure is saved at once; a success is only set
    on the object (the caller saves all of them in one statement)."""
    now = timezone.now()
    message.attempts += 1
    message.backend = backend.name or type(backend).__name__.lower()[:20]
    sms = Sms(
        to=message.to,
        body=message.body,
        template=message.template,
        params=message.params or {},
        reference=str(message.pk),
    )
    try:
        validate_mobile(message.to)
        provider_id = backend.send(sms)
    except Exception as exc:
        may_retry = True
        if isinstance(exc, ValidationError):
            error, code, may_retry = INVALID_NUMBER_ERROR, "INVALID_NUMBER", False
        elif isinstance(exc, SmsDeliveryError):
            error, code, may_retry = _scrub(str(exc), message.to), exc.code, exc.retryable
        else:
            error, code = _scrub(f"{type(exc).__name__}: {exc}", message.to), ""
        retry_in = retry_delay(message.attempts) if may_retry and message.attempts < MAX_ATTEMPTS else None
        message.status = SmsStatus.FAILED
        message.last_error = error[:2000]
        message.error_code = _scrub(code, message.to)[:100]
        message.next_attempt_at = now + retry_in if retry_in is not None else None
        message.save(
            update_fields=["status", "attempts", "last_error", "error_code", "backend", "next_attempt_at"]
        )
        # A failure that waiting cannot mend (a template the platform does not know, a refused
        # number, a wrong key) is an error for whoever watches the logs, not a warning.
        logger.log(
            logging.WARNING if may_retry else logging.ERROR,
            "SMS %s (%s) to %s failed (attempt %d of %d): %s%s",
            message.pk,
            message.template,
            mask_phone(message.to),
            message.attempts,
            MAX_ATTEMPTS,
            message.last_error,
            f"; next try in {retry_in}" if retry_in is not None else "; giving up",
        )
        return SendOutcome("failed", retry_in)
    message.status = SmsStatus.SENT
    # Sent: the full number has done its work, so only the masked one is kept (still sealed at rest).
    message.to = mask_phone(message.to)
    message.provider_id = str(provider_id)[:100]
    message.sent_at = timezone.now()
    message.next_attempt_at = None
    return SendOutcome("sent")


def _usable_backend() -> SmsBackend:
    try:
        return get_backend()
    except Exception as exc:
        logger.error("SMS backend cannot be set up: %s", exc)
        return _Unconfigured(f"短信通道配置有误：{exc}")


class _Unconfigured(SmsBackend):
    """Stands in for a gateway that could not be set up, so each message records why it was not sent."""

    name = "unconfigured"

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def send(self, sms: Sms) -> str:
        raise SmsDeliveryError(self.reason, code="CONFIGURATION", retryable=True)


@dataclass(frozen=True)
class SweepResult:
    attempted: int
    sent: int
    failed: int


def sms_retry_pending(*, now: datetime.datetime | None = None, limit: int = 500) -> SweepResult:
    """Send what is due: queued or failed messages whose next attempt time has passed, attempts left.
    Also records the delivery receipts that came before their message's id was committed."""
    now = now or timezone.now()
    from yichuang.notify.receipts import sms_match_waiting_receipts

    sms_match_waiting_receipts(now=now)
    due = list(
        SmsMessage.objects.filter(
            status__in=[SmsStatus.QUEUED, SmsStatus.FAILED],
            next_attempt_at__lte=now,
            attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return SweepResult(0, 0, 0)
    backend = _usable_backend()
    outcomes = [
        outcome
        for start in range(0, len(due), SWEEP_BATCH)
        for outcome in sms_send_batch(message_ids=due[start : start + SWEEP_BATCH], backend=backend).values()
    ]
    result = SweepResult(
        attempted=sum(1 for o in outcomes if o.status != "skipped"),
        sent=sum(1 for o in outcomes if o.status == "sent"),
        failed=sum(1 for o in outcomes if o.status == "failed"),
    )
    logger.info("SMS sweep: %d attempted, %d sent, %d failed", result.attempted, result.sent, result.failed)
    return result


def notice_once(
    *,
    recipient: Any,
    kind: str,
    key: str,
    body: str,
    case_number: str = "",
    sms_template: str = "",
    sms_context: Mapping[str, object] | None = None,
) -> bool:
    """Write a staff reminder unless one with the same key exists; text it to him when he has a mobile
    number and a template is named. True when written now. Safe to call from several workers."""
    with transaction.atomic():
        _notice, created = StaffNotice.objects.get_or_create(
            recipient=recipient,
            key=key[:120],
            defaults={"kind": kind, "body": body, "case_number": case_number},
        )
        if created and sms_template and getattr(recipient, "phone", ""):
            sms_enqueue(
                to=recipient.phone, template=sms_template, context=sms_context or {}, case_number=case_number
            )
    return created
