"""Durability with personal data sealed (issue 15, "Done when"; docs/decisions.md 107).

gunicorn serves the app on a PostgreSQL database; client threads create cases over HTTP, each with an
``Idempotency-Key`` of its own, while the harness SIGKILLs a worker (the master forks another) or the
whole server (master and workers at once, as the kernel's OOM killer or a lost container would) and
starts it again. A client whose request fails in any way — refused connection, connection cut, a
timeout, a 5xx — sends the same request with the same key again until it is answered. At the end
every acknowledged case (201, first or replayed) must exist exactly once, and its sealed applicant
fields must open to what was sent.

Run from ``tests/test_durability.py`` (PostgreSQL only) or by hand against a database of its own:
``DATABASE_URL=postgres://… python bench/durability.py [seconds]``, which creates
``<name>_durability``, migrates it, runs and prints the figures.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import random
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from serve import BIN, ROOT, _spawn, _stop, descendants, free_port

#: What a client may wait for one answer (a request caught by a kill is cut at once; one stuck in a
#: worker that is being replaced is not).
REQUEST_TIMEOUT = 10.0


@dataclass
class Figures:
    acknowledged: int = 0
    lost: int = 0
    duplicates: int = 0
    mismatched: int = 0
    unsealed: int = 0
    worker_kills: int = 0
    server_kills: int = 0
    attempts: int = 0
    retries: int = 0
    replayed: int = 0
    abandoned: int = 0
    refused: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def kills(self) -> int:
        return self.worker_kills + self.server_kills

    def line(self) -> str:
        return (
            f"acknowledged {self.acknowledged}, lost {self.lost}, duplicates {self.duplicates}, "
            f"mismatched {self.mismatched}, unsealed {self.unsealed}; kills {self.kills} "
            f"({self.worker_kills} workers, {self.server_kills} whole servers); "
            f"{self.attempts} requests, {self.retries} retries, {self.abandoned} answers lost on purpose, "
            f"{self.replayed} replayed; {self.seconds:.1f} s"
        )


class Server:
    """gunicorn on one port, killed and started again on the same port."""

    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log = Path(env["YICHUANG_DATA_DIR"]) / "gunicorn.log"
        self.process: Any = None

    def start(self) -> None:
        self.process = _spawn(
            [
                str(BIN / "gunicorn"),
                "yichuang.wsgi:application",
                "--bind",
                self.address,
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--timeout",
                "30",
                "--preload",
            ],
            self.env,
            self.log,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _body, _headers = call(self.address, "GET", "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {self.log}")
            time.sleep(0.1)

    def pids(self) -> list[int]:
        return descendants([self.process.pid]) if self.process else []

    def kill_worker(self) -> bool:
        workers = [pid for pid in self.pids() if pid != self.process.pid]
        if not workers:
            return False
        os.kill(random.choice(workers), signal.SIGKILL)
        return True

    def kill_all(self) -> None:
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)


def call(
    address: str,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
    abandon: bool = False,
) -> tuple[int, Any, dict[str, str]]:
    """One request; with ``abandon`` the client hangs up right after sending (the answer is lost on
    the way: the server may well have committed), raising ``ConnectionAbortedError``."""
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        sent = {"Accept": "application/json", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=sent)
        if abandon:
            time.sleep(0.05)
            raise ConnectionAbortedError("the client hung up")
        response = conn.getresponse()
        data = response.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return response.status, parsed, dict(response.getheaders())
    finally:
        conn.close()


def applicant(n: int) -> tuple[str, str]:
    """The ``n``-th applicant's ID number (a valid GB 11643 number, a birthday of its own) and phone."""
    from yichuang.common.identity import resident_id_check_char

    born = dt.date(1950, 1, 1) + dt.timedelta(days=n)
    first17 = f"411502{born:%Y%m%d}123"
    return first17 + resident_id_check_char(first17), f"139{n:08d}"


@dataclass
class Run:
    """What the clients sent (by key) and which case number each acknowledged key got."""

    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    acked: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def crash_run(
    env: dict[str, str],
    token: str,
    *,
    item: str,
    point: str,
    seconds: float = 24.0,
    clients: int = 4,
    kills: int = 4,
    workers: int = 2,
) -> tuple[Figures, Run]:
    """Create cases from ``clients`` threads for ``seconds`` while ``kills`` crashes happen (workers and
    whole servers in turn); every key is retried until it is answered. The caller checks the database."""
    figures, run = Figures(), Run()
    server = Server(env, workers=workers)
    server.start()
    started = time.monotonic()
    stop_new = threading.Event()
    counter = iter(range(1, 10**6))
    counter_lock = threading.Lock()
    headers_base = {"Authorization": f"Bearer {token}"}

    def client() -> None:
        while not stop_new.is_set():
            with counter_lock:
                n = next(counter)
            id_number, phone = applicant(n)
            key = str(uuid.uuid4())
            body = {
                "item": item,
                "point": point,
                "channel": "window",
                "applicant": {"kind": "person", "name": f"申请人{n}", "id_number": id_number, "phone": phone},
                "materials": [],
            }
            with run.lock:
                run.sent[key] = body
            give_up = time.monotonic() + seconds + 90
            first = True
            while time.monotonic() < give_up:
                with run.lock:
                    figures.attempts += 1
                    figures.retries += 0 if first else 1
                # One request in five loses its first answer on the way (the client hangs up): the
                # retry must get the case that was made, not a second one.
                abandon = first and n % 5 == 0
                first = False
                try:
                    status, answer, headers = call(
                        server.address,
                        "POST",
                        "/api/v1/cases/",
                        body,
                        {**headers_base, "Idempotency-Key": key},
                        timeout=REQUEST_TIMEOUT,
                        abandon=abandon,
                    )
                except (OSError, http.client.HTTPException):
                    with run.lock:
                        figures.abandoned += abandon
                    time.sleep(0.2)
                    continue
                if status >= 500:
                    time.sleep(0.2)
                    continue
                with run.lock:
                    if status == 201 and isinstance(answer, dict):
                        run.acked[key] = str(answer["number"])
                        figures.replayed += headers.get("Idempotent-Replayed") == "true"
                    else:
                        figures.refused.append(f"{status} {answer}")
                break

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        every = seconds / (kills + 1)
        for k in range(kills):
            time.sleep(max(0.0, started + every * (k + 1) - time.monotonic()))
            if k % 2 == 0 and server.kill_worker():
                figures.worker_kills += 1
            else:
                server.kill_all()
                figures.server_kills += 1
                time.sleep(0.5)  # the clients find nobody there for a moment
                server.start()
        time.sleep(max(0.0, started + seconds - time.monotonic()))
        stop_new.set()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        stop_new.set()
        server.stop()
    figures.seconds = time.monotonic() - started
    figures.acknowledged = len(run.acked)
    return figures, run


def check(figures: Figures, run: Run, *, item: str) -> Figures:
    """Count in the database (Django set up in the caller): acknowledged cases missing, applicants with
    more than one case, sealed fields that do not open to what was sent, plain values in the columns."""
    from django.db import connection

    from yichuang.cases.models import Case

    cases = list(
        Case.objects.filter(item__code=item).only("number", "applicant_id_number", "applicant_phone")
    )
    by_number = {case.number: case for case in cases}
    by_applicant: dict[str, int] = {}
    for case in cases:
        by_applicant[case.applicant_id_number] = by_applicant.get(case.applicant_id_number, 0) + 1
    figures.duplicates = sum(count - 1 for count in by_applicant.values())
    for key, number in run.acked.items():
        case = by_number.get(number)
        sent = run.sent[key]["applicant"]
        if case is None:
            figures.lost += 1
        elif (case.applicant_id_number, case.applicant_phone) != (sent["id_number"], sent["phone"]):
            figures.mismatched += 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT applicant_id_number, applicant_phone FROM cases_case WHERE number = ANY(%s)",
            [list(run.acked.values())],
        )
        figures.unsealed = sum(1 for row in cursor.fetchall() for value in row if not value.startswith("s1."))
    return figures


def main() -> None:  # pragma: no cover - by hand
    """A database of its own (``<name>_durability``), migrated, a clerk and an item, one run."""
    import subprocess
    import tempfile

    from serve import app_env, base_name, database_url_for, pg_drop, pg_recreate

    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 24.0
    url = database_url_for(f"{base_name()}_durability")
    if url is None:
        raise SystemExit("DATABASE_URL must name a PostgreSQL server")
    pg_recreate(url)
    with tempfile.TemporaryDirectory() as data_dir:
        env = app_env(url, data_dir)
        env["YICHUANG_PII_KEY_FILE"] = str(Path(data_dir) / "pii-keys.json")
        # manage.py of this tree (the installed ``yichuang`` script may be another checkout's)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        os.environ.update(env)
        os.chdir(ROOT)
        import django

        django.setup()
        token, item, point = setup_county()
        figures, run = crash_run(env, token, item=item, point=point, seconds=seconds)
        print(check(figures, run, item=item).line())
        from django.db import connection

        connection.close()
    pg_drop(url)  # its keys went with the temporary folder


def setup_county() -> tuple[str, str, str]:
    """A town, its centre, a clerk with a token, an item with no required papers (Django set up)."""
    from yichuang.catalog.models import ExerciseLevel, ItemStatus, ItemType, PointItem, ServiceItem
    from yichuang.catalog.services import item_publish
    from yichuang.org.models import Department, PointKind, Region, RegionLevel, ServicePoint, Staff
    from yichuang.org.tokens import token_issue

    county = Region.objects.create(code="411502000000", name="浉河区", level=RegionLevel.COUNTY)
    town = Region.objects.create(code="411502100000", name="甲镇", level=RegionLevel.TOWN, parent=county)
    point = ServicePoint.objects.create(
        code="DUR", name="甲镇便民服务中心", kind=PointKind.TOWN_CENTER, region=town
    )
    civil = Department.objects.create(code="MZJ", name="浉河区民政局", region=county)
    item = ServiceItem.objects.create(
        code="DUR1",
        base_code="DUR1",
        name="高龄津贴申领",
        department=civil,
        statutory_days=10,
        promised_days=5,
        exercise_level=ExerciseLevel.TOWN,
        type=ItemType.BENEFIT,
        status=ItemStatus.PUBLISHED,
    )
    item_publish(item=item)
    PointItem.objects.create(point=point, item=item)
    clerk = Staff.objects.create_user(
        username="durable_clerk", password="Durable-2026!", point=point, region=town
    )
    _row, token = token_issue(user=clerk)
    return token, item.code, point.code


if __name__ == "__main__":  # pragma: no cover
    main()
