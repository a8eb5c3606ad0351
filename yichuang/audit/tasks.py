"""The nightly check of the audit trail: seal what is new, verify, alert the platform administrators."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from yichuang.audit.services import seal_extend
from yichuang.audit.verify import audit_verify

logger = logging.getLogger("yichuang.audit")


@shared_task
def verify_audit_trail() -> int:
    """Seal, verify; on a problem an ERROR line and a notice (SMS too for one with a number) to every
    platform administrator. Returns how many problems were found."""
    seal_extend()
    problems = audit_verify()
    if not problems:
        logger.info("audit trail intact")
        return 0
    for problem in problems:
        logger.error("audit trail broken: %s", problem)
    from yichuang.notify.services import notice_once
    from yichuang.org.models import Role, Staff

    body = f"审计记录校验失败（共 {len(problems)} 处）：{problems[0]}"
    admins = Staff.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
    for admin in admins:
        notice_once(
            recipient=admin,
            kind="audit_broken",
            key=f"audit:{timezone.localdate():%Y%m%d}",
            body=body,
        )
    return len(problems)
