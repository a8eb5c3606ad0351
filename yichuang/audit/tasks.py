"""The nightly check of the audit trail: seal what is new, verify, alert the platform administrators
(and a county's administrator of his county's cases)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from yichuang.audit.services import seal_extend
from yichuang.audit.verify import Problem, audit_verify
from yichuang.org.selectors import is_platform_admin, limit_to_scope

logger = logging.getLogger("yichuang.audit")


@shared_task
def verify_audit_trail() -> int:
    """Seal, verify; on a problem an ERROR line and a notice (SMS too for one with a number) to every
    platform administrator, and to a county's administrator when a case of his county is among the
    problems (that case's only). Returns how many problems were found."""
    seal_extend()
    problems = audit_verify()
    if not problems:
        logger.info("audit trail intact")
        return 0
    for problem in problems:
        logger.error("audit trail broken: %s", problem)
    from yichuang.notify.services import notice_once
    from yichuang.org.models import Role, Staff

    key = f"audit:{timezone.localdate():%Y%m%d}"
    admins = Staff.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True).select_related(
        "region", "point"
    )
    for admin in admins:
        own = problems if is_platform_admin(admin) else _of_his_county(admin, problems)
        if own:
            notice_once(recipient=admin, kind="audit_broken", key=key, body=_body(own))
    return len(problems)


def _body(problems: list[Problem]) -> str:
    return f"审计记录校验失败（共 {len(problems)} 处）：{problems[0]}"


def _of_his_county(admin: Any, problems: list[Problem]) -> list[Problem]:
    """The problems a county's administrator is told of (decision 154): those of his county's cases.
    The seals, the security events and a deleted case are the platform's: he hears of none of them,
    nor of another county's cases (their numbers and what broke are not his to read)."""
    from yichuang.cases.models import Case

    numbers = {p.case for p in problems if p.case}
    if not numbers:
        return []
    his = set(limit_to_scope(Case.objects.filter(number__in=numbers), admin).values_list("number", flat=True))
    return [p for p in problems if p.case in his]
