"""Documents are made off the request: the action answers with its documents pending, this process's
background signer renders and signs them, a download in between waits briefly or says 正在生成, and
documents left pending by a process that was killed are taken up when the next one starts.

These tests run as in production (``DOCUMENTS_SIGN_IN_BACKGROUND`` on, the real wait and on-demand
thresholds) with committed transactions, so the signer's thread sees what the request wrote.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.test_documents import act, apply, client_for, documents, office  # noqa: F401  (fixtures)
from yichuang.documents import render, signer
from yichuang.documents.models import Document, DocumentKind, DocumentStatus
from yichuang.documents.selectors import verify_document
from yichuang.documents.signer import BackgroundSigner, background_signer

pytestmark = pytest.mark.django_db(transaction=True)


class Renderer:
    """``render_document`` as it is, noting the thread it runs in, and held at a gate until the
    test opens it (so "still pending" is a fact, not a race)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[str] = []
        self.gate = threading.Event()
        self.real = render.render_document
        monkeypatch.setattr(render, "render_document", self)

    def __call__(self, **kwargs: Any) -> bytes:
        self.threads.append(threading.current_thread().name)
        assert self.gate.wait(30), "the test never opened the gate"
        return self.real(**kwargs)


@pytest.fixture
def as_in_production(settings: Any) -> Iterator[None]:
    settings.DOCUMENTS_SIGN_IN_BACKGROUND = True
    settings.DOCUMENTS_PENDING_WAIT_SECONDS = 3
    settings.DOCUMENTS_SIGN_ON_DEMAND_AFTER_SECONDS = 120
    yield
    # Nothing of this test left in the thread, and its connection closed before the tables are emptied.
    assert background_signer.flush(timeout=60, close_connection=True)


@pytest.fixture
def renderer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Renderer]:
    gate = Renderer(monkeypatch)
    yield gate
    gate.gate.set()  # never leave the signer's thread waiting


@pytest.fixture
def clerk(office):  # noqa: F811
    return client_for(office.staff["town_clerk"])


def statuses(number: str) -> set[str]:
    return {d.status for d in documents(number).values()}


def test_the_action_answers_with_its_documents_pending_and_the_background_signer_signs_them(
    office,  # noqa: F811
    clerk,
    as_in_production,
    renderer,
):
    case = apply(
        clerk, "OWN", provide=("M001", "M020"), commitments=["M010"]
    )  # accepted at the window: 受理通知书, 告知承诺书
    assert case["status"] == "accepted"
    # The request has answered; the documents exist, pending, and nothing was rendered in its thread.
    assert statuses(case["number"]) == {DocumentStatus.PENDING}
    assert set(documents(case["number"])) == {DocumentKind.ACCEPTANCE_NOTICE, DocumentKind.COMMITMENT}
    assert threading.current_thread().name not in renderer.threads

    renderer.gate.set()
    assert background_signer.flush(timeout=60)
    assert statuses(case["number"]) == {DocumentStatus.SIGNED}
    assert set(renderer.threads) == {"document-signer"}
    for document in documents(case["number"]).values():
        assert verify_document(document).genuine


def test_a_download_while_the_document_is_made_waits_for_it(office, clerk, as_in_production, renderer):  # noqa: F811
    case = apply(clerk, "OWN")
    notice = documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE]
    threading.Timer(0.5, renderer.gate.set).start()  # the signer finishes while the download waits
    response = clerk.get(f"/api/v1/documents/{notice.pk}/content/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    notice.refresh_from_db()
    assert notice.status == DocumentStatus.SIGNED and notice.size == len(response.content)
    assert threading.current_thread().name not in renderer.threads


def test_a_download_still_pending_after_the_wait_says_it_is_being_made_and_never_sends_a_file(
    office,  # noqa: F811
    clerk,
    as_in_production,
    renderer,
    settings,
):
    settings.DOCUMENTS_PENDING_WAIT_SECONDS = 1
    case = apply(clerk, "OWN")
    notice = documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE]
    url = f"/api/v1/documents/{notice.pk}/content/"

    answer = clerk.get(url)
    assert answer.status_code == 409 and answer["Retry-After"] == "1"
    assert answer.json() == {"code": "document_pending", "detail": "文书正在生成，请稍后再试。", "fields": {}}

    page = clerk.get(url, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert page.status_code == 409 and page["Content-Type"].startswith("text/html")
    assert "文书正在生成" in page.content.decode() and "受理通知书" in page.content.decode()

    verify = Client().get(f"/verify/{notice.verify_code}")
    assert verify.status_code == 503 and verify["Retry-After"] == "1"
    html = verify.content.decode()
    assert 'data-pending="true"' in html and "正在生成" in html and "验证未通过" not in html

    notice.refresh_from_db()
    assert notice.status == DocumentStatus.PENDING and not notice.file  # nothing unsigned was stored
    renderer.gate.set()
    assert background_signer.flush(timeout=60)
    assert clerk.get(url).status_code == 200
    assert 'data-genuine="true"' in Client().get(f"/verify/{notice.verify_code}").content.decode()


def test_documents_left_pending_by_a_killed_process_are_signed_when_the_next_one_starts(
    office,  # noqa: F811
    clerk,
    as_in_production,
    settings,
):
    # A process that committed its actions and died before signing: rows pending, no signer.
    settings.DOCUMENTS_RENDER_AFTER_COMMIT = False
    today = apply(clerk, "OWN")
    long_ago = apply(clerk, "OWN")
    Document.objects.filter(case__number=long_ago["number"]).update(
        issued_at=timezone.now() - dt.timedelta(hours=settings.DOCUMENTS_RECOVER_HOURS + 1)
    )
    settings.DOCUMENTS_RENDER_AFTER_COMMIT = True

    fresh = BackgroundSigner()  # the next process's signer
    fresh.ensure_running()
    try:
        assert fresh.flush(timeout=60)
    finally:
        fresh.flush(timeout=10, close_connection=True)
    assert statuses(today["number"]) == {DocumentStatus.SIGNED}
    # Older ones are left to their first download, which signs them at once: no signer is coming.
    assert statuses(long_ago["number"]) == {DocumentStatus.PENDING}
    old = documents(long_ago["number"])[DocumentKind.ACCEPTANCE_NOTICE]
    response = clerk.get(f"/api/v1/documents/{old.pk}/content/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_a_document_that_fails_to_sign_is_logged_and_tried_again(
    office,  # noqa: F811
    clerk,
    as_in_production,
    monkeypatch,
    caplog,
):
    monkeypatch.setattr(signer, "RETRY_DELAYS", (0.2, 0.2))
    real = render.render_document
    calls: list[int] = []

    def fails_once(**kwargs: Any) -> bytes:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(render, "render_document", fails_once)
    with caplog.at_level(logging.ERROR, logger="yichuang.documents.signer"):
        case = apply(clerk, "OWN")
        deadline = timezone.now() + dt.timedelta(seconds=30)
        while statuses(case["number"]) != {DocumentStatus.SIGNED} and timezone.now() < deadline:
            threading.Event().wait(0.1)
    assert statuses(case["number"]) == {DocumentStatus.SIGNED}
    assert len(calls) == len(documents(case["number"])) + 1
    assert any(r.levelno == logging.ERROR and "trying again" in r.getMessage() for r in caplog.records)
