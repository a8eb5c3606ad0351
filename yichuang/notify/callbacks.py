"""The addresses the platforms push delivery receipts to: ``/hooks/sms/aliyun/<token>/`` and
``/hooks/sms/tencent/<token>/``.

Neither platform signs its pushes nor lets us add a header, so the secret ``SMS_RECEIPT_TOKEN`` is
part of the address configured in its console; a wrong or missing token answers 404, like an address
that does not exist. Each platform expects its own answer (Alibaba Cloud ``{"code": 0}``, Tencent
Cloud ``{"result": 0}``) and pushes again when it does not get it, which recording tolerates. A body
that is not a JSON array is refused with 400 in the platform's own format (plus our ``detail``).
The receipts hold whole phone numbers: nothing here logs them.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from yichuang.notify.receipts import Receipt, receipt_time, sms_record_receipts

logger = logging.getLogger(__name__)

#: More reports than this in one push is not a platform talking.
MAX_REPORTS = 1000


def _token_matches(token: str) -> bool:
    expected = getattr(settings, "SMS_RECEIPT_TOKEN", "") or ""
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


def _reports(request: HttpRequest) -> list[dict[str, Any]] | str:
    """The pushed JSON array, or the Chinese reason it cannot be read."""
    try:
        data = json.loads(request.body)
    except RequestDataTooBig:
        return "回执请求体过大。"
    except (ValueError, UnicodeDecodeError):
        return "回执请求体不是 JSON。"
    if isinstance(data, dict):  # one report on its own
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        return "回执应为 JSON 数组，每项一个对象。"
    if len(data) > MAX_REPORTS:
        return f"一次最多 {MAX_REPORTS} 条回执。"
    return data


def _aliyun(report: dict[str, Any]) -> Receipt:
    success = report.get("success")
    return Receipt(
        provider_id=str(report.get("biz_id") or ""),
        delivered=success is True or str(success).lower() == "true",
        at=receipt_time(report.get("report_time")),
        detail=f"{report.get('err_code') or ''} {report.get('err_msg') or ''}".strip(),
    )


def _tencent(report: dict[str, Any]) -> Receipt:
    return Receipt(
        provider_id=str(report.get("sid") or ""),
        delivered=str(report.get("report_status") or "").upper() == "SUCCESS",
        at=receipt_time(report.get("user_receive_time")),
        detail=f"{report.get('errmsg') or ''} {report.get('description') or ''}".strip(),
    )


def _receiver(
    backend: str, parse: Callable[[dict[str, Any]], Receipt], answer: Callable[[str], dict[str, Any]]
) -> Callable[[HttpRequest, str], JsonResponse]:
    @csrf_exempt
    @require_POST
    def receive(request: HttpRequest, token: str) -> JsonResponse:
        if not _token_matches(token):
            raise Http404
        reports = _reports(request)
        if isinstance(reports, str):
            logger.warning("SMS receipts from %s refused: %s", backend, reports)
            response = JsonResponse({**answer(reports), "detail": reports}, status=400)
            # Django would log the address, and the address holds the token.
            response._has_been_logged = True  # type: ignore[attr-defined]
            return response
        sms_record_receipts(backend=backend, receipts=[parse(report) for report in reports])
        return JsonResponse(answer(""))

    receive.__name__ = f"{backend}_receipts"
    return receive


aliyun_receipts = _receiver(
    "aliyun", _aliyun, lambda error: {"code": 1, "msg": error} if error else {"code": 0, "msg": "接收成功"}
)
tencent_receipts = _receiver(
    "tencent",
    _tencent,
    lambda error: {"result": 1, "errmsg": error} if error else {"result": 0, "errmsg": "OK"},
)

urlpatterns = [
    path("aliyun/<str:token>/", aliyun_receipts, name="sms-receipts-aliyun"),
    path("tencent/<str:token>/", tencent_receipts, name="sms-receipts-tencent"),
]
