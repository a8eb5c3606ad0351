"""Delivery receipts (回执): the platforms push what the carrier reported, and the outbox shows it on
the message they name — once, however often they push, and only with the secret in the address."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.sms_platforms import PHONE
from yichuang.notify.models import SmsMessage, SmsReceipt, SmsStatus, SmsWaitingReceipt
from yichuang.notify.services import sms_enqueue, sms_retry_pending, sms_send

pytestmark = pytest.mark.django_db

TOKEN = "r3ceipt-t0ken-for-tests"
BIZ_ID = "900619746936498440^0"
SERIAL = "5000:1045710669157053657849499619"
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def receipt_token(settings: Any) -> None:
    settings.SMS_RECEIPT_TOKEN = TOKEN


def a_sent_message(backend: str, provider_id: str) -> SmsMessage:
    return SmsMessage.objects.create(
        to=PHONE,
        template="case_accepted",
        body="【一窗政务服务】您申请的低保已受理",
        status=SmsStatus.SENT,
        backend=backend,
        provider_id=provider_id,
        sent_at=timezone.now(),
    )


def aliyun_report(success: bool = True, at: str = "2026-12-07 16:03:04", **extra: Any) -> dict[str, Any]:
    return {
        "phone_number": PHONE,
        "send_time": "2026-12-07 16:03:01",
        "report_time": at,
        "success": success,
        "err_code": "DELIVERED" if success else "MK:0001",
        "err_msg": "用户接收成功" if success else "用户关机",
        "sms_size": "1",
        "biz_id": BIZ_ID,
        "out_id": "1",
        **extra,
    }


def tencent_report(status: str = "SUCCESS", at: str = "2026-12-07 16:03:04") -> dict[str, Any]:
    return {
        "user_receive_time": at,
        "nationcode": "86",
        "mobile": PHONE,
        "report_status": status,
        "errmsg": "DELIVRD" if status == "SUCCESS" else "MI:0013",
        "description": "用户短信送达成功" if status == "SUCCESS" else "手机号码为空号",
        "sid": SERIAL,
    }


def push(platform: str, body: Any, token: str = TOKEN) -> Any:
    return Client().post(f"/hooks/sms/{platform}/{token}/", body, content_type="application/json")


def test_an_aliyun_report_marks_the_message_delivered_at_the_carriers_time():
    message = a_sent_message("aliyun", BIZ_ID)
    response = push("aliyun", [aliyun_report()])
    assert response.status_code == 200 and response.json() == {"code": 0, "msg": "接收成功"}
    message.refresh_from_db()
    assert message.receipt == SmsReceipt.DELIVERED
    assert message.receipt_at == dt.datetime(2026, 12, 7, 16, 3, 4, tzinfo=CST)
    assert message.receipt_detail == "DELIVERED 用户接收成功"
    assert message.status == SmsStatus.SENT  # sending and delivery are two facts


def test_a_tencent_report_of_an_empty_number_marks_it_undelivered_with_the_reason():
    message = a_sent_message("tencent", SERIAL)
    response = push("tencent", [tencent_report("FAIL")])
    assert response.status_code == 200 and response.json() == {"result": 0, "errmsg": "OK"}
    message.refresh_from_db()
    assert message.receipt == SmsReceipt.UNDELIVERED
    assert message.receipt_detail == "MI:0013 手机号码为空号"


def test_the_same_push_twice_changes_nothing_and_an_older_report_never_overwrites_a_newer_one():
    message = a_sent_message("aliyun", BIZ_ID)
    assert push("aliyun", [aliyun_report(at="2026-12-07 16:05:00")]).status_code == 200
    assert push("aliyun", [aliyun_report(at="2026-12-07 16:05:00")]).status_code == 200
    assert push("aliyun", [aliyun_report(success=False, at="2026-12-07 16:04:00")]).status_code == 200
    message.refresh_from_db()
    assert message.receipt == SmsReceipt.DELIVERED
    assert message.receipt_at == dt.datetime(2026, 12, 7, 16, 5, tzinfo=CST)


def test_a_batch_records_each_report_on_its_own_message_and_keeps_the_strangers_waiting():
    first = a_sent_message("aliyun", "111^0")
    second = a_sent_message("aliyun", "222^0")
    response = push(
        "aliyun",
        [
            aliyun_report(biz_id="111^0"),
            aliyun_report(success=False, biz_id="222^0"),
            aliyun_report(biz_id="not-ours^0"),
        ],
    )
    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.receipt, second.receipt) == (SmsReceipt.DELIVERED, SmsReceipt.UNDELIVERED)
    assert list(SmsWaitingReceipt.objects.values_list("provider_id", flat=True)) == ["not-ours^0"]


def test_a_report_is_matched_within_its_own_platform():
    tencent_message = a_sent_message("tencent", BIZ_ID)
    push("aliyun", [aliyun_report()])
    tencent_message.refresh_from_db()
    assert tencent_message.receipt == ""


@pytest.mark.parametrize("token", ["wrong-token", TOKEN[:-1]])
def test_a_push_without_the_secret_is_not_found_and_records_nothing(token):
    message = a_sent_message("aliyun", BIZ_ID)
    assert push("aliyun", [aliyun_report()], token=token).status_code == 404
    message.refresh_from_db()
    assert message.receipt == ""


def test_without_a_configured_secret_the_addresses_do_not_exist(settings):
    settings.SMS_RECEIPT_TOKEN = ""
    assert push("tencent", [tencent_report()], token="").status_code == 404
    assert push("tencent", [tencent_report()], token="anything").status_code == 404


def test_only_a_post_is_a_push():
    assert Client().get(f"/hooks/sms/aliyun/{TOKEN}/").status_code == 405


@pytest.mark.parametrize(
    ("platform", "body", "answer"),
    [
        ("aliyun", "not json", {"code": 1}),
        ("aliyun", [1, 2], {"code": 1}),
        ("tencent", '"a string"', {"result": 1}),
    ],
)
def test_an_unreadable_push_is_refused_in_the_platforms_format_without_logging_the_secret(
    platform, body, answer, caplog
):
    with caplog.at_level(logging.INFO):
        response = push(platform, body)
    assert response.status_code == 400
    data = response.json()
    assert data.items() >= answer.items() and data["detail"]
    assert TOKEN not in caplog.text


def test_receipts_never_put_the_number_in_the_log(caplog):
    a_sent_message("tencent", SERIAL)
    with caplog.at_level(logging.DEBUG):
        push("tencent", [tencent_report()])
    assert PHONE not in caplog.text and TOKEN not in caplog.text


def test_a_message_sent_through_aliyun_is_delivered_by_the_receipt_for_its_bizid(aliyun):
    message = sms_enqueue(to=PHONE, template="case_accepted", context={"item": "低保", "number": "N1"})
    sms_send(message_id=message.pk)
    push("aliyun", [aliyun_report(out_id=str(message.pk))])
    message.refresh_from_db()
    assert message.provider_id == BIZ_ID and message.receipt == SmsReceipt.DELIVERED


def test_the_outbox_api_shows_whether_a_message_arrived(world):
    message = a_sent_message("aliyun", BIZ_ID)
    message.case_number = "SH1"
    message.save()
    push("aliyun", [aliyun_report()])
    client = APIClient()
    client.force_authenticate(user=world.staff["admin"])
    [row] = client.get("/api/v1/notifications/?case=SH1").json()["results"]
    assert row["receipt"] == "delivered"
    assert dt.datetime.fromisoformat(row["receipt_at"]) == dt.datetime(2026, 12, 7, 16, 3, 4, tzinfo=CST)


# ----------------------------------------------------- receipts that come before their message's id


def test_a_report_that_comes_before_its_message_is_recorded_when_the_message_goes_out(aliyun):
    assert push("aliyun", [aliyun_report()]).json() == {"code": 0, "msg": "接收成功"}
    assert SmsWaitingReceipt.objects.count() == 1
    message = sms_enqueue(to=PHONE, template="case_accepted", context={"item": "低保", "number": "N1"})
    sms_send(message_id=message.pk)  # the fake platform answers BizId BIZ_ID
    message.refresh_from_db()
    assert message.receipt == SmsReceipt.DELIVERED and message.receipt_detail == "DELIVERED 用户接收成功"
    assert not SmsWaitingReceipt.objects.exists()


def test_the_sweep_records_a_waiting_report_once_its_message_is_known():
    push("tencent", [tencent_report("FAIL")])
    message = a_sent_message("tencent", SERIAL)  # committed after the report came
    sms_retry_pending()
    message.refresh_from_db()
    assert message.receipt == SmsReceipt.UNDELIVERED and not SmsWaitingReceipt.objects.exists()


def test_a_report_for_no_message_of_ours_is_dropped_after_a_day():
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=CST), tick=False):
        push("aliyun", [aliyun_report(biz_id="someone-elses^0")])
    sms_retry_pending(now=dt.datetime(2026, 12, 7, 20, 0, tzinfo=CST))
    assert SmsWaitingReceipt.objects.count() == 1  # might still be ours
    sms_retry_pending(now=dt.datetime(2026, 12, 8, 9, 1, tzinfo=CST))
    assert not SmsWaitingReceipt.objects.exists()
