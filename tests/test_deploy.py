"""The production path (issue 13): settings that fail loudly, health URLs for the proxy, queueing
failures that are loud and retried, demo accounts refused at sign-in, a real platform administrator.

The deployment itself (a clean venv, gunicorn, a Celery worker and beat on PostgreSQL and Redis)
is `.ci/deploy`, run by CI after the tests."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.test import Client, override_settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests import factories as f
from tests.test_documents import apply, client_for, documents, office  # noqa: F401 (office: a fixture)
from yichuang.celery import app as celery_app
from yichuang.common.enqueue import broker_transport_problem, refuse_without_broker_transport
from yichuang.notify.models import SmsMessage, SmsStatus
from yichuang.notify.services import sms_enqueue, sms_retry_pending
from yichuang.org.checks import demo_accounts_in_production
from yichuang.org.models import Role, Staff
from yichuang.org.tokens import token_issue

# —— settings ——

PRODUCTION_ENV = {
    "YICHUANG_ENV": "production",
    "SECRET_KEY": "a-long-random-secret-key-for-the-test-of-production-settings-0123456789",
    "ALLOWED_HOSTS": "ych.example.gov.cn",
    "PUBLIC_URL": "https://ych.example.gov.cn",
    "BEHIND_TLS_PROXY": "1",
}
#: What the test process's own environment must not lend a production subprocess.
_SCRUBBED = {
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "ALLOWED_HOSTS",
    "PUBLIC_URL",
    "DEBUG",
    "SEAL_MASTER_KEY",
    "SEAL_MASTER_KEY_FILE",
    "YICHUANG_PII_KEY_FILE",
    "YICHUANG_PII_KEY_BACKEND",
    "DATABASE_URL",
    "REDIS_URL",
    "YICHUANG_DATA_DIR",
    "YICHUANG_ENV",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests in the same worker process
}


def _yichuang(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "yichuang.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def production_env(tmp_path: Path) -> dict[str, str]:
    key = tmp_path / "seal-master.key"
    key.write_text("00112233445566778899aabbccddeeff\n")
    pii = tmp_path / "pii-keys.json"
    pii.write_text(
        json.dumps({"current": "0a1b2c3d", "keys": {"0a1b2c3d": "11" * 16}, "index_key": "22" * 32})
    )
    return {
        **PRODUCTION_ENV,
        "YICHUANG_DATA_DIR": str(tmp_path / "data"),
        "SEAL_MASTER_KEY_FILE": str(key),
        "YICHUANG_PII_KEY_FILE": str(pii),
    }


@pytest.mark.parametrize("name", ["ALLOWED_HOSTS", "PUBLIC_URL", "YICHUANG_DATA_DIR"])
def test_production_without_a_value_it_cannot_guess_refuses_to_start_and_names_it(
    production_env: dict[str, str], name: str
) -> None:
    env = {k: v for k, v in production_env.items() if k != name}
    result = _yichuang("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"必须设置 {name}" in result.stderr and f"{name} is required" in result.stderr


def test_production_refuses_debug_and_debug_is_off_unless_asked_for(production_env: dict[str, str]) -> None:
    result = _yichuang("check", env={**production_env, "DEBUG": "1"})
    assert result.returncode != 0 and "DEBUG must be off" in result.stderr
    shown = _yichuang("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", env={})
    assert shown.stdout.splitlines()[-1] == "False", "no YICHUANG_ENV and no DEBUG: no debug pages"


#: A county's SMS platform as docs/sms.md configures it (Tencent Cloud; its SDK is in the dev extra).
SMS_GATEWAY_ENV = {
    "SMS_BACKEND": "tencent",
    "SMS_TENCENT_SECRET_ID": "AKIDexample",
    "SMS_TENCENT_SECRET_KEY": "example-secret-key",
    "SMS_TENCENT_SDK_APP_ID": "1400000000",
    "SMS_TENCENT_SIGN_NAME": "浉河区政务服务",
    "SMS_RECEIPT_TOKEN": "a-long-random-receipt-token",
}


def test_the_documented_production_configuration_passes_check_deploy(production_env: dict[str, str]) -> None:
    result = _yichuang(
        "check", "--deploy", "--fail-level", "WARNING", env={**production_env, **SMS_GATEWAY_ENV}
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_that_without_an_sms_platform_applicants_get_no_messages(
    production_env: dict[str, str],
) -> None:
    result = _yichuang("check", "--deploy", "--fail-level", "WARNING", env=production_env)
    assert result.returncode != 0
    assert "yichuang.notify.W002" in result.stderr and "申请人收不到" in result.stderr


def test_check_deploy_names_a_missing_seal_key_but_migrate_does_not_need_it(
    production_env: dict[str, str],
) -> None:
    env = {k: v for k, v in production_env.items() if k != "SEAL_MASTER_KEY_FILE"}
    deploy = _yichuang("check", "--deploy", env=env)
    assert deploy.returncode != 0 and "SEAL_MASTER_KEY" in deploy.stderr
    migrate = _yichuang("migrate", "--noinput", "-v", "0", env=env, timeout=300)
    assert migrate.returncode == 0, migrate.stderr
    assert (Path(env["YICHUANG_DATA_DIR"]) / "yichuang.sqlite3").exists()


def test_check_deploy_names_a_missing_personal_data_key_file(production_env: dict[str, str]) -> None:
    env = {k: v for k, v in production_env.items() if k != "YICHUANG_PII_KEY_FILE"}
    deploy = _yichuang("check", "--deploy", env=env)
    assert deploy.returncode != 0 and "yichuang.pii.E001" in deploy.stderr and "个人信息" in deploy.stderr
    assert not (Path(env["YICHUANG_DATA_DIR"]) / "keys" / "pii-keys.json").exists()


def test_a_malformed_seal_key_stops_every_command(production_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("not-a-key\n")
    result = _yichuang("migrate", "--plan", env={**production_env, "SEAL_MASTER_KEY_FILE": str(bad)})
    assert result.returncode != 0 and "SEAL_MASTER_KEY must be 32 hexadecimal digits" in result.stderr


def test_a_malformed_public_url_refuses_to_start() -> None:
    result = _yichuang("check", env={"PUBLIC_URL": "ych.example.gov.cn"})
    assert result.returncode != 0 and "PUBLIC_URL must be an http(s) URL" in result.stderr


# —— health ——


@pytest.fixture
def with_broker() -> Any:
    """Celery as in production: tasks go to a broker (``url``) instead of running in-process."""
    saved = {"task_always_eager": celery_app.conf.task_always_eager, "broker_url": celery_app.conf.broker_url}

    def use(url: str) -> None:
        celery_app.conf.update(task_always_eager=False, broker_url=url)

    yield use
    celery_app.conf.update(**saved)


def test_healthz_answers_without_the_database_and_for_any_host() -> None:
    client = Client(HTTP_HOST="10.0.0.5")  # a probe by address, not by the public name
    with override_settings(ALLOWED_HOSTS=["ych.example.gov.cn"], SECURE_SSL_REDIRECT=True):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_reports_database_cache_and_broker() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from yichuang.common import health

    def refused() -> None:
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(health, "_database", refused)
    response = Client().get("/readyz")
    assert response.status_code == 503 and response["Retry-After"]
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": pytest.approx(0, abs=50),
    }
    assert "127.0.0.1" not in response.content.decode(), "no connection details for whoever asks"


@pytest.mark.django_db
def test_readyz_answers_503_when_the_broker_does_not_answer(with_broker: Any) -> None:
    with_broker("redis://127.0.0.1:9/0")  # nothing listens there
    response = Client().get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] is False and checks["database"]["ok"] is True


@pytest.mark.django_db
def test_a_database_outage_answers_503_json_for_the_api_and_a_chinese_page_for_people(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from yichuang.catalog import api as catalog_api
    from yichuang.web.views import public

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(catalog_api, "search_items", down)
    client = Client(raise_request_exception=False)
    api = client.get("/api/v1/items/?q=db")
    assert api.status_code == 503 and api["Retry-After"] == "30"
    assert api.json() == {
        "code": "service_unavailable",
        "detail": "数据库暂时无法访问，请稍后再试。",
        "fields": {},
    }
    monkeypatch.setattr(public, "search_items", down)
    page = client.get("/guide/?q=db")
    assert page.status_code == 503
    assert "暂时无法服务" in page.content.decode() and "Traceback" not in page.content.decode()


# —— the task queue ——


def test_a_broker_transport_that_cannot_be_imported_stops_servers_and_workers(
    monkeypatch: pytest.MonkeyPatch, with_broker: Any
) -> None:
    """kombu 5.7's Redis transport imports ``packaging``, which only its ``redis`` extra brings."""
    with_broker("redis://127.0.0.1:6379/3")  # loaded, never connected to
    import kombu.transport

    monkeypatch.setattr(kombu.transport, "_transport_cache", {})
    monkeypatch.delitem(sys.modules, "kombu.transport.redis", raising=False)
    monkeypatch.setitem(sys.modules, "packaging.version", None)  # as if packaging were not installed
    assert "packaging" in (broker_transport_problem() or "")
    with pytest.raises(ImproperlyConfigured, match=r"celery\[redis\]"):
        refuse_without_broker_transport()


def _queue_refuses(monkeypatch: pytest.MonkeyPatch, with_broker: Any, task: Any) -> None:
    def delay(*args: Any) -> None:
        raise ModuleNotFoundError("No module named 'packaging'")

    with_broker("memory://")  # the other tasks of the case go to an in-process queue nobody reads
    monkeypatch.setattr(task, "delay", delay)


@pytest.mark.django_db(transaction=True)
def test_an_sms_the_queue_refused_is_logged_as_an_error_and_sent_by_the_sweep(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, with_broker: Any
) -> None:
    from yichuang.notify.tasks import send_sms_task

    _queue_refuses(monkeypatch, with_broker, send_sms_task)
    with caplog.at_level(logging.INFO), transaction.atomic():
        message = sms_enqueue(to="13903760021", template="case_accepted", context={"number": "X1"})
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == ["yichuang.enqueue"]
    assert f"SMS {message.pk}" in errors[0].getMessage() and "packaging" in errors[0].getMessage()
    assert SmsMessage.objects.get(pk=message.pk).status == SmsStatus.QUEUED
    sms_retry_pending(now=timezone.now() + dt.timedelta(minutes=10))
    assert SmsMessage.objects.get(pk=message.pk).status == SmsStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_a_document_the_queue_refused_is_logged_as_an_error_and_signed_by_the_process_instead(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    office: Any,  # noqa: F811 (the fixture of tests.test_documents)
    with_broker: Any,
) -> None:
    from yichuang.documents.models import DocumentKind, DocumentStatus
    from yichuang.documents.tasks import sign_document_task

    _queue_refuses(monkeypatch, with_broker, sign_document_task)
    with caplog.at_level(logging.ERROR):
        case = apply(client_for(office.staff["town_clerk"]), "OWN")
    document = documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE]
    refusals = [
        r for r in caplog.records if r.levelno >= logging.ERROR and str(document.pk) in r.getMessage()
    ]
    assert refusals, "a refused document is an error in the log, not a silent drop"
    assert document.status == DocumentStatus.SIGNED, "the process's own signer took it"


# —— accounts ——


@pytest.mark.django_db
def test_createsuperuser_makes_a_platform_administrator() -> None:
    call_command("createsuperuser", interactive=False, username="chief", email="", stdout=StringIO())
    chief = Staff.objects.get(username="chief")
    assert chief.is_superuser and chief.role == Role.ADMIN
    chief.full_clean()
    client = APIClient()
    client.force_authenticate(chief)
    assert client.get("/api/v1/me/").json()["role"] == "admin"


@pytest.mark.django_db
def test_a_superuser_given_a_place_keeps_the_role_given() -> None:
    county = f.RegionFactory(code="411502000000", name="浉河区", level="county")
    boss = Staff.objects.create_superuser("boss", role=Role.SUPERVISOR, region=county)
    assert boss.role == Role.SUPERVISOR


@pytest.fixture
def demo_clerk(db: Any) -> Staff:
    return f.StaffFactory(username="town9", is_demo=True, password="demo12345", role=Role.ADMIN)


@pytest.mark.django_db
def test_in_production_a_demo_account_gets_no_token_and_says_why(demo_clerk: Staff, settings: Any) -> None:
    client = APIClient()
    credentials = {"username": "town9", "password": "demo12345"}
    assert client.post("/api/v1/auth/token/", credentials, format="json").status_code == 200
    settings.PRODUCTION = True
    refused = client.post("/api/v1/auth/token/", credentials, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "demo_account"
    assert "演示账号在生产环境中不能登录" in refused.json()["detail"]


@pytest.mark.django_db
def test_in_production_a_demo_accounts_old_token_and_session_stop_working(
    demo_clerk: Staff, settings: Any
) -> None:
    token = token_issue(user=demo_clerk)[1]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    web = Client()
    web.force_login(demo_clerk)
    assert api.get("/api/v1/me/").status_code == 200
    settings.PRODUCTION = True
    answer = api.get("/api/v1/me/")
    assert answer.status_code == 401 and "演示账号" in answer.json()["detail"]
    assert web.get("/work/").status_code == 302, "the session no longer names a user"


@pytest.mark.django_db
def test_in_production_the_login_page_refuses_a_demo_account_with_a_reason(
    demo_clerk: Staff, settings: Any
) -> None:
    settings.PRODUCTION = True
    page = Client().post("/login/", {"username": "town9", "password": "demo12345"})
    assert page.status_code == 400
    assert "演示账号在生产环境中不能登录" in page.content.decode()
    assert "_auth_user_id" not in Client().session


@pytest.mark.django_db
def test_in_production_the_admin_login_refuses_a_demo_account(demo_clerk: Staff, settings: Any) -> None:
    demo_clerk.is_staff = demo_clerk.is_superuser = True
    demo_clerk.save()
    settings.PRODUCTION = True
    client = Client()
    client.post("/admin/login/?next=/admin/", {"username": "town9", "password": "demo12345"})
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_disable_demo_accounts_switches_them_all_off_and_drops_their_tokens(
    demo_clerk: Staff, settings: Any
) -> None:
    f.StaffFactory(username="agent9", is_demo=True)
    real = f.StaffFactory(username="wangli")
    token_issue(user=demo_clerk)
    settings.PRODUCTION = True
    assert demo_accounts_in_production()
    out = StringIO()
    call_command("disable_demo_accounts", stdout=out)
    assert "已停用 2 个演示账号" in out.getvalue() and "agent9、town9" in out.getvalue()
    assert not Staff.objects.filter(is_demo=True, is_active=True).exists()
    assert Staff.objects.get(pk=real.pk).is_active
    assert not AuthToken.objects.filter(user=demo_clerk).exists()
    assert demo_accounts_in_production() == []
    again = StringIO()
    call_command("disable_demo_accounts", stdout=again)
    assert "没有启用的演示账号" in again.getvalue()
