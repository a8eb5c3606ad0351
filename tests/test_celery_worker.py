"""With REDIS_URL set, background work goes through Redis to a real Celery worker process.

The other tests run tasks eagerly; this one starts `celery worker` against the local Redis and the
test database, hands it tasks through the broker and waits for their effect in the database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from tests.test_documents import office  # noqa: F401  (fixture)
from yichuang.notify.models import SmsMessage, SmsStatus
from yichuang.stats.models import RollupState

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
#: A database of its own on the local Redis, so a developer's own queues are left alone.
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/13"
ROOT = Path(__file__).resolve().parent.parent


def _redis_up() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not _redis_up() and not os.environ.get("CI"), reason="no Redis on 127.0.0.1:6379"),
]


def _database_url() -> str:
    """The test database, as the worker process must reach it."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Celery]:
    from yichuang.documents.crypto import master_key
    from yichuang.pii.keys import FileKeyBackend, keyring

    def pii_key_file() -> Path:
        keyring()  # made on first use
        return FileKeyBackend().path

    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    env = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": _database_url(),
        "YICHUANG_DATA_DIR": str(tmp_path),  # its files land in tmp_path/files, the tests' MEDIA_ROOT
        "SEAL_MASTER_KEY": master_key().hex(),  # the seals this process made
        "YICHUANG_PII_KEY_FILE": str(pii_key_file()),  # the keys that sealed this process's rows
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "yichuang",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # Not the current app: the shared tasks of the other tests must stay bound to the project's own.
    client = Celery("yichuang-test-client", broker=REDIS_URL, set_as_current=False)
    client.conf.task_default_queue = queue
    try:
        yield client
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if process.returncode not in (0, -15):
            print(output.decode(errors="replace")[-4000:])


def _wait_for(check, seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def test_a_real_worker_sends_a_queued_sms_and_rolls_up_the_figures(worker: Celery):
    message = SmsMessage.objects.create(
        to="13812345678",
        template="case_accepted",
        body="【一窗政务服务】测试",
        next_attempt_at=timezone.now(),
    )
    worker.send_task("yichuang.notify.tasks.send_sms_task", args=[message.pk])
    worker.send_task("yichuang.stats.tasks.rollup_figures")

    def sent() -> bool:
        return SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENT).exists()

    assert _wait_for(sent), "the worker did not send the message through Redis"
    assert _wait_for(lambda: RollupState.objects.filter(pk=1).exists()), "the rollup task did not run"
    message.refresh_from_db()
    assert message.attempts == 1 and message.sent_at is not None


def test_a_real_worker_renders_and_signs_a_document(worker: Celery, office, settings):  # noqa: F811
    from tests.test_documents import apply, client_for, documents
    from yichuang.documents.models import DocumentKind, DocumentStatus
    from yichuang.documents.selectors import verify_document

    settings.DOCUMENTS_RENDER_AFTER_COMMIT = False  # nothing signed here: the worker must do it
    case = apply(client_for(office.staff["town_clerk"]), "OWN")
    notice = documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE]
    assert notice.status == DocumentStatus.PENDING
    worker.send_task("yichuang.documents.tasks.sign_document_task", args=[str(notice.pk)])

    def signed() -> bool:
        notice.refresh_from_db()
        return notice.status == DocumentStatus.SIGNED

    assert _wait_for(signed), "the worker did not sign the document"
    assert verify_document(notice).genuine
