"""Run by ``test_replica.py`` in a process of its own, against a real primary and standby.

Needs ``DATABASE_URL`` (the primary, migrated, demo county loaded), ``DATABASE_REPLICA_URL`` (its
streaming standby) and ``PG_REPLICA_DIR`` (to stop and start the standby). Goes through the HTTP
stack (Django's test client, Bearer tokens, every middleware) as clients do, counts the statements
each request sends to the standby, and prints what it saw as one JSON line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yichuang.settings")

import django

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402

from yichuang.common.replica import health, lsn_value  # noqa: E402
from yichuang.files.samples import BLANK_PDF  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class Counting:
    """Statements sent to the standby while the block runs."""

    def __init__(self) -> None:
        self.statements = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.statements += 1
        return execute(sql, params, many, context)


def on_standby(call: Any) -> tuple[Any, int]:
    counter = Counting()
    with connections["replica"].execute_wrapper(counter):
        answer = call()
    return answer, counter.statements


def standby(sql: str) -> Any:
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def wait_replayed() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        target = lsn_value(cursor.fetchone()[0])
    deadline = time.monotonic() + 30
    while lsn_value(standby("SELECT pg_last_wal_replay_lsn()::text")) < target:
        if time.monotonic() > deadline:
            raise SystemExit("the standby did not catch up within 30 s")
        time.sleep(0.05)


def token(username: str) -> str:
    answer = Client().post(
        "/api/v1/auth/token/",
        {"username": username, "password": "demo12345"},
        content_type="application/json",
        REMOTE_ADDR="127.0.0.1",
    )
    assert answer.status_code == 200, answer.content
    return str(answer.json()["token"])


def main() -> int:
    from yichuang.catalog.models import ServiceItem
    from yichuang.common.identity import resident_id_check_char
    from yichuang.org.models import Staff

    seen: dict[str, Any] = {}
    clerk = Staff.objects.get(username="town1")
    town1 = {"HTTP_AUTHORIZATION": f"Bearer {token('town1')}", "REMOTE_ADDR": "127.0.0.1"}
    hall1 = {"HTTP_AUTHORIZATION": f"Bearer {token('hall1')}", "REMOTE_ADDR": "127.0.0.1"}
    client = Client()

    def listed(headers: dict[str, str]) -> set[str]:
        answer = client.get("/api/v1/cases/", **headers)
        assert answer.status_code == 200, answer.content
        return {row["number"] for row in answer.json()["results"]}

    item = (
        ServiceItem.objects.filter(offers__point=clerk.point, status="published", exercise_level="town")
        .order_by("code")
        .first()
    )
    assert item is not None
    upload = client.post("/api/v1/files/", {"file": _pdf()}, **town1)
    assert upload.status_code == 201, upload.content
    first17 = f"41150219700101{uuid.uuid4().int % 900 + 100:03d}"
    body = {
        "item": item.code,
        "point": clerk.point.code,
        "channel": "window",
        "applicant": {
            "kind": "person",
            "name": "王副本",
            "id_number": first17 + resident_id_check_char(first17),
            "phone": "13900001111",
        },
        "materials": [
            {"requirement": m.code, "files": [upload.json()["id"]]}
            for m in item.materials.all()
            if m.required
        ],
    }

    # 1. With replay paused the standby is stale: the writer's own list comes from the primary and
    #    shows his new case; another clerk's list is served by the standby, without it.
    wait_replayed()
    standby("SELECT pg_wal_replay_pause()::text")
    try:
        created = client.post(
            "/api/v1/cases/",
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            **town1,
        )
        assert created.status_code == 201, created.content
        number = created.json()["number"]
        seen["number"] = number
        health.reset()
        mine, statements = on_standby(lambda: listed(town1))
        seen["writer_sees_his_case"] = number in mine
        seen["writer_statements_on_standby"] = statements
        theirs, statements = on_standby(lambda: listed(hall1))
        seen["other_sees_case_while_paused"] = number in theirs
        seen["other_statements_on_standby"] = statements
    finally:
        standby("SELECT pg_wal_replay_resume()::text")

    # 2. Caught up, both lists come from the standby, with the case.
    wait_replayed()
    health.reset()
    mine, statements = on_standby(lambda: listed(town1))
    seen["writer_after_catch_up"] = {"sees": number in mine, "statements_on_standby": statements}
    theirs, statements = on_standby(lambda: listed(hall1))
    seen["other_after_catch_up"] = {"sees": number in theirs, "statements_on_standby": statements}

    # 3. The standby stopped: lists still answer, from the primary.
    script = [sys.executable, str(ROOT / "deploy" / "pg_replica.py")]
    subprocess.run([*script, "stop", "--standby-only"], check=True, capture_output=True)
    try:
        connections["replica"].close()
        health.reset()
        started = time.monotonic()
        answer = client.get("/api/v1/cases/", **hall1)
        seen["standby_down"] = {
            "status": answer.status_code,
            "sees": number in {row["number"] for row in answer.json()["results"]},
            "seconds": round(time.monotonic() - started, 2),
        }
    finally:
        subprocess.run([*script, "start"], check=True, capture_output=True)
    print(json.dumps(seen))
    return 0


def _pdf() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.pdf", BLANK_PDF, content_type="application/pdf")


if __name__ == "__main__":
    sys.exit(main())
