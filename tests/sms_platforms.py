"""Fake Alibaba Cloud and Tencent Cloud SMS endpoints on the loopback: a threaded HTTP server that the
real SDKs are pointed at (``SMS_ALIYUN_ENDPOINT`` / ``SMS_TENCENT_ENDPOINT`` = http://127.0.0.1:port).
It records every request as the SDK sent it and answers what the test queued, the way the platform
answers (success, throttled, a refused template, a server fault), or a success when nothing is queued.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

#: This project's helpers serve on their own ports; the tests take the first free one of these.
PORTS = range(8150, 8160)

PHONE = "13812345678"
ALIYUN_KEY_ID = "LTAI5tFakeKeyId"
TENCENT_SECRET_ID = "AKIDfakeSecretId"
TENCENT_APP_ID = "1400000001"


@dataclass
class SeenRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))


@dataclass
class FakePlatform:
    """One platform's endpoint. ``answer`` queues a reply; ``requests`` holds what arrived."""

    success: dict[str, Any]
    requests: list[SeenRequest] = field(default_factory=list)
    replies: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    server: ThreadingHTTPServer | None = None
    #: Seconds to wait before answering: longer than ``SMS_TIMEOUT`` is a platform that does not answer.
    delay: float = 0.0

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, body: dict[str, Any], status: int = 200) -> None:
        self.replies.append((status, body))

    def next_reply(self) -> tuple[int, dict[str, Any]]:
        return self.replies.popleft() if self.replies else (200, self.success)


def _handler(platform: FakePlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            url = urlsplit(self.path)
            platform.requests.append(
                SeenRequest(
                    method="POST",
                    path=url.path,
                    query=dict(parse_qsl(url.query)),
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length),
                )
            )
            time.sleep(platform.delay)
            status, body = platform.next_reply()
            data = json.dumps(body, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                # Exactly this: the Tencent SDK reads an error body only under this content type.
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting (the timeout test): nobody to answer

        def log_message(self, format: str, *args: Any) -> None:  # keep the test output quiet
            pass

    return Handler


def _bind(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    for port in PORTS:
        try:
            return ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError:
            continue
    return ThreadingHTTPServer(("127.0.0.1", 0), handler)  # all taken (parallel runs): any free port


def serve(platform: FakePlatform) -> Iterator[FakePlatform]:
    platform.server = _bind(_handler(platform))
    platform.server.daemon_threads = True
    thread = threading.Thread(target=platform.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield platform
    finally:
        platform.server.shutdown()
        platform.server.server_close()


def closed_port() -> str:
    """An address on the loopback where nothing listens: the network error."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


ALIYUN_OK = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5-B967"}
ALIYUN_THROTTLED = {
    "Code": "isv.BUSINESS_LIMIT_CONTROL",
    "Message": "触发小时级流控Permits:5",
    "RequestId": "A1B2C3",
}
ALIYUN_BAD_TEMPLATE = {
    "Code": "isv.SMS_TEMPLATE_ILLEGAL",
    "Message": "该账号下找不到对应模板",
    "RequestId": "D4E5",
}


def tencent_status(code: str = "Ok", message: str = "send success", serial: str = "") -> dict[str, Any]:
    return {
        "Response": {
            "SendStatusSet": [
                {
                    "SerialNo": serial,
                    "PhoneNumber": "+86" + PHONE,
                    "Fee": 1 if code == "Ok" else 0,
                    "SessionContext": "",
                    "Code": code,
                    "Message": message,
                    "IsoCode": "CN",
                }
            ],
            "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
        }
    }


def tencent_error(code: str, message: str) -> dict[str, Any]:
    return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "b1c2"}}


TENCENT_OK = tencent_status(serial="5000:1045710669157053657849499619")


@pytest.fixture
def aliyun(settings: Any) -> Iterator[FakePlatform]:
    platform = FakePlatform(success=ALIYUN_OK)
    for running in serve(platform):
        settings.SMS_BACKEND = "aliyun"
        settings.SMS_ALIYUN_ACCESS_KEY_ID = ALIYUN_KEY_ID
        settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "fake-secret"
        settings.SMS_ALIYUN_SIGN_NAME = "一窗政务服务"
        settings.SMS_ALIYUN_ENDPOINT = running.url
        settings.SMS_TIMEOUT = 3
        settings.SMS_ALIYUN_TEMPLATES = {"case_accepted": "SMS_465925001"}
        yield running


@pytest.fixture
def tencent(settings: Any) -> Iterator[FakePlatform]:
    platform = FakePlatform(success=TENCENT_OK)
    for running in serve(platform):
        settings.SMS_BACKEND = "tencent"
        settings.SMS_TENCENT_SECRET_ID = TENCENT_SECRET_ID
        settings.SMS_TENCENT_SECRET_KEY = "fake-secret-key"
        settings.SMS_TENCENT_SDK_APP_ID = TENCENT_APP_ID
        settings.SMS_TENCENT_SIGN_NAME = "一窗政务服务"
        settings.SMS_TENCENT_ENDPOINT = running.url
        settings.SMS_TIMEOUT = 3
        settings.SMS_TENCENT_TEMPLATES = {"case_accepted": "2041235"}
        yield running


class TaskRetry(Exception):
    """What ``send_sms_task.retry`` raises in ``on_a_worker``: the task asked to come back later."""


@dataclass
class Worker:
    """``send_sms_task`` as a Celery worker runs it (not eagerly); ``retried`` holds each countdown."""

    retried: list[float] = field(default_factory=list)

    def run(self, message_id: int) -> str:
        from yichuang.notify.tasks import send_sms_task

        send_sms_task.push_request(is_eager=False, called_directly=False)
        try:
            return send_sms_task.run(message_id)
        finally:
            send_sms_task.pop_request()


@pytest.fixture
def on_a_worker(monkeypatch: Any) -> Worker:
    from yichuang.notify.tasks import send_sms_task

    worker = Worker()

    def retry(*, countdown: float) -> TaskRetry:
        worker.retried.append(countdown)
        return TaskRetry()

    monkeypatch.setitem(send_sms_task.app.conf, "task_always_eager", False)
    monkeypatch.setattr(send_sms_task, "retry", retry)
    return worker
