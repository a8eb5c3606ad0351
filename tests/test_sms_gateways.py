"""The real SMS platforms, through their own SDKs, against fake endpoints on the loopback
(tests/sms_platforms.py): what the SDK really sends, and what the outbox makes of each answer."""

from __future__ import annotations

import datetime as dt
import json
import logging
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from tests.sms_platforms import (
    ALIYUN_BAD_TEMPLATE,
    ALIYUN_KEY_ID,
    ALIYUN_THROTTLED,
    PHONE,
    TENCENT_APP_ID,
    TENCENT_SECRET_ID,
    TaskRetry,
    closed_port,
    tencent_error,
    tencent_status,
)
from yichuang.notify.checks import sms_backend_configured, sms_really_sent, sms_templates_mapped
from yichuang.notify.models import SmsMessage, SmsProvider, SmsProviderTemplate, SmsStatus, SmsTemplate
from yichuang.notify.services import retry_delay, sms_enqueue, sms_retry_pending, sms_send

pytestmark = pytest.mark.django_db

MASKED = "138****5678"
NUMBER = "SH2026000123"
ACCEPTED = {"item": "最低生活保障申请", "number": NUMBER, "due_date": dt.date(2026, 12, 31)}


def queued(template: str = "case_accepted", context: dict[str, Any] | None = None) -> SmsMessage:
    """A message as a case action leaves it: written, not yet sent."""
    return sms_enqueue(to=PHONE, template=template, context=context or ACCEPTED, case_number=NUMBER)


def sent_now(**kwargs: Any) -> SmsMessage:
    message = queued(**kwargs)
    sms_send(message_id=message.pk)
    message.refresh_from_db()
    return message


# ------------------------------------------------------------------------------------ Alibaba Cloud


def test_aliyun_gets_a_signed_sendsms_with_our_values_in_its_template(aliyun):
    message = sent_now()
    [request] = aliyun.requests
    assert request.headers["x-acs-action"] == "SendSms"
    assert request.headers["x-acs-version"] == "2017-05-25"
    assert request.headers["authorization"].startswith(f"ACS3-HMAC-SHA256 Credential={ALIYUN_KEY_ID},")
    assert "Signature=" in request.headers["authorization"]
    params = {**request.query, **request.form()}
    assert params["PhoneNumbers"] == PHONE
    assert params["SignName"] == "一窗政务服务"
    assert params["TemplateCode"] == "SMS_465925001"
    assert json.loads(params["TemplateParam"]) == {
        "item": "最低生活保障申请",
        "number": NUMBER,
        "due_date": "2026年12月31日",
    }
    assert params["OutId"] == str(message.pk)
    assert message.status == SmsStatus.SENT
    assert message.backend == "aliyun" and message.provider_id == "900619746936498440^0"


def test_an_aliyun_template_with_variables_of_other_names_is_filled_by_the_mapping(aliyun, settings):
    settings.SMS_ALIYUN_TEMPLATES = {"case_accepted": {"code": "SMS_1", "params": "name=item,code=number"}}
    sent_now()
    params = {**aliyun.requests[0].query, **aliyun.requests[0].form()}
    assert json.loads(params["TemplateParam"]) == {"name": "最低生活保障申请", "code": NUMBER}


def test_a_throttled_aliyun_message_is_retried_later_and_then_goes_out(aliyun):
    aliyun.answer(ALIYUN_THROTTLED)
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False):
        message = sent_now()
        assert message.status == SmsStatus.FAILED
        assert message.error_code == "isv.BUSINESS_LIMIT_CONTROL"
        assert "触发小时级流控" in message.last_error
        assert message.next_attempt_at == timezone.now() + retry_delay(1)
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 3, tzinfo=dt.UTC), tick=False):
        assert sms_retry_pending().sent == 1
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT and message.attempts == 2 and len(aliyun.requests) == 2


def test_a_template_aliyun_does_not_know_fails_at_once_with_its_code_and_is_not_retried(aliyun, caplog):
    aliyun.answer(ALIYUN_BAD_TEMPLATE)
    with caplog.at_level(logging.INFO):
        message = sent_now()
    assert message.status == SmsStatus.FAILED
    assert message.error_code == "isv.SMS_TEMPLATE_ILLEGAL"
    assert "该账号下找不到对应模板" in message.last_error
    assert message.next_attempt_at is None
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        assert sms_retry_pending().attempted == 0
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "isv.SMS_TEMPLATE_ILLEGAL" in errors[0].getMessage()
    assert PHONE not in caplog.text and MASKED in caplog.text


def test_an_aliyun_http_refusal_and_a_server_fault_are_told_apart(aliyun):
    aliyun.answer(
        {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}, 404
    )
    refused = sent_now()
    assert refused.error_code == "InvalidAccessKeyId.NotFound" and refused.next_attempt_at is None
    aliyun.answer({"Code": "ServiceUnavailable", "Message": "The request has failed"}, 503)
    fault = sent_now()
    assert fault.status == SmsStatus.FAILED and fault.error_code == "ServiceUnavailable"
    assert fault.next_attempt_at is not None


def test_no_answer_from_aliyun_is_a_network_error_to_retry(aliyun, settings):
    settings.SMS_ALIYUN_ENDPOINT = closed_port()
    message = sent_now()
    assert message.status == SmsStatus.FAILED and message.error_code == "NETWORK"
    assert "无法连接" in message.last_error and message.next_attempt_at is not None


# ------------------------------------------------------------------------------------ Tencent Cloud


def test_tencent_gets_a_signed_sendsms_with_our_values_in_order(tencent):
    message = sent_now()
    [request] = tencent.requests
    assert request.headers["x-tc-action"] == "SendSms"
    assert request.headers["x-tc-version"] == "2021-01-11"
    assert request.headers["x-tc-region"] == "ap-guangzhou"
    assert (
        request.headers["authorization"].startswith(f"TC3-HMAC-SHA256 Credential={TENCENT_SECRET_ID}/")
        and "Signature=" in request.headers["authorization"]
    )
    body = request.json()
    assert body["PhoneNumberSet"] == ["+86" + PHONE]
    assert body["SmsSdkAppId"] == TENCENT_APP_ID and body["SignName"] == "一窗政务服务"
    assert body["TemplateId"] == "2041235"
    assert body["TemplateParamSet"] == ["最低生活保障申请", NUMBER, "2026年12月31日"]
    assert body["SessionContext"] == str(message.pk)
    assert message.status == SmsStatus.SENT
    assert message.backend == "tencent" and message.provider_id == "5000:1045710669157053657849499619"


def test_the_tencent_order_can_be_set_in_the_admin_and_wins_over_the_environment(tencent):
    SmsProviderTemplate.objects.create(
        template_id="case_accepted", provider=SmsProvider.TENCENT, provider_code="777", params="number,item"
    )
    sent_now()
    body = tencent.requests[0].json()
    assert body["TemplateId"] == "777" and body["TemplateParamSet"] == [NUMBER, "最低生活保障申请"]


def test_a_number_tencent_throttles_is_retried(tencent):
    tencent.answer(tencent_status("LimitExceeded.PhoneNumberThirtySecondLimit", "30秒内发送短信条数超过上限"))
    message = sent_now()
    assert message.status == SmsStatus.FAILED
    assert message.error_code == "LimitExceeded.PhoneNumberThirtySecondLimit"
    assert "30秒内" in message.last_error and message.next_attempt_at is not None


def test_an_unapproved_tencent_template_fails_at_once_with_its_code(tencent):
    tencent.answer(tencent_error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配"))
    message = sent_now()
    assert message.status == SmsStatus.FAILED
    assert message.error_code == "FailedOperation.TemplateIncorrectOrUnapproved"
    assert "模板未审批" in message.last_error and message.next_attempt_at is None


def test_no_answer_from_tencent_is_a_network_error_to_retry(tencent, settings):
    settings.SMS_TENCENT_ENDPOINT = closed_port()
    message = sent_now()
    assert message.status == SmsStatus.FAILED and message.error_code == "NETWORK"
    assert message.next_attempt_at is not None


# ------------------------------------------------------------------------- mapping and configuration


def test_a_template_without_a_mapping_fails_loudly_and_never_reaches_the_platform(tencent, caplog):
    with caplog.at_level(logging.INFO):
        message = sent_now(template="case_refused", context={"item": "低保", "reason": "不符合条件"})
    assert tencent.requests == []
    assert message.status == SmsStatus.FAILED and message.error_code == "TEMPLATE_NOT_MAPPED"
    assert "case_refused" in message.last_error and message.next_attempt_at is None
    assert any(r.levelno == logging.ERROR and "case_refused" in r.getMessage() for r in caplog.records)


def test_missing_keys_leave_the_message_failed_with_the_reason_not_lost(settings):
    settings.SMS_BACKEND = "aliyun"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = ""
    message = sent_now()
    assert message.status == SmsStatus.FAILED and message.error_code == "CONFIGURATION"
    assert "SMS_ALIYUN_ACCESS_KEY_ID" in message.last_error and message.next_attempt_at is not None


def test_the_system_check_names_every_unmapped_template_and_missing_key(aliyun, settings):
    settings.SMS_RECEIPT_TOKEN = "t0ken"
    assert sms_backend_configured() == []  # keys, SDK, mapping syntax and receipt token fine
    [unmapped] = sms_templates_mapped(databases=["default"])
    assert unmapped.id == "yichuang.notify.E003"
    assert "case_refused" in unmapped.msg and "case_accepted" not in unmapped.msg
    settings.SMS_ALIYUN_TEMPLATES = {
        code: f"SMS_{n}" for n, code in enumerate(SmsTemplate.objects.values_list("code", flat=True))
    }
    assert sms_templates_mapped(databases=["default"]) == []
    settings.SMS_ALIYUN_SIGN_NAME = ""
    [missing] = sms_backend_configured()
    assert missing.id == "yichuang.notify.E001" and "SMS_ALIYUN_SIGN_NAME" in missing.msg


def test_a_bad_mapping_in_the_environment_is_a_check_error(tencent, settings):
    settings.SMS_TENCENT_TEMPLATES = {"case_accepted": {"code": "1", "params": "name=item"}}
    [error] = [e for e in sms_backend_configured() if e.id.endswith("E002")]
    assert "case_accepted" in error.msg and "{1}" in error.msg


def test_production_that_only_keeps_sms_in_the_outbox_is_warned(settings):
    settings.PRODUCTION = True
    settings.SMS_BACKEND = "outbox"
    [warning] = sms_really_sent()
    assert warning.id == "yichuang.notify.W002"
    settings.PRODUCTION = False
    assert sms_really_sent() == []


def test_the_admin_refuses_a_mapping_it_cannot_use(superuser_client_sms):
    template = SmsTemplate.objects.get(code="case_accepted")
    response = superuser_client_sms.post(
        f"/admin/notify/smstemplate/{template.pk}/change/",
        {
            "name": template.name,
            "body": template.body,
            "active": "on",
            "provider_templates-TOTAL_FORMS": "1",
            "provider_templates-INITIAL_FORMS": "0",
            "provider_templates-0-provider": "tencent",
            "provider_templates-0-provider_code": "2041235",
            "provider_templates-0-params": "item,numbr",
        },
    )
    assert response.status_code == 200 and "“numbr”不是短信占位符" in response.content.decode()
    assert not SmsProviderTemplate.objects.exists()


def test_the_template_lists_in_the_admin_say_which_templates_the_platform_cannot_send(
    tencent, superuser_client_sms, settings
):
    for page in ("/admin/notify/smstemplate/", "/admin/notify/smsprovidertemplate/"):
        content = superuser_client_sms.get(page).content.decode()
        # every template but case_accepted (mapped in the environment), in order
        assert (
            "以下模板还没有对照腾讯云短信的模板编号，发送会失败：appointment_booked、appointment_cancelled、case_approved、"
            in content
        )
    settings.SMS_BACKEND = "outbox"
    assert "还没有对照" not in superuser_client_sms.get("/admin/notify/smstemplate/").content.decode()


def test_the_command_prints_the_texts_to_apply_for_in_the_platforms_own_notation(tencent):
    out = StringIO()
    call_command("sms_templates", "tencent", stdout=out)
    text = out.getvalue()
    assert "申请文字：您申请的{1}已受理，办件编号{2}，承诺于{3}前办结。" in text
    assert "已对照 2041235（环境变量）：{1}←item，{2}←number，{3}←due_date" in text
    assert "【" not in text  # the platform adds the approved 签名 itself


# ------------------------------------------------------------------------- who waits, who retries


def test_on_a_worker_a_throttled_message_is_retried_and_a_refused_one_is_not(aliyun, on_a_worker):
    aliyun.answer(ALIYUN_THROTTLED)
    with pytest.raises(TaskRetry):
        on_a_worker.run(queued().pk)
    aliyun.answer(ALIYUN_BAD_TEMPLATE)
    assert on_a_worker.run(queued().pk) == "failed"
    assert on_a_worker.retried == [retry_delay(1).total_seconds()]


def test_the_clerk_accepting_a_case_gets_his_answer_when_the_platform_refuses(
    aliyun, clerk, django_capture_on_commit_callbacks
):
    from tests.test_cases import accepted_case

    aliyun.answer(ALIYUN_BAD_TEMPLATE)
    with django_capture_on_commit_callbacks(execute=True):
        case = accepted_case(clerk)  # asserts the 201
    message = SmsMessage.objects.get(case_number=case["number"], template="case_accepted")
    assert message.status == SmsStatus.FAILED and message.error_code == "isv.SMS_TEMPLATE_ILLEGAL"
    assert len(aliyun.requests) == 1


@pytest.fixture
def superuser_client_sms(world):
    from django.test import Client

    client = Client()
    client.force_login(world.staff["admin"])
    return client


def test_a_message_written_in_a_rolled_back_action_never_reaches_the_platform(
    aliyun, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queued()
        raise RuntimeError("the case action failed")
    assert aliyun.requests == [] and not SmsMessage.objects.exists()


@pytest.mark.parametrize("platform", ["aliyun", "tencent"])
def test_nothing_logs_the_whole_number_even_at_debug_level(platform, request, caplog):
    request.getfixturevalue(platform)
    with caplog.at_level(logging.DEBUG):
        message = sent_now()
    assert message.status == SmsStatus.SENT
    assert MASKED in caplog.text and PHONE not in caplog.text


@pytest.mark.parametrize("platform", ["aliyun", "tencent"])
def test_a_platform_that_does_not_answer_in_time_is_a_network_error_to_retry(platform, request, settings):
    fake = request.getfixturevalue(platform)
    settings.SMS_TIMEOUT = 1
    fake.delay = 2.5
    message = sent_now()
    assert message.status == SmsStatus.FAILED and message.error_code == "NETWORK"
    assert message.next_attempt_at is not None
