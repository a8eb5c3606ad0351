"""Benchmark of full case lifecycles: through the services and over HTTP, with the bare ORM
insert-and-commit rate as the reference.

`make bench` runs it on SQLite (a throw-away file) and, when PostgreSQL is reachable, on the
database `BENCH_PG_URL` names (default: the local `test` database, in a schema of its own: the
tables are created and dropped by Django's test-database machinery).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yichuang.settings")
os.environ.setdefault("YICHUANG_ENV", "test")
TEMPORARY = ""
if not os.environ.get("DATABASE_URL") and not os.environ.get("YICHUANG_DATA_DIR"):
    TEMPORARY = os.environ["YICHUANG_DATA_DIR"] = tempfile.mkdtemp(prefix="yichuang-bench-")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from report import replace_section  # noqa: E402

from yichuang.files.samples import BLANK_PDF  # noqa: E402

N = int(os.environ.get("BENCH_CASES", "200"))
PDF = BLANK_PDF


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * p) - 1)] if values else 0.0


def main() -> int:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"track": "100000/min"}}
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"[1/4] test database on {engine}, demo county", flush=True)
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from django.core.management import call_command

        call_command("loaddemo", verbosity=0)
        rows = run(engine)
    finally:
        from yichuang.documents.signer import background_signer
        from yichuang.notify.sender import background_sender

        background_sender.flush(timeout=30, close_connection=True)
        background_signer.flush(timeout=300, close_connection=True)
        connection.close()
        teardown_databases(old, verbosity=0)
        if TEMPORARY:
            shutil.rmtree(TEMPORARY, ignore_errors=True)
    write_report(rows, engine)
    return 0


def run(engine: str) -> list[tuple[str, str]]:
    from rest_framework.test import APIClient
    from serve import demo_application

    from yichuang.cases import services
    from yichuang.cases.models import CaseSequence
    from yichuang.cases.services import ApplicantInput, MaterialInput

    app = demo_application()
    clerk, reviewer, point, item = app.clerk, app.reviewer, app.point, app.item
    person = ApplicantInput(kind="person", name=app.name, id_number=app.id_number, phone=app.phone)
    tolerated, committed, plain = app.tolerated, app.committed, app.plain

    print(f"[2/4] bare ORM insert-and-commit × {N}", flush=True)
    start = time.perf_counter()
    for i in range(N):
        with transaction.atomic():
            CaseSequence.objects.create(county="999999", day=dt.date(2000, 1, 1) + dt.timedelta(days=i))
    orm_rate = N / (time.perf_counter() - start)

    print(f"[3/4] {N} lifecycles through the services (accept → review → approve → deliver)", flush=True)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yichuang.files.services import file_store

    scan = file_store(upload=SimpleUploadedFile("scan.pdf", PDF), actor=clerk)
    per_action: dict[str, list[float]] = defaultdict(list)
    start = time.perf_counter()
    for i in range(N):
        t0 = time.perf_counter()
        case = services.case_create(
            actor=clerk,
            item=item,
            point=point,
            channel="window",
            applicant=person,
            materials=[MaterialInput(requirement=code, files=[scan]) for code in plain],
            tolerated=tolerated,
            commitments=committed,
        )
        per_action["create+accept"].append(time.perf_counter() - t0)
        for action, call in (
            ("review", lambda c: services.case_review(case=c, actor=reviewer)),
            (
                "approve",
                lambda c: services.case_approve(
                    case=c, actor=reviewer, override_reason="申请人急需，容缺材料承诺于期限内补齐"
                ),
            ),
            (
                "deliver",
                lambda c: services.case_deliver(
                    case=c, actor=clerk, method="pickup", recipient_name="李金文"
                ),
            ),
        ):
            t0 = time.perf_counter()
            call(case)
            per_action[action].append(time.perf_counter() - t0)
        if (i + 1) % max(1, N // 5) == 0:
            print(f"      {i + 1}/{N}", flush=True)
    service_rate = N / (time.perf_counter() - start)

    print(f"[4/4] {N} lifecycles over HTTP (Django test client, token auth)", flush=True)
    client_clerk, client_reviewer = APIClient(), APIClient()
    client_clerk.force_authenticate(clerk)
    client_reviewer.force_authenticate(reviewer)
    http: dict[str, list[float]] = defaultdict(list)
    body = {
        "item": item.code,
        "point": point.code,
        "channel": "window",
        "applicant": {
            "kind": "person",
            "name": person.name,
            "id_number": person.id_number,
            "phone": person.phone,
        },
        "materials": [{"requirement": code, "files": [str(scan.pk)]} for code in plain],
        "tolerated": tolerated,
        "commitments": committed,
    }
    start = time.perf_counter()
    for i in range(N):
        t0 = time.perf_counter()
        created = client_clerk.post("/api/v1/cases/", body, format="json")
        assert created.status_code == 201, created.content
        number = created.json()["number"]
        http["POST /cases/"].append(time.perf_counter() - t0)
        for who, action, extra in (
            (client_reviewer, "review", {}),
            (client_reviewer, "approve", {"override_reason": "申请人急需，容缺材料承诺于期限内补齐"}),
            (client_clerk, "deliver", {"method": "pickup", "recipient_name": "李金文"}),
        ):
            t0 = time.perf_counter()
            response = who.post(f"/api/v1/cases/{number}/actions/{action}/", extra, format="json")
            assert response.status_code == 200, response.content
            http[f"POST actions/{action}/"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        client_clerk.get("/api/v1/cases/")
        http["GET /cases/ (list)"].append(time.perf_counter() - t0)
        if (i + 1) % max(1, N // 5) == 0:
            print(f"      {i + 1}/{N}", flush=True)
    http_rate = N / (time.perf_counter() - start)

    rows = [
        ("bare ORM insert+commit /s", f"{orm_rate:.0f}"),
        (
            "lifecycles/s through services",
            f"{service_rate:.1f} ({service_rate / orm_rate:.3f} of the ORM rate)",
        ),
        ("lifecycles/s over HTTP", f"{http_rate:.1f}"),
    ]
    for name, times in [*per_action.items(), *http.items()]:
        ms = [t * 1000 for t in times]
        rows.append((name, f"p50 {statistics.median(ms):.1f} ms · p95 {pct(ms, 0.95):.1f} ms"))
    for name, value in rows:
        print(f"  {name:<40} {value}")
    return rows


def write_report(rows: list[tuple[str, str]], engine: str) -> None:
    replace_section(
        f"cases:{engine}",
        [
            f"{engine}, {N} lifecycles, measured {dt.date.today().isoformat()} ({os.cpu_count()} cores):",
            "",
            "| what | figure |",
            "|---|---|",
            *[f"| {name} | {value} |" for name, value in rows],
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
