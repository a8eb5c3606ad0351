"""One case over HTTP against the deployed servers, then proof that the Celery worker did the work.

Run by ``.ci/deploy`` with the deployment's own venv and production environment. Talks to gunicorn as
the proxy would (``Host`` the public name, ``X-Forwarded-Proto: https``); reads the database only to
see what state the worker left, before any page could sign a document on demand.

Exits non-zero with the reason on the first thing that is not as it should be.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

BASE = os.environ["DEPLOY_BASE"]  # http://127.0.0.1:PORT
HOST = os.environ["DEPLOY_HOST"]  # the public host name gunicorn is told about
PASSWORDS_FILE = os.environ["DEPLOY_PASSWORDS_FILE"]  # import_org --passwords: 用户名,姓名,一次性初始密码
CLERK = os.environ.get("DEPLOY_CLERK", "town1")
REVIEWER = os.environ.get("DEPLOY_REVIEWER", "town1_review")
ITEM = os.environ.get("DEPLOY_ITEM", "000105002001-411502")  # 农村最低生活保障审批, decided by the town
POINT = os.environ.get("DEPLOY_POINT", "411502100-BMZX")
MATERIALS = os.environ.get("DEPLOY_MATERIALS", "M001,M002,F000105002001,M009,M011,M013").split(",")
ADMIN_PASSWORD = os.environ["DJANGO_SUPERUSER_PASSWORD"]
WAIT_SECONDS = float(os.environ.get("DEPLOY_WAIT_SECONDS", "90"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to check, not to follow (the HTTPS redirect points at the public name)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def fail(message: str) -> None:
    print(f"DEPLOY FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def call(
    method: str,
    path: str,
    *,
    token: str = "",
    body: Any = None,
    raw: bytes | None = None,
    headers: Any = None,
) -> tuple[int, bytes, Any]:
    request = urllib.request.Request(BASE + path, method=method)
    request.add_header("Host", HOST)
    request.add_header("X-Forwarded-Proto", "https")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(request, data=data, timeout=60) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def json_call(method: str, path: str, expect: int, **kwargs: Any) -> Any:
    status, content, _headers = call(method, path, **kwargs)
    if status != expect:
        fail(f"{method} {path} answered {status}, expected {expect}: {content[:500]!r}")
    return json.loads(content)


def imported_passwords() -> dict[str, str]:
    """The one-time passwords ``import_org --passwords`` wrote (UTF-8 with BOM, header row first)."""
    import csv

    with open(PASSWORDS_FILE, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if rows[0] != ["用户名", "姓名", "一次性初始密码"]:
        fail(f"unexpected header in {PASSWORDS_FILE}: {rows[0]}")
    return {row[0]: row[2] for row in rows[1:]}


def token_for(username: str, password: str) -> str:
    return json_call("POST", "/api/v1/auth/token/", 200, body={"username": username, "password": password})[
        "token"
    ]


def scanned_pdf() -> bytes:
    """A real one-page PDF (reportlab is installed with the project), as a scanner would send."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "ID card scan")
    page.showPage()
    page.save()
    return buffer.getvalue()


def upload(token: str) -> str:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="id.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + scanned_pdf()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return str(json_call("POST", "/api/v1/files/", 201, token=token, raw=body, headers=headers)["id"])


def wait_for(what: str, check: Any) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            fail(f"{what}: not done after {WAIT_SECONDS:.0f} s")
        time.sleep(1)


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yichuang.settings")
    django.setup()
    from yichuang.common.identity import resident_id_check_char
    from yichuang.documents.models import Document, DocumentStatus

    status, content, _headers = call("GET", "/healthz")
    if status != 200:
        fail(f"/healthz answered {status}")
    ready = json_call("GET", "/readyz", 200)
    print("readyz:", json.dumps(ready["checks"], ensure_ascii=False))
    if ready["checks"]["broker"].get("detail"):
        fail("the servers run tasks in-process: REDIS_URL did not reach them")

    status, _content, headers = call("GET", "/api/v1/items/", headers={"X-Forwarded-Proto": "http"})
    if status != 301 or not headers.get("Location", "").startswith(f"https://{HOST}/"):
        fail(f"plain HTTP through the proxy is not sent to HTTPS: {status} {headers.get('Location')}")
    passwords = imported_passwords()
    clerk = token_for(CLERK, passwords[CLERK])
    reviewer = token_for(REVIEWER, passwords[REVIEWER])
    chief = token_for("chief", ADMIN_PASSWORD)
    me = json_call("GET", "/api/v1/me/", 200, token=chief)
    if me["role"] != "admin":
        fail(f"createsuperuser made a {me['role']}, not a platform administrator")

    first17 = "41150219500101002"
    applicant = {
        "kind": "person",
        "name": "李金文",
        "id_number": first17 + resident_id_check_char(first17),
        "phone": "13812345678",
    }
    case = json_call(
        "POST",
        "/api/v1/cases/",
        201,
        token=clerk,
        headers={"Idempotency-Key": uuid.uuid4().hex},
        body={
            "item": ITEM,
            "point": POINT,
            "channel": "window",
            "applicant": applicant,
            "materials": [{"requirement": code, "files": [upload(clerk)]} for code in MATERIALS],
        },
    )
    number = case["number"]
    if case["status"] != "accepted":
        fail(f"case {number} is {case['status']}, expected accepted")
    json_call(
        "POST", f"/api/v1/cases/{number}/actions/approve/", 200, token=reviewer, body={"note": "符合条件"}
    )
    delivered = json_call(
        "POST", f"/api/v1/cases/{number}/actions/deliver/", 200, token=clerk, body={"method": "pickup"}
    )
    if delivered["status"] != "delivered":
        fail(f"case {number} is {delivered['status']} after deliver")
    print(f"case {number}: accepted, approved, delivered")

    def all_signed() -> list[Any]:
        documents = list(Document.objects.filter(case__number=number))
        if len(documents) < 3 or any(d.status == DocumentStatus.PENDING for d in documents):
            return []
        return documents

    documents = wait_for("the worker signs the documents", all_signed)
    not_signed = [(d.kind, d.status) for d in documents if d.status != DocumentStatus.SIGNED]
    if not_signed:
        fail(f"documents not signed: {not_signed}")
    print("documents signed:", ", ".join(f"{d.kind} {d.signed_at:%H:%M:%S}" for d in documents))
    for document in documents:
        status, content, _headers = call("GET", f"/verify/{document.verify_code}")
        if status != 200 or b'data-genuine="true"' not in content:
            fail(f"/verify/{document.verify_code} ({document.kind}) does not say genuine: {status}")
    print("verify pages: every document genuine")

    def all_sent() -> list[Any]:
        messages = json_call("GET", f"/api/v1/notifications/?case={number}", 200, token=chief)
        rows = messages["results"] if isinstance(messages, dict) else messages
        return rows if len(rows) >= 3 and all(m["status"] == "sent" for m in rows) else []

    messages = wait_for("the worker sends the SMS", all_sent)
    print("SMS sent:", ", ".join(m["template"] for m in messages))


if __name__ == "__main__":
    main()
