"""好差评 records to the national 好差评 system (国家政务服务平台), in its data shape.

Every rating (any channel: SMS, web, kiosk, the window's pad, the hotline's revisit) gets a
``RatingReport`` row in the rating's own transaction when ``RATING_REPORT_URL`` is set; the
``report-ratings`` task posts what is due in batches of ``BATCH`` as ``{"records": [...]}`` with
``Authorization: Bearer <RATING_REPORT_TOKEN>``, and a failed batch is tried again after growing
pauses, each record at most ``MAX_ATTEMPTS`` times (then ``failed``, listed in the admin).

A record carries the elements GB/T 39735-2020 (政务服务评价工作指南) names for an evaluation: the
evaluation's number, the case (办件编号), the item (实施编码 and 基本编码, name), the service
organisation and its division code, the channel, the level (1 非常不满意 … 5 非常满意), the
dimensions rated, the comment, and the time. The applicant is not in it: the national system asks
for the evaluator only when the evaluation is signed in there, and ours are by case.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.utils import timezone

from yichuang.integrations.models import RatingReport, ReportStatus

logger = logging.getLogger(__name__)

BATCH = 100
MAX_ATTEMPTS = 10
#: 评价渠道 as the national system codes them.
CHANNELS = {"web": "1", "kiosk": "7", "pad": "4", "sms": "6", "hotline": "5"}


def on_rating_saved(
    sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    """``post_save`` of a rating: its report row, in the same transaction."""
    if created and not raw and settings.RATING_REPORT_URL:
        RatingReport.objects.create(rating=instance, next_attempt_at=timezone.now())


def record_of(report: RatingReport) -> dict[str, Any]:
    rating = report.rating
    case, point = rating.case, rating.point
    return {
        "评价编号": f"{point.region.code}-{rating.pk}",
        "办件编号": case.number,
        "事项实施编码": case.item.code,
        "事项基本编码": case.item.base_code,
        "事项名称": case.item.name,
        "服务机构": point.name,
        "服务机构编码": point.code,
        "行政区划代码": point.region.code,
        "评价渠道": CHANNELS.get(rating.channel, "9"),
        "评价等级": int(rating.score),
        "分项评价": rating.dimensions or {},
        "评价内容": rating.comment,
        "评价时间": rating.created_at.isoformat(),
    }


def reports_claim(limit: int = BATCH) -> list[RatingReport]:
    from yichuang.integrations.services import claim_due

    now = timezone.now()
    due = RatingReport.objects.filter(status=ReportStatus.PENDING, next_attempt_at__lte=now)
    return claim_due(
        due.select_related("rating__case__item", "rating__point__region"),
        lease_until=now + dt.timedelta(minutes=5),
        limit=limit,
    )


def reports_push() -> int:
    """Post one batch of due records; how many were posted (whatever the answer)."""
    claimed = reports_claim()
    if not claimed:
        return 0
    body = json.dumps({"records": [record_of(r) for r in claimed]}, ensure_ascii=False).encode()
    token = settings.RATING_REPORT_TOKEN
    request = urllib.request.Request(
        settings.RATING_REPORT_URL,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    error = ""
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            ok = 200 <= response.status < 300
            if not ok:
                error = f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        ok, error = False, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        ok, error = False, f"{type(exc).__name__}: {exc}"[:300]
    now = timezone.now()
    for report in claimed:
        report.attempts += 1
        if ok:
            report.status, report.sent_at, report.last_error = ReportStatus.SENT, now, ""
        elif report.attempts >= MAX_ATTEMPTS:
            report.status, report.last_error = ReportStatus.FAILED, error
        else:
            report.last_error = error
            report.next_attempt_at = now + dt.timedelta(minutes=5 * 2 ** (report.attempts - 1))
    RatingReport.objects.bulk_update(
        claimed, ["attempts", "status", "sent_at", "last_error", "next_attempt_at"]
    )
    if not ok:
        logger.warning(
            "好差评上报失败（%d 条），稍后重试：%s。Rating report failed, retried later: %s",
            len(claimed),
            error,
            error,
        )
    return len(claimed)
