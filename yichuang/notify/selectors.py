"""Reads of the SMS outbox. Only platform administrators read it (it holds applicants' numbers)."""

from __future__ import annotations

from django.db.models import QuerySet

from yichuang.notify.models import SmsMessage
from yichuang.org.models import Staff
from yichuang.org.selectors import is_platform_admin


def can_read_outbox(user: Staff) -> bool:
    """The outbox is the platform's, every county's messages in it: a county's administrator does not
    read it (decision 144)."""
    return bool(user.is_authenticated and user.is_active and is_platform_admin(user))


def sms_list(*, case_number: str | None = None, status: str | None = None) -> QuerySet[SmsMessage]:
    """The outbox, newest first, optionally for one case or in one status."""
    qs = SmsMessage.objects.order_by("-created_at", "-pk")
    if case_number:
        qs = qs.filter(case_number=case_number)
    if status:
        qs = qs.filter(status=status)
    return qs
