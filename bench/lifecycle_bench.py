"""Case lifecycles over HTTP in the production set-up and in the embedded default, beside the
framework's floor, in one run (issue 12, item 5).

A lifecycle is what a window clerk and a town reviewer do with one application:
``POST /api/v1/cases/`` (with an ``Idempotency-Key``; the clerk's complete application is accepted
at once), then ``review`` and ``approve`` by the reviewer and ``deliver`` (pickup) by the clerk
(``BENCH_LIFECYCLE_ACTIONS``, default ``review,approve,deliver``). Its documents (acceptance
receipt, commitment/tolerance notices, decision, certificate, delivery receipt) are part of it: the
CPU clock stops only when every document the lifecycles issued is signed.

Three set-ups, each on a database of its own, one after the other:

- **production**: gunicorn (``BENCH_WORKERS``, default 4 sync workers, ``--preload``), PostgreSQL
  (``<name>_life`` beside the database ``DATABASE_URL`` names), a Redis of the benchmark's own and
  a Celery worker (``--concurrency 2``, as docs/deployment.md runs it) that renders and signs;
- **embedded**: the default without ``DATABASE_URL`` and ``REDIS_URL``: SQLite in a temporary data
  directory, the same gunicorn; documents are made in the app's own processes;
- **floor**, on each of the two databases: the same gunicorn serving ``bench/floor_urls.py`` — a
  bare DRF view, Bearer token, one row read with the ORM (``floor_settings``: no middleware); half
  of its requests before the lifecycles, half after.

Server CPU is read from /proc (``serve.CpuMeter``): gunicorn's master and workers, the Celery worker
and its pool, the benchmark's Redis, the PostgreSQL backends of the benchmark's database. The
clients are threads of this process (``http.client``, one connection per request since gunicorn's
sync workers close it); their CPU is reported but not counted. Progress bars on stderr (tqdm);
results into var/bench/results.json (``results.py``), then docs/benchmarks.md is regenerated
(``report.py``).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from results import record
from serve import (
    ROOT,
    WORKERS,
    CpuMeter,
    Timings,
    app_env,
    applicant_id_number,
    base_name,
    celery_worker,
    database_url_for,
    demo_application,
    gunicorn,
    manage,
    pct,
    pg_drop,
    pg_recreate,
    redis_server,
    request,
    run_threads,
    temp_dir,
)
from tqdm import tqdm

from yichuang.files.samples import BLANK_PDF

LIFECYCLES = int(os.environ.get("BENCH_LIFECYCLES", "500"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
FLOOR_REQUESTS = int(os.environ.get("BENCH_FLOOR_REQUESTS", "4000"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "20"))
OVERRIDE_REASON = "申请人急需，容缺材料承诺于期限内补齐"
ACTIONS = [a for a in os.environ.get("BENCH_LIFECYCLE_ACTIONS", "review,approve,deliver").split(",") if a]
SETUPS = [s for s in os.environ.get("BENCH_SETUPS", "production,embedded").split(",") if s]
#: Seconds without a document signed after which the benchmark gives up.
DOCUMENTS_TIMEOUT = float(os.environ.get("BENCH_DOCUMENTS_TIMEOUT", "120"))
LOGS = ROOT / "var" / "bench" / "logs"
PDF = BLANK_PDF

#: The issue's targets.
RATIO_TARGET, RATIO_STRETCH = 4.0, 2.0
RATE_TARGET, RATE_AIM = 40.0, 100.0


# --- preparing a database (in a child process: each set-up has its own Django settings) -------


def prepare_here() -> None:
    """Run as ``lifecycle_bench.py --prepare`` in the app's environment: migrate, load the demo
    county, make the tokens, the scanned materials and the application body; print them as JSON."""
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yichuang.files.services import file_store
    from yichuang.org.tokens import token_issue

    app = demo_application()
    materials = []
    for code in app.plain:  # one scan per material, as a clerk uploads them
        scan = file_store(upload=SimpleUploadedFile(f"{code}.pdf", PDF), actor=app.clerk)
        materials.append({"requirement": code, "files": [str(scan.pk)]})
    body = {
        "item": app.item.code,
        "point": app.point.code,
        "channel": "window",
        "applicant": {"kind": "person", "name": app.name, "id_number": app.id_number, "phone": app.phone},
        "materials": materials,
        "tolerated": app.tolerated,
        "commitments": app.committed,
    }
    # The steps of BENCH_LIFECYCLE_ACTIONS the workflow still has on the way from accepted to
    # delivered (a review merged into approval would be left out, and said so).
    from yichuang.cases.workflow import next_status

    actions, status = [], "accepted"
    for action in ACTIONS:
        following = next_status(status, action)
        if following is not None:
            actions.append(action)
            status = following
    print(
        json.dumps(
            {
                "actions": actions,
                "clerk": token_issue(user=app.clerk)[1],
                "reviewer": token_issue(user=app.reviewer)[1],
                "body": body,
                "item": app.item.code,
                "point": app.point.code,
            }
        )
    )


def check_here(numbers: list[str]) -> None:
    """Run as ``lifecycle_bench.py --check NUMBER…``: every document of those cases signed and genuine
    by the public verification (SM3 digest of the stored PDF, SM2 signature, seal in force)."""
    import django

    django.setup()
    from yichuang.documents.models import Document
    from yichuang.documents.selectors import verify_document

    documents = list(Document.objects.filter(case__number__in=numbers).select_related("seal"))
    verdicts = [(d.kind, d.status, verify_document(d)) for d in documents]
    print(
        json.dumps(
            {
                "documents": len(verdicts),
                "kinds": sorted(kind for kind, _status, _verdict in verdicts),
                "signed": sum(status == "signed" for _kind, status, _verdict in verdicts),
                "genuine": sum(verdict.genuine for _kind, _status, verdict in verdicts),
                "reasons": sorted({str(r) for _k, _s, v in verdicts if not v.genuine for r in v.reasons}),
            },
            ensure_ascii=False,
        )
    )


def in_app(env: dict[str, str], *args: str) -> dict[str, Any]:
    """This script run with ``args`` in the app's environment; the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__)), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"lifecycle_bench.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def prepare(env: dict[str, str]) -> dict[str, Any]:
    manage(env, "migrate", "--no-input")
    manage(env, "loaddemo")
    setup = in_app(env, "--prepare")
    if setup["actions"] != ACTIONS:
        print(
            f"      the workflow has {setup['actions']} of {ACTIONS}: the lifecycle takes those", flush=True
        )
        ACTIONS[:] = setup["actions"]
    return setup


# --- the documents, read straight from the database (no server CPU) ---------------------------


class Documents:
    """How many documents the database holds, by status."""

    def __init__(self, database_url: str | None, data_dir: str) -> None:
        if database_url:
            import psycopg

            self.conn: Any = psycopg.connect(database_url, autocommit=True)
            self.pid: int | None = int(self.conn.info.backend_pid)
        else:
            path = Path(data_dir) / "yichuang.sqlite3"
            self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
            self.pid = None

    def by_status(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT status, count(*) FROM documents_document GROUP BY status").fetchall()
        return {str(status): int(n) for status, n in rows}

    def wait_signed(self, timeout: float) -> dict[str, int]:
        """Wait until no document is pending, or until none has been signed for ``timeout`` s; the
        counts by status."""
        last, since = -1, time.monotonic()
        while True:
            counts = self.by_status()
            pending = counts.get("pending", 0)
            if not pending:
                return counts
            if pending != last:
                last, since = pending, time.monotonic()
            elif time.monotonic() - since > timeout:
                return counts
            time.sleep(0.05)

    def close(self) -> None:
        self.conn.close()


# --- the clients --------------------------------------------------------------------------------


#: Each lifecycle a different applicant (a run reusing the database starts elsewhere in the numbers).
_people = itertools.count(random.randrange(500_000))


def lifecycle(address: str, setup: dict[str, Any], timings: Timings) -> str:
    """One lifecycle; the case's number."""
    clerk, reviewer = setup["clerk"], setup["reviewer"]
    body = dict(setup["body"])
    body["applicant"] = {**body["applicant"], "id_number": applicant_id_number(next(_people))}
    t0 = time.perf_counter()
    status, created = request(
        address, "POST", "/api/v1/cases/", body, clerk, {"Idempotency-Key": uuid.uuid4().hex}
    )
    timings.add("create", time.perf_counter() - t0)
    if status != 201:
        raise RuntimeError(f"create answered {status}: {created}")
    number = str(created["number"])
    answer: Any = created
    for action in ACTIONS:
        token, extra = reviewer, {}
        if action == "approve":
            # The lifecycle accepts one paper with a gap (容缺): approving before it arrives needs the
            # decider's recorded reason (issue 16), as a reviewer in a hurry would give.
            extra = {"override_reason": OVERRIDE_REASON}
        if action == "deliver":
            token, extra = clerk, {"method": "pickup", "recipient_name": "李金文"}
        t0 = time.perf_counter()
        status, answer = request(address, "POST", f"/api/v1/cases/{number}/actions/{action}/", extra, token)
        timings.add(action, time.perf_counter() - t0)
        if status != 200:
            raise RuntimeError(f"{action} of {number} answered {status}: {answer}")
    if ACTIONS and ACTIONS[-1] == "deliver" and answer.get("status") != "delivered":
        raise RuntimeError(f"{number} ended {answer.get('status')}, not delivered")
    return number


def run_pool(total: int, clients: int, one: Any, label: str) -> tuple[list[Any], float]:
    """Call ``one()`` ``total`` times from ``clients`` threads; the results and the seconds taken."""
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    left = [total]
    bar = tqdm(total=total, desc=label, unit="", leave=False, mininterval=0.5, file=sys.stderr)

    def loop() -> None:
        while not errors:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            try:
                result = one()
            except BaseException as exc:  # the first failure stops every client
                errors.append(exc)
                return
            with lock:
                results.append(result)
                bar.update()

    elapsed = run_threads([loop] * clients)
    bar.close()
    if errors:
        raise errors[0]
    return results, elapsed


def machine_busy() -> float:
    """CPU seconds the whole machine spent busy since boot (every core, every process)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Clock:
    """Server CPU by group, the machine's busy time and this process's CPU, from start to stop."""

    def __init__(self, meter: CpuMeter) -> None:
        self.meter = meter

    def start(self) -> None:
        self.meter.start()
        self.t0, self.busy0, self.client0 = time.monotonic(), machine_busy(), time.process_time()
        self.load0 = os.getloadavg()[0]

    def stop(self) -> dict[str, Any]:
        elapsed, busy = time.monotonic() - self.t0, machine_busy() - self.busy0
        harness = time.process_time() - self.client0
        self.meter.stop()
        client = harness - self.meter.own_cpu
        server = self.meter.total
        return {
            "seconds": elapsed,
            "server_cpu_s": {k: round(v, 3) for k, v in self.meter.groups.items()},
            "server_cpu_total_s": round(server, 3),
            "client_cpu_s": round(client, 3),
            "meter_cpu_s": round(self.meter.own_cpu, 3),
            # What else the machine did meanwhile, in cores: what no benchmark process accounts for.
            "other_load_cores": round(max(0.0, busy - server - harness) / elapsed, 2),
            "loadavg_1min": [round(self.load0, 2), round(os.getloadavg()[0], 2)],
        }


# --- the phases -----------------------------------------------------------------------------------


FloorPart = tuple[int, dict[str, Any], list[float]]


def measure_floor(env: dict[str, str], url: str | None, setup: dict[str, Any], label: str) -> FloorPart:
    """Half of the floor's requests: how many, the clock's figures, the latencies (ms)."""
    path = f"/floor/{setup['point']}/"
    n = max(1, FLOOR_REQUESTS // 2)
    with gunicorn(env, settings="floor_settings", ready_path=path) as server:
        status, answer = request(server.address, "GET", path, token=setup["clerk"])
        if status != 200 or answer.get("code") != setup["point"]:
            raise RuntimeError(f"the floor answered {status}: {answer}")
        timings = Timings()

        def get() -> None:
            t0 = time.perf_counter()
            status, _ = request(server.address, "GET", path, token=setup["clerk"], raw=True)
            timings.add("floor", time.perf_counter() - t0)
            if status != 200:
                raise RuntimeError(f"the floor answered {status}")

        run_pool(min(200, n), CLIENTS, get, f"{label}: warm-up")
        timings = Timings()
        clock = Clock(CpuMeter(server.pid, url))
        clock.start()
        run_pool(n, CLIENTS, get, f"{label}: floor")
        measured = clock.stop()
    return n, measured, list(timings.by_kind["floor"])


def floor_figures(parts: list[FloorPart]) -> dict[str, Any]:
    """The floor from its halves, measured before and after the lifecycles so that a change in the
    machine's load between them weighs on both sides and shows (``cpu_ms_per_request_halves``)."""
    n = sum(part[0] for part in parts)
    seconds = sum(part[1]["seconds"] for part in parts)
    cpu = sum(part[1]["server_cpu_total_s"] for part in parts)
    groups: dict[str, float] = defaultdict(float)
    for _n, measured, _ms in parts:
        for group, value in measured["server_cpu_s"].items():
            groups[group] += value
    ms = [v for part in parts for v in part[2]]
    return {
        "requests": n,
        "clients": CLIENTS,
        "seconds": round(seconds, 2),
        "requests_per_s": round(n / seconds, 1),
        "cpu_ms_per_request": round(cpu * 1000 / n, 3),
        "cpu_ms_per_request_halves": [round(p[1]["server_cpu_total_s"] * 1000 / p[0], 3) for p in parts],
        "cpu_ms_per_request_by": {k: round(v * 1000 / n, 3) for k, v in groups.items()},
        "client_cpu_ms_per_request": round(sum(p[1]["client_cpu_s"] for p in parts) * 1000 / n, 3),
        "other_load_cores": round(
            sum(p[1]["other_load_cores"] * p[1]["seconds"] for p in parts) / seconds, 2
        ),
        "latency_ms": {"p50": round(pct(ms, 0.5), 2), "p95": round(pct(ms, 0.95), 2)},
    }


def measure_lifecycles(
    env: dict[str, str],
    server: Any,
    url: str | None,
    data_dir: str,
    setup: dict[str, Any],
    trees: dict[str, list[int]],
    label: str,
) -> dict[str, Any]:
    documents = Documents(url, data_dir)
    try:
        warm = Timings()
        run_pool(WARMUP, CLIENTS, lambda: lifecycle(server.address, setup, warm), f"{label}: warm-up")
        documents.wait_signed(DOCUMENTS_TIMEOUT)
        before = documents.by_status()
        meter = CpuMeter(database_url=url, trees=trees)
        if documents.pid is not None:
            meter.exclude.add(documents.pid)
        clock = Clock(meter)
        timings = Timings()
        clock.start()
        numbers, requests_s = run_pool(
            LIFECYCLES, CLIENTS, lambda: lifecycle(server.address, setup, timings), f"{label}: lifecycles"
        )
        after = documents.wait_signed(DOCUMENTS_TIMEOUT)
        measured = clock.stop()
    finally:
        documents.close()
    issued = sum(after.values()) - sum(before.values())
    if after.get("pending"):
        raise RuntimeError(
            f"{label}: {after['pending']} documents pending, none signed for {DOCUMENTS_TIMEOUT:.0f} s "
            f"(the servers' logs: {LOGS})"
        )
    if issued <= 0:
        raise RuntimeError(f"{label}: the lifecycles issued no documents")
    check = verify_one_document(server.address, setup, numbers[-1])
    # The first and the last case of the run: every document signed and genuine.
    checked = in_app(env, "--check", numbers[0], numbers[-1])
    if not checked["documents"] or checked["genuine"] != checked["documents"]:
        raise RuntimeError(f"{label}: documents not all genuine: {checked}")
    check["verified"] = checked
    n, per = len(numbers), 1 + len(ACTIONS)
    total_ms = measured["server_cpu_total_s"] * 1000
    kinds = ["create", *ACTIONS]
    return {
        **measured,
        "lifecycles": n,
        "requests_per_lifecycle": per,
        "clients": CLIENTS,
        "seconds_requests": round(requests_s, 2),
        # Lifecycles with their documents signed per second: the clock runs until the last is.
        "lifecycles_per_s": round(n / measured["seconds"], 2),
        "lifecycles_per_s_requests_only": round(n / requests_s, 2),
        "documents_per_lifecycle": round(issued / n, 2),
        "documents_checked": check,
        "cpu_ms_per_lifecycle": round(total_ms / n, 2),
        "cpu_ms_per_lifecycle_by": {k: round(v * 1000 / n, 2) for k, v in measured["server_cpu_s"].items()},
        "cpu_ms_per_request": round(total_ms / (n * per), 3),
        "client_cpu_ms_per_request": round(measured["client_cpu_s"] * 1000 / (n * per), 3),
        "latency_ms": {
            k: {"p50": round(pct(timings.by_kind[k], 0.5), 1), "p95": round(pct(timings.by_kind[k], 0.95), 1)}
            for k in kinds
        },
    }


def verify_one_document(address: str, setup: dict[str, Any], number: str) -> dict[str, Any]:
    """The last case's documents: listed, signed, a PDF, and confirmed by the public /verify/ page."""
    status, case = request(address, "GET", f"/api/v1/cases/{number}/", token=setup["clerk"])
    assert status == 200, (status, case)
    listed = case.get("documents") or []
    if not listed:
        raise RuntimeError(f"case {number} lists no documents")
    first = listed[0]
    status, detail = request(address, "GET", f"/api/v1/documents/{first['id']}/", token=setup["clerk"])
    if status != 200 or detail.get("status") != "signed":
        raise RuntimeError(f"document {first['id']}: {status} {detail}")
    status, pdf = request(
        address, "GET", f"/api/v1/documents/{first['id']}/content/", token=setup["clerk"], raw=True
    )
    if status != 200 or not pdf.startswith(b"%PDF"):
        raise RuntimeError(f"document {first['id']} content: {status} {pdf[:40]!r}")
    status, _page = request(
        address, "GET", f"/verify/{detail['verify_code']}", headers={"Accept": "text/html"}, raw=True
    )
    if status != 200:
        raise RuntimeError(f"/verify/ answered {status}")
    return {"case": number, "listed": len(listed), "kind": detail.get("type"), "pdf_bytes": len(pdf)}


def keep_logs(data_dir: str, name: str) -> None:
    """The servers' logs to var/bench/logs/NAME/, then the temporary data directory goes."""
    target = LOGS / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True, exist_ok=True)
    for log in Path(data_dir).glob("*.log"):
        shutil.copyfile(log, target / log.name)
    shutil.rmtree(data_dir, ignore_errors=True)


def database_and_floor(env: dict[str, str], url: str | None, label: str) -> tuple[dict[str, Any], FloorPart]:
    """Migrate and load the demo county into the set-up's database; the first half of the floor."""
    print(f"{label}: migrate, demo county", flush=True)
    setup = prepare(env)
    return setup, floor_half(env, url, setup, label, "first")


def floor_half(
    env: dict[str, str], url: str | None, setup: dict[str, Any], label: str, which: str
) -> FloorPart:
    print(f"{label.split(']')[0]}] floor, {which} half: bare DRF view", flush=True)
    part = measure_floor(env, url, setup, "postgresql" if url else "sqlite")
    print(f"      {part[1]['server_cpu_total_s'] * 1000 / part[0]:.2f} ms server CPU per request", flush=True)
    return part


def production(setup_label: str) -> dict[str, Any]:
    url = database_url_for(f"{base_name()}_life")
    if url is None:
        raise RuntimeError("the production set-up needs PostgreSQL: set DATABASE_URL")
    data_dir = temp_dir("yichuang-life-pg-")
    pg_recreate(url)
    try:
        env = app_env(url, data_dir)
        label = f"[{setup_label}] PostgreSQL {url.rsplit('/', 1)[1]}"
        setup, first = database_and_floor(env, url, label)
        print(f"[{setup_label}] Redis, Celery worker, gunicorn: {LIFECYCLES} lifecycles", flush=True)
        with ExitStack() as stack:
            redis = stack.enter_context(redis_server(data_dir))
            env = {**env, "REDIS_URL": f"redis://{redis.address}/0"}
            worker = stack.enter_context(celery_worker(env))
            server = stack.enter_context(gunicorn(env))
            trees = {"app": [server.pid], "worker": [worker.pid], "redis": [redis.pid]}
            result = measure_lifecycles(env, server, url, data_dir, setup, trees, "production")
        last = floor_half(app_env(url, data_dir), url, setup, label, "second")
        return {"floor": floor_figures([first, last]), "lifecycles": result}
    finally:
        pg_drop(url)
        keep_logs(data_dir, "production")


def embedded(setup_label: str) -> dict[str, Any]:
    data_dir = temp_dir("yichuang-life-sqlite-")
    try:
        env = app_env(None, data_dir)
        label = f"[{setup_label}] SQLite in {data_dir}"
        setup, first = database_and_floor(env, None, label)
        print(f"[{setup_label}] gunicorn alone (no Redis): {LIFECYCLES} lifecycles", flush=True)
        with gunicorn(env) as server:
            result = measure_lifecycles(env, server, None, data_dir, setup, {"app": [server.pid]}, "embedded")
        last = floor_half(env, None, setup, label, "second")
        return {"floor": floor_figures([first, last]), "lifecycles": result}
    finally:
        keep_logs(data_dir, "embedded")


# --- the report -----------------------------------------------------------------------------------


def verdict(value: float, target: float, stretch: float, lower_is_better: bool = True) -> str:
    if lower_is_better:
        return "met (stretch too)" if value <= stretch else "met" if value <= target else "not met"
    return "met (aim too)" if value >= stretch else "met" if value >= target else "not met"


def summarise(found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    for result in found.values():
        life, floor = result["lifecycles"], result["floor"]
        result["ratio"] = round(life["cpu_ms_per_request"] / floor["cpu_ms_per_request"], 1)
        result["ratio_verdict"] = verdict(result["ratio"], RATIO_TARGET, RATIO_STRETCH)
    if "production" in found:
        rate = found["production"]["lifecycles"]["lifecycles_per_s"]
        found["production"]["rate_verdict"] = verdict(rate, RATE_TARGET, RATE_AIM, lower_is_better=False)
    return found


def lines_for(found: dict[str, dict[str, Any]]) -> list[str]:
    names = {
        "production": "production: gunicorn + PostgreSQL + Redis + Celery worker",
        "embedded": "embedded default: gunicorn + SQLite, no Redis",
    }
    first = next(iter(found.values()))["lifecycles"]
    out = [
        f"{LIFECYCLES} lifecycles ({first['requests_per_lifecycle']} requests each: create, "
        f"{', '.join(ACTIONS)}) at {CLIENTS} clients after {WARMUP} to warm up; the floor "
        f"{FLOOR_REQUESTS} requests at {CLIENTS} clients, half before the lifecycles and half after; "
        f"gunicorn with {WORKERS} sync workers.",
        "",
        "| set-up | server CPU per lifecycle request | floor per request | ratio (target ≤ 4×, stretch 2×) "
        "| lifecycles/s, documents signed (target ≥ 40, aim 100) | server CPU per lifecycle, by process "
        "| documents per lifecycle | other load on the machine |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for name, result in found.items():
        life, floor = result["lifecycles"], result["floor"]
        by = " + ".join(f"{k} {v:.1f}" for k, v in life["cpu_ms_per_lifecycle_by"].items())
        halves = " / ".join(f"{v:.2f}" for v in floor["cpu_ms_per_request_halves"])
        rate = f"{life['lifecycles_per_s']:.1f}"
        if name == "production":
            rate += f" ({result['rate_verdict']})"
        out.append(
            f"| {names.get(name, name)} | {life['cpu_ms_per_request']:.1f} ms | "
            f"{floor['cpu_ms_per_request']:.2f} ms ({halves} before / after) | "
            f"**{result['ratio']:.1f}×** ({result['ratio_verdict']}) | "
            f"{rate} | {life['cpu_ms_per_lifecycle']:.0f} ms = {by} | {life['documents_per_lifecycle']:.1f} | "
            f"{life['other_load_cores']:.1f} cores |"
        )
    out += ["", "Latency at that load (p50 / p95, ms):", ""]
    kinds = list(first["latency_ms"])
    out.append("| set-up | " + " | ".join(kinds) + " | floor |")
    out.append("|---|" + "---:|" * (len(kinds) + 1))
    for name, result in found.items():
        lat = result["lifecycles"]["latency_ms"]
        fl = result["floor"]["latency_ms"]
        out.append(
            f"| {name} | "
            + " | ".join(f"{lat[k]['p50']:.0f} / {lat[k]['p95']:.0f}" for k in kinds)
            + f" | {fl['p50']:.1f} / {fl['p95']:.1f} |"
        )
    client = max(r["lifecycles"]["client_cpu_ms_per_request"] for r in found.values())
    out += [
        "",
        f"The load generator (threads of the harness, `http.client`) spent at most {client:.1f} ms of CPU "
        'per request, not counted above. "Other load" is the machine\'s busy time that no benchmark '
        "process accounts for, in cores: near 0 on a quiet machine.",
    ]
    return out


def main() -> int:
    if "--prepare" in sys.argv:
        prepare_here()
        return 0
    if sys.argv[1:2] == ["--check"]:
        check_here(sys.argv[2:])
        return 0
    found: dict[str, dict[str, Any]] = {}
    for n, name in enumerate(SETUPS, 1):
        label = f"{n}/{len(SETUPS)} {name}"
        found[name] = {"production": production, "embedded": embedded}[name](label)
        life = found[name]["lifecycles"]
        print(
            f"      {life['lifecycles']} lifecycles: {life['lifecycles_per_s']:.1f}/s with documents "
            f"({life['lifecycles_per_s_requests_only']:.1f}/s requests only); server CPU "
            f"{life['cpu_ms_per_lifecycle']:.1f} ms per lifecycle {life['cpu_ms_per_lifecycle_by']}, "
            f"{life['cpu_ms_per_request']:.2f} ms per request; "
            f"{life['documents_per_lifecycle']:.1f} documents per lifecycle; other load "
            f"{life['other_load_cores']:.1f} cores",
            flush=True,
        )
    summarise(found)
    for name, result in found.items():
        print(
            f"  {name:<10} lifecycle request {result['lifecycles']['cpu_ms_per_request']:.2f} ms / floor "
            f"{result['floor']['cpu_ms_per_request']:.2f} ms = {result['ratio']:.1f}× "
            f"(target ≤ {RATIO_TARGET:.0f}×, stretch {RATIO_STRETCH:.0f}×): {result['ratio_verdict']}"
            + (
                f"; {result['lifecycles']['lifecycles_per_s']:.1f} lifecycles/s "
                f"(target ≥ {RATE_TARGET:.0f}, aim {RATE_AIM:.0f}): {result['rate_verdict']}"
                if "rate_verdict" in result
                else ""
            ),
            flush=True,
        )
    record(
        "lifecycle",
        lines_for(found),
        data={
            "settings": {
                "lifecycles": LIFECYCLES,
                "clients": CLIENTS,
                "warmup": WARMUP,
                "floor_requests": FLOOR_REQUESTS,
                "actions": ACTIONS,
                "gunicorn_workers": WORKERS,
            },
            "targets": {
                "ratio": RATIO_TARGET,
                "ratio_stretch": RATIO_STRETCH,
                "lifecycles_per_s": RATE_TARGET,
                "lifecycles_per_s_aim": RATE_AIM,
            },
            "setups": found,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
