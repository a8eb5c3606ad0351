"""A fake EMS-style carrier platform on the loopback (like tests/sms_platforms.py for SMS): it checks
each request's signature, records it, and answers signed JSON — or a forged signature, an error code,
or nothing, when the test asks."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

APP_KEY = "yichuang-test"
SECRET = "s3cret-of-the-carrier"


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class FakeCarrier:
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    traces: list[dict[str, str]] = field(default_factory=list)
    waybill_no: str = "1100123456789"
    #: "ok" | "forged" (answer signed with another secret) | "refused" (code 1001) | "error" (HTTP 500)
    mode: str = "ok"
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def _handler(fake: FakeCarrier) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not hmac.compare_digest(self.headers.get("X-Signature", ""), sign(body)):
                self._answer(401, {"code": "401", "message": "签名错误"})
                return
            request = json.loads(body)
            fake.requests.append((self.path, request))
            if fake.mode == "error":
                self._answer(500, {"code": "500", "message": "系统繁忙"})
            elif fake.mode == "refused":
                self._answer(200, {"code": "1001", "message": "收件地址超出服务范围"})
            elif self.path == "/waybills":
                self._answer(200, {"code": "0", "message": "成功", "data": {"waybill_no": fake.waybill_no}})
            elif self.path == "/tracks":
                self._answer(200, {"code": "0", "message": "成功", "data": {"traces": fake.traces}})
            else:
                self._answer(404, {"code": "404", "message": "not found"})

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            raw = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("X-Signature", sign(raw, "forged" if fake.mode == "forged" else SECRET))
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler


def serve(settings: Any) -> Iterator[FakeCarrier]:
    """Start the fake and point the settings at it (a fixture's body: ``yield from serve(settings)``)."""
    fake = FakeCarrier()
    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    settings.CARRIER_BACKEND = "ems"
    settings.CARRIER_EMS_URL = fake.url
    settings.CARRIER_EMS_APP_KEY = APP_KEY
    settings.CARRIER_EMS_SECRET = SECRET
    settings.CARRIER_TIMEOUT = 5
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
