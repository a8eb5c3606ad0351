"""Full case lifecycles over HTTP against the real app server, with several concurrent clients.

A lifecycle is what ``cases_bench.py`` times too: ``POST /api/v1/cases/`` (with an
``Idempotency-Key``, as the contract asks of clients; the window clerk's complete application is
accepted at once), then ``review`` and ``approve`` by the town's reviewer and ``deliver`` (pickup) by
the clerk: four requests, four transactions, three SMS. Unlike ``cases_bench.py`` (one client,
Django's test client in the same process) this one starts gunicorn (``serve.py``) on a database of
its own — ``<name>_http`` beside the one ``DATABASE_URL`` names on PostgreSQL, a temporary SQLite file
otherwise — and drives it with 1, 4 and 16 client threads (``BENCH_HTTP_CLIENTS``) for
``BENCH_HTTP_SECONDS`` each. The database is dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time
import uuid

from report import replace_section
from serve import (
    WORKERS,
    CpuMeter,
    Timings,
    app_env,
    base_name,
    database_url_for,
    gunicorn,
    manage,
    pg_drop,
    pg_recreate,
    request,
    run_clients,
    temp_dir,
)

CLIENTS = [int(n) for n in os.environ.get("BENCH_HTTP_CLIENTS", "1,4,16").split(",")]
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "15"))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def prepare(env: dict[str, str]) -> dict[str, object]:
    """Migrate, load the demo county, and (in this process, on the same database) make the tokens,
    the scanned material and the application body the clients send."""
    print("[1/3] migrate and load the demo county", flush=True)
    manage(env, "migrate", "--no-input")
    manage(env, "loaddemo")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.authtoken.models import Token

    from yichuang.catalog.models import ServiceItem
    from yichuang.common.identity import resident_id_check_char
    from yichuang.files.services import file_store
    from yichuang.org.models import ServicePoint, Staff

    clerk = Staff.objects.get(username="town1")
    reviewer = Staff.objects.get(username="town1_review")
    point = ServicePoint.objects.get(pk=clerk.point_id)
    item = (
        ServiceItem.objects.filter(offers__point=point, status="published", promised_days__gt=0)
        .filter(exercise_level="town")
        .order_by("code")
        .first()
    )
    assert item is not None
    requirements = [m for m in item.materials.all() if m.required]
    plain = [m.code for m in requirements if not m.tolerable and not m.commitment_allowed]
    first17 = "41150219800101123"
    body = {
        "item": item.code,
        "point": point.code,
        "channel": "window",
        "applicant": {
            "kind": "person",
            "name": "李金文",
            "id_number": first17 + resident_id_check_char(first17),
            "phone": "13812345678",
        },
        "materials": [],
        "tolerated": [m.code for m in requirements if m.tolerable],
        "commitments": [m.code for m in requirements if m.commitment_allowed and not m.tolerable],
    }
    # One scan per material, as a clerk uploads them (a file is attached to one case in real life,
    # but sharing one across every benchmark case must not slow anything either).
    for code in plain:
        scan = file_store(upload=SimpleUploadedFile(f"{code}.pdf", PDF), actor=clerk)
        body["materials"].append({"requirement": code, "files": [str(scan.pk)]})  # type: ignore[attr-defined]
    from django.db import connection

    connection.close()
    return {
        "clerk": Token.objects.get_or_create(user=clerk)[0].key,
        "reviewer": Token.objects.get_or_create(user=reviewer)[0].key,
        "body": body,
    }


def lifecycle(address: str, setup: dict[str, object], timings: Timings) -> int:
    clerk, reviewer, body = str(setup["clerk"]), str(setup["reviewer"]), setup["body"]
    t0 = time.perf_counter()
    status, created = request(
        address, "POST", "/api/v1/cases/", body, clerk, {"Idempotency-Key": uuid.uuid4().hex}
    )
    timings.add("POST /cases/", time.perf_counter() - t0)
    if status != 201:
        raise RuntimeError(f"create answered {status}: {created}")
    number = created["number"]
    for token, action, extra in (
        (reviewer, "review", {}),
        (reviewer, "approve", {}),
        (clerk, "deliver", {"method": "pickup", "recipient_name": "李金文"}),
    ):
        t0 = time.perf_counter()
        status, answer = request(address, "POST", f"/api/v1/cases/{number}/actions/{action}/", extra, token)
        timings.add(f"POST actions/{action}/", time.perf_counter() - t0)
        if status != 200:
            raise RuntimeError(f"{action} answered {status}: {answer}")
    return 1


def main() -> int:
    data_dir = temp_dir("yichuang-http-bench-")
    url = database_url_for(f"{base_name()}_http")
    engine = "postgresql" if url else "sqlite3"
    if url:
        pg_recreate(url)
    env = app_env(url, data_dir)
    rows: list[tuple[int, float, Timings, float, float]] = []
    try:
        setup = prepare(env)
        print(f"[2/3] gunicorn, {WORKERS} sync workers, on {engine}", flush=True)
        with gunicorn(env) as server:
            address = server.address
            run_clients(4, 3, lambda n, t: lifecycle(address, setup, t), Timings())  # warm every worker
            for clients in CLIENTS:
                timings = Timings()
                meter = CpuMeter(server.pid, url)
                meter.start()
                done, elapsed = run_clients(
                    clients, SECONDS, lambda n, t: lifecycle(address, setup, t), timings
                )
                meter.stop()
                rate = done / elapsed
                app_ms, db_ms = meter.app / done * 1000, meter.db / done * 1000
                rows.append((clients, rate, timings, app_ms, db_ms))
                print(
                    f"      {clients:>2} clients: {done} lifecycles in {elapsed:.1f} s = {rate:.1f}/s; "
                    f"CPU per lifecycle: app {app_ms:.1f} ms, database {db_ms:.1f} ms; "
                    f"create {timings.summary('POST /cases/')}",
                    flush=True,
                )
        # Every message the actions queued was sent by the workers' background senders (they
        # finish what they hold when gunicorn stops them).
        from django.db.models import Count

        from yichuang.notify.models import SmsMessage

        outbox = dict(SmsMessage.objects.values_list("status").annotate(n=Count("id")).order_by())
        print(f"      SMS in the outbox by status: {outbox}", flush=True)
        from django.db import connection

        connection.close()
    finally:
        if url:
            pg_drop(url)
        shutil.rmtree(data_dir, ignore_errors=True)
    print("[3/3] report", flush=True)
    kinds = ["POST /cases/", "POST actions/review/", "POST actions/approve/", "POST actions/deliver/"]
    replace_section(
        f"cases-http:{engine}",
        [
            f"{engine}, gunicorn with {WORKERS} sync workers, {SECONDS:.0f} s per row, "
            f"measured {dt.date.today().isoformat()} ({os.cpu_count()} cores; clients, server and "
            "database share them):",
            "",
            "| clients | lifecycles/s | CPU ms per lifecycle (app + database) | "
            "what 2 free cores would do | " + " | ".join(kinds) + " |",
            "|---:|---:|---:|---:|" + "---|" * len(kinds),
            *[
                f"| {clients} | {rate:.1f} | {app_ms:.1f} + {db_ms:.1f} | "
                f"{2000 / (app_ms + db_ms):.0f}/s | " + " | ".join(t.summary(k) for k in kinds) + " |"
                for clients, rate, t, app_ms, db_ms in rows
            ],
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
