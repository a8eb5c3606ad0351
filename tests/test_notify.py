"""The SMS outbox: a message goes out only with a committed case action, failures are retried and
never undo the action, and nobody reading lists or logs sees a whole phone number."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, ClassVar

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories as f
from tests.sms_platforms import TaskRetry
from yichuang.common.identity import mask_phone
from yichuang.notify.backends import OutboxBackend, Sms, SmsBackend, SmsDeliveryError
from yichuang.notify.defaults import DEFAULT_TEMPLATES, PLACEHOLDERS, SIGNATURE
from yichuang.notify.models import SmsMessage, SmsStatus, SmsTemplate, template_problems
from yichuang.notify.services import (
    MAX_ATTEMPTS,
    QUEUED_GRACE,
    SweepResult,
    retry_delay,
    sms_enqueue,
    sms_render,
    sms_requeue,
    sms_retry_pending,
    sms_send,
)
from yichuang.notify.tasks import retry_pending_sms, send_sms_task
from yichuang.org.models import Region, RegionLevel, Role

PHONE = "13812345678"
MASKED = "138****5678"
NUMBER = "SH2025000123"
ACCEPTED = {"item": "最低生活保障申请", "number": NUMBER, "due_date": dt.date(2025, 3, 14)}
# The template's page also holds its platform templates (an inline formset), here left empty.
NO_PLATFORM_ROWS = {"provider_templates-TOTAL_FORMS": "0", "provider_templates-INITIAL_FORMS": "0"}


class RecordingBackend(SmsBackend):
    sent: ClassVar[list[tuple[str, str]]] = []

    def send(self, sms: Sms) -> str:
        self.sent.append((sms.to, sms.body))
        return f"rec-{len(self.sent)}"


class GatewayQuotingTheNumber(SmsBackend):
    def send(self, sms: Sms) -> str:
        raise SmsDeliveryError(f"gateway rejected {sms.to}: blacklisted")


@pytest.fixture
def recording(settings: Any) -> list[tuple[str, str]]:
    settings.SMS_BACKEND = "tests.test_notify.RecordingBackend"
    RecordingBackend.sent = []
    return RecordingBackend.sent


@pytest.fixture
def failing(settings: Any) -> None:
    settings.SMS_BACKEND = "yichuang.notify.backends.FailingBackend"


def a_case_action(**context: Any) -> SmsMessage:
    """Stands in for a case transition: a data change and its message in one transaction."""
    with transaction.atomic():
        Region.objects.create(code="411502100201", name="甲镇1村", level=RegionLevel.VILLAGE)
        return sms_enqueue(
            to=PHONE, template="case_accepted", context={**ACCEPTED, **context}, case_number=NUMBER
        )


# ------------------------------------------------------------------------------------------ templates


@pytest.mark.django_db
def test_the_migration_seeds_every_template_with_the_signature_and_known_placeholders():
    seeded = {t.code: t for t in SmsTemplate.objects.all()}
    assert set(DEFAULT_TEMPLATES) <= set(seeded)
    for code in DEFAULT_TEMPLATES:
        assert seeded[code].active
        assert seeded[code].body.startswith(SIGNATURE), code
        assert template_problems(seeded[code].body) == [], code


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(DEFAULT_TEMPLATES))
def test_every_default_text_renders_completely_with_a_full_context(code):
    body = sms_render(template=code, context=dict.fromkeys(PLACEHOLDERS, "某某"))
    assert "$" not in body
    assert body.startswith(SIGNATURE)


@pytest.mark.django_db
def test_accepted_reads_as_plain_chinese_with_the_date_written_out():
    body = sms_render(template="case_accepted", context=ACCEPTED)
    assert body.startswith(
        "【一窗政务服务】您申请的最低生活保障申请已受理，办件编号SH2025000123，承诺于2025年3月14日前办结"
    )


@pytest.mark.django_db
def test_lists_are_joined_and_delivery_methods_are_words():
    notice = sms_render(template="case_needs_supplement", context={"missing": ["户口簿", "收入证明"]})
    assert "户口簿、收入证明" in notice
    delivered = sms_render(template="case_delivered", context={"method": "mail", "tracking_number": "9876"})
    assert "邮政寄递" in delivered and "9876" in delivered


@pytest.mark.django_db
def test_a_denial_tells_the_applicant_the_remedy():
    body = sms_render(template="case_denied", context={"reason": "不符合条件"})
    assert "60日内申请行政复议" in body and "6个月内" in body and "行政诉讼" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "broken", ["${unknown}办件${number}", "收费$5元，办件${number}", "办件${number}$", "${number"]
)
def test_a_badly_edited_template_still_renders(broken):
    SmsTemplate.objects.filter(code="case_accepted").update(body=broken)
    body = sms_render(template="case_accepted", context=ACCEPTED)
    assert body  # no exception, something to send
    if "${number}" in broken:
        assert NUMBER in body


@pytest.mark.django_db
def test_the_admin_form_refuses_what_would_render_badly():
    template = SmsTemplate.objects.get(code="case_accepted")
    template.body = "办件${numbr}，费用$5"
    with pytest.raises(ValidationError) as caught:
        template.full_clean()
    text = " ".join(caught.value.message_dict["body"])
    assert "${numbr}" in text and "$$" in text


@pytest.mark.django_db
def test_a_switched_off_template_falls_back_to_the_built_in_text():
    SmsTemplate.objects.filter(code="case_accepted").update(body="旧文本${number}", active=False)
    assert sms_render(template="case_accepted", context=ACCEPTED).startswith(SIGNATURE)


@pytest.mark.django_db
def test_a_template_that_exists_nowhere_is_a_programming_error():
    with pytest.raises(ValueError, match="case_acepted"):
        sms_enqueue(to=PHONE, template="case_acepted", context={})
    assert not SmsMessage.objects.exists()


@pytest.mark.django_db
def test_a_template_added_in_the_admin_can_be_used():
    SmsTemplate.objects.create(
        code="holiday_notice", name="节假日通知", body=SIGNATURE + "办件${number}顺延。"
    )
    assert sms_render(template="holiday_notice", context={"number": "X1"}).endswith("办件X1顺延。")


# -------------------------------------------------------------------------------- queueing and sending


@pytest.mark.django_db
def test_a_rolled_back_case_action_leaves_no_message_and_sends_nothing(
    recording, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sms_enqueue(to=PHONE, template="case_accepted", context=ACCEPTED, case_number=NUMBER)
        raise RuntimeError("the transition failed")
    assert callbacks == []
    assert not SmsMessage.objects.exists()
    assert recording == []


@pytest.mark.django_db
def test_nothing_is_sent_before_the_case_action_commits(recording, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = a_case_action()
    # one send waits for the commit (beside it, the region's change waits to move the memos' marker)
    assert len([c for c in callbacks if "sms_enqueue" in c.__qualname__]) == 1
    assert recording == []
    message.refresh_from_db()
    assert message.status == SmsStatus.QUEUED and message.attempts == 0


@pytest.mark.django_db
def test_a_committed_case_action_sends_its_message_with_the_default_backend(
    settings, django_capture_on_commit_callbacks
):
    del settings.SMS_BACKEND  # not configured: the outbox backend
    with django_capture_on_commit_callbacks(execute=True):
        message = a_case_action()
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert message.attempts == 1
    assert message.provider_id.startswith("outbox-")
    assert message.sent_at is not None and message.next_attempt_at is None
    # Sent: the outbox keeps the number masked (and sealed at rest, tests/test_pii.py).
    assert message.to == mask_phone(PHONE) and message.case_number == NUMBER
    assert message.template == "case_accepted" and "已受理" in message.body


@pytest.mark.django_db(transaction=True)
def test_a_real_commit_sends_the_message(recording):
    message = a_case_action()
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert recording == [(PHONE, message.body)]


@pytest.mark.django_db(transaction=True)
def test_a_gateway_failure_never_undoes_the_case_action(failing):
    message = a_case_action()  # no exception reaches the caller
    assert Region.objects.filter(code="411502100201").exists()
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert message.attempts == 1
    assert "FailingBackend" in message.last_error
    assert message.next_attempt_at is not None


def queued(**context: Any) -> SmsMessage:
    with transaction.atomic():
        return sms_enqueue(to=PHONE, template="case_accepted", context={**ACCEPTED, **context})


@pytest.mark.django_db(transaction=True)
def test_without_a_task_queue_a_background_thread_sends_after_commit(settings, recording):
    from yichuang.notify.sender import background_sender

    settings.SMS_SEND_IN_BACKGROUND = True
    messages = [queued(number=f"SH{n}") for n in range(3)]
    assert background_sender.flush(timeout=10, close_connection=True)
    for message in messages:
        message.refresh_from_db()
        assert message.status == SmsStatus.SENT and message.attempts == 1
    assert sorted(recording) == sorted((PHONE, m.body) for m in messages)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_action_gives_the_background_thread_nothing(settings, recording):
    from yichuang.notify.sender import background_sender

    settings.SMS_SEND_IN_BACKGROUND = True
    with pytest.raises(RuntimeError), transaction.atomic():
        a_case_action()
        raise RuntimeError("the case action failed after queueing its message")
    assert background_sender.flush(timeout=10, close_connection=True)
    assert recording == [] and not SmsMessage.objects.exists()


@pytest.mark.django_db
def test_messages_sent_together_keep_their_own_outcomes(settings, django_capture_on_commit_callbacks):
    from yichuang.notify.services import sms_send_batch

    with django_capture_on_commit_callbacks(execute=False):
        good = [queued(number=f"SH{n}") for n in range(2)]
        bad = sms_enqueue(to=PHONE, template="case_approved", context=ACCEPTED)
    SmsMessage.objects.filter(pk=bad.pk).update(to="12345")  # a number the gateway cannot take
    done = SmsMessage.objects.create(to=PHONE, template="x", body="x", status=SmsStatus.SENT, attempts=1)
    outcomes = sms_send_batch(message_ids=[good[0].pk, bad.pk, good[1].pk, done.pk, 987654])
    assert {k: o.status for k, o in outcomes.items()} == {
        good[0].pk: "sent",
        bad.pk: "failed",
        good[1].pk: "sent",
        done.pk: "skipped",
        987654: "skipped",
    }
    assert [m.status for m in SmsMessage.objects.filter(pk__in=[g.pk for g in good])] == [SmsStatus.SENT] * 2
    assert SmsMessage.objects.get(pk=bad.pk).last_error == "手机号码无效，未发送。"


@pytest.mark.django_db
def test_a_failure_is_recorded_with_an_exponential_backoff(failing, django_capture_on_commit_callbacks):
    with time_machine.travel(dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            message = a_case_action()
        message.refresh_from_db()
        assert message.next_attempt_at == timezone.now() + retry_delay(1)
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [dt.timedelta(minutes=m) for m in (2, 4, 8, 16)]


@pytest.mark.django_db
def test_sending_twice_sends_once(recording, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = a_case_action()
    assert sms_send(message_id=message.pk).status == "skipped"
    send_sms_task.delay(message.pk)
    send_sms_task(message.pk)
    message.refresh_from_db()
    assert message.attempts == 1
    assert len(recording) == 1


@pytest.mark.django_db
def test_a_message_that_no_longer_exists_is_skipped():
    assert sms_send(message_id=987654).status == "skipped"


@pytest.mark.django_db
def test_a_number_that_is_not_a_mobile_number_does_not_stop_the_case(
    recording, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = sms_enqueue(to="0376-6221234", template="case_accepted", context=ACCEPTED)
    assert callbacks == []
    assert message.status == SmsStatus.FAILED
    assert "手机号码无效" in message.last_error
    assert sms_retry_pending(now=timezone.now() + dt.timedelta(days=1)).attempted == 0
    assert recording == []


@pytest.mark.django_db
def test_numbers_are_stored_normalised_for_the_gateway(recording, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_enqueue(to="+86 138-1234-5678", template="case_accepted", context=ACCEPTED)
    assert message.to == PHONE
    assert recording[0][0] == PHONE


# ------------------------------------------------------------------------------------------- the sweep


@pytest.mark.django_db
def test_the_sweep_retries_a_failed_message_when_its_time_has_come(
    settings, failing, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            message = a_case_action()

        assert sms_retry_pending().attempted == 0  # not yet

        settings.SMS_BACKEND = "yichuang.notify.backends.OutboxBackend"
        clock.shift(retry_delay(1))
        assert sms_retry_pending() == SweepResult(attempted=1, sent=1, failed=0)
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert message.attempts == 2


@pytest.mark.django_db
def test_the_sweep_gives_up_after_five_attempts(failing, django_capture_on_commit_callbacks):
    with time_machine.travel(dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            message = a_case_action()
        for attempt in range(2, MAX_ATTEMPTS + 1):
            clock.shift(retry_delay(attempt - 1))
            assert sms_retry_pending().failed == 1
            message.refresh_from_db()
            assert message.attempts == attempt
        assert message.next_attempt_at is None
        clock.shift(dt.timedelta(days=30))
        assert sms_retry_pending().attempted == 0
        assert sms_send(message_id=message.pk).status == "skipped"
    message.refresh_from_db()
    assert message.attempts == MAX_ATTEMPTS
    assert message.status == SmsStatus.FAILED


@pytest.mark.django_db
def test_the_sweep_sends_what_no_worker_picked_up(recording, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down: nothing ran
        message = a_case_action()
    assert sms_retry_pending().attempted == 0  # the worker still has its grace period
    with time_machine.travel(timezone.now() + QUEUED_GRACE + dt.timedelta(seconds=1)):
        assert retry_pending_sms.delay().get() == 1
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT and message.attempts == 1


@pytest.mark.django_db
def test_the_command_sends_pending_messages(recording, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=False):
        message = a_case_action()
    SmsMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    call_command("send_pending_sms")
    assert "成功 1 条" in capsys.readouterr().out
    assert len(recording) == 1


@pytest.mark.django_db
def test_requeueing_gives_a_failed_message_fresh_attempts(
    settings, failing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = a_case_action()
    SmsMessage.objects.filter(pk=message.pk).update(attempts=MAX_ATTEMPTS, next_attempt_at=None)
    settings.SMS_BACKEND = "yichuang.notify.backends.OutboxBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert sms_requeue(message_ids=[message.pk]) == 1
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT and message.attempts == 1
    assert sms_requeue(message_ids=[message.pk]) == 0  # a sent message is not sent again


# ------------------------------------------------------------------------------------- personal data


@pytest.mark.django_db
def test_logs_never_show_a_whole_phone_number(settings, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        sent = a_case_action()
    settings.SMS_BACKEND = "tests.test_notify.GatewayQuotingTheNumber"
    with django_capture_on_commit_callbacks(execute=True):
        failed = sms_enqueue(to=PHONE, template="case_approved", context=ACCEPTED)
    sms_enqueue(to="+8613912345678x", template="case_approved", context=ACCEPTED)

    assert MASKED in caplog.text
    assert PHONE not in caplog.text
    assert "13912345678" not in caplog.text
    sent.refresh_from_db()
    failed.refresh_from_db()
    assert sent.status == SmsStatus.SENT
    assert failed.status == SmsStatus.FAILED
    assert PHONE not in failed.last_error and MASKED in failed.last_error


def test_the_outbox_backend_logs_the_number_masked(caplog):
    caplog.set_level(logging.INFO)
    assert OutboxBackend().send(Sms(to=PHONE, body="测试")).startswith("outbox-")
    assert MASKED in caplog.text and PHONE not in caplog.text


def test_the_console_backend_prints_the_number_masked(capsys):
    from yichuang.notify.backends import ConsoleBackend

    ConsoleBackend().send(Sms(to=PHONE, body="测试"))
    out = capsys.readouterr().out
    assert MASKED in out and PHONE not in out


# ----------------------------------------------------------------------------------------------- API


@pytest.fixture
def outbox(db: Any) -> list[SmsMessage]:
    return [
        SmsMessage.objects.create(
            to=PHONE, template="case_accepted", body="已受理", case_number=NUMBER, status=SmsStatus.SENT
        ),
        SmsMessage.objects.create(
            to="13987654321", template="case_denied", body="不予许可", case_number="OTHER1"
        ),
    ]


def api_as(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


URL = "/api/v1/notifications/"


def test_the_url_is_named_in_the_v1_namespace():
    assert reverse("v1:notification-list") == URL


def test_an_admin_reads_the_outbox_newest_first_with_numbers_masked(world, outbox):
    response = api_as(world.staff["admin"]).get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2 and {"next", "previous", "results"} <= set(data)
    newest = data["results"][0]
    assert set(newest) == {
        "to",
        "template",
        "body",
        "status",
        "created_at",
        "sent_at",
        "case",
        "receipt",
        "receipt_at",
    }
    assert newest["case"] == "OTHER1" and newest["to"] == "139****4321"
    assert PHONE not in response.content.decode()


def test_the_outbox_can_be_read_for_one_case(world, outbox):
    results = api_as(world.staff["admin"]).get(URL, {"case": NUMBER}).json()["results"]
    assert [(r["case"], r["to"], r["status"]) for r in results] == [(NUMBER, MASKED, "sent")]
    assert api_as(world.staff["admin"]).get(URL, {"status": "queued"}).json()["count"] == 1


def test_a_platform_admin_without_superuser_rights_reads_it_too(world, outbox):
    ops = f.StaffFactory(username="ops", role=Role.ADMIN)
    assert api_as(ops).get(URL).status_code == 200


@pytest.mark.parametrize("who", ["hall_clerk", "town_clerk", "reviewer", "agent", "supervisor"])
def test_other_staff_are_refused(world, outbox, who):
    response = api_as(world.staff[who]).get(URL)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_callers_must_log_in(db):
    assert APIClient().get(URL).status_code == 401


@pytest.mark.parametrize("params", [{"case": "x" * 41}, {"case": "SH 1;--"}, {"status": "lost"}])
def test_a_bad_filter_answers_400_in_the_error_format(world, params):
    response = api_as(world.staff["admin"]).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and set(body["fields"]) == set(params)


# --------------------------------------------------------------------------------------------- admin


@pytest.fixture
def superuser_client(world) -> Client:
    client = Client()
    client.force_login(world.staff["admin"])
    return client


def test_the_admin_lists_messages_with_numbers_masked_and_finds_them_by_case(superuser_client, outbox):
    content = superuser_client.get("/admin/notify/smsmessage/", {"q": NUMBER}).content.decode()
    assert MASKED in content and PHONE not in content
    assert "139****4321" not in content  # another case
    detail = superuser_client.get(f"/admin/notify/smsmessage/{outbox[0].pk}/change/").content.decode()
    assert MASKED in detail and PHONE not in detail


def test_the_admin_resends_failed_messages(
    superuser_client, outbox, recording, django_capture_on_commit_callbacks
):
    SmsMessage.objects.filter(pk=outbox[1].pk).update(status=SmsStatus.FAILED, attempts=MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            "/admin/notify/smsmessage/",
            {"action": "resend", "_selected_action": [outbox[0].pk, outbox[1].pk]},
            follow=True,
        )
    assert "已重新排队发送 1 条短信" in response.content.decode()
    assert SmsMessage.objects.get(pk=outbox[1].pk).status == SmsStatus.SENT
    assert recording == [("13987654321", "不予许可")]


def test_templates_are_edited_in_the_admin_with_the_placeholders_explained(superuser_client):
    template = SmsTemplate.objects.get(code="case_accepted")
    page = superuser_client.get(f"/admin/notify/smstemplate/{template.pk}/change/").content.decode()
    assert "${due_date}" in page and "承诺办结日期" in page
    response = superuser_client.post(
        f"/admin/notify/smstemplate/{template.pk}/change/",
        {"name": template.name, "body": SIGNATURE + "办件${numbr}已受理", "active": "on", **NO_PLATFORM_ROWS},
    )
    assert response.status_code == 200 and "未知占位符" in response.content.decode()
    response = superuser_client.post(
        f"/admin/notify/smstemplate/{template.pk}/change/",
        {
            "name": template.name,
            "body": SIGNATURE + "办件${number}已受理",
            "active": "on",
            **NO_PLATFORM_ROWS,
        },
    )
    assert response.status_code == 302
    assert sms_render(template="case_accepted", context=ACCEPTED).endswith(f"办件{NUMBER}已受理")


@pytest.mark.django_db
def test_on_a_worker_a_failure_is_retried_with_the_backoff(
    failing, django_capture_on_commit_callbacks, on_a_worker
):
    with django_capture_on_commit_callbacks(execute=False):
        message = a_case_action()
    with pytest.raises(TaskRetry):
        on_a_worker.run(message.pk)
    assert on_a_worker.retried == [retry_delay(1).total_seconds()]
    message.refresh_from_db()
    assert message.attempts == 1 and message.status == SmsStatus.FAILED
