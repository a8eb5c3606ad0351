"""Scaling out, measured (issue 17, item 4): the lifecycle rate and CPU with 1, 2 and 4 app-server
processes behind a local HAProxy, with a Celery worker, Redis and PostgreSQL — ``make bench-scale``.

Each row is the production set-up of ``lifecycle_bench.py`` (same lifecycle, same documents, same
CPU accounting from /proc) with ``n`` gunicorn app servers of ``BENCH_SCALE_WORKERS`` sync workers
each (default 2) behind one HAProxy (round robin, from Debian's ``haproxy`` package), and
``BENCH_SCALE_CLIENTS`` clients per app server (default 4). Besides the rate it reports where the CPU
goes (app servers, worker, PostgreSQL, Redis, proxy) and PostgreSQL's commits per second
(``pg_stat_database``): the database's CPU per lifecycle is what stays when app servers are added on
other machines, so ``1000 / db ms per lifecycle`` is the lifecycles one PostgreSQL core carries — the
figure ``docs/scaling.md`` sizes a province from.

On one 2-core machine every process shares the same two cores: the rate stops growing once they are
busy, and the row says how busy ("cores used"). The CPU per lifecycle is what carries over to a
bigger machine.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import lifecycle_bench as life
import psycopg
from results import record
from serve import (
    Server,
    app_env,
    base_name,
    celery_worker,
    database_url_for,
    free_port,
    gunicorn,
    pg_drop,
    pg_recreate,
    redis_server,
    request,
    temp_dir,
)

SCALING_PAGE = Path(__file__).resolve().parent.parent / "docs" / "scaling.md"
#: The province issue 17 sizes: cases a year, and the peak of creations per second.
PROVINCE_CASES_A_YEAR = 100_000_000
PROVINCE_PEAK_CREATES = 150
#: Plan servers to run at this share of their cores at the peak.
UTILISATION = 0.6
PROCESSES = [int(n) for n in os.environ.get("BENCH_SCALE_PROCESSES", "1,2,4").split(",") if n]
WORKERS_EACH = int(os.environ.get("BENCH_SCALE_WORKERS", "2"))
CLIENTS_EACH = int(os.environ.get("BENCH_SCALE_CLIENTS", "4"))
LIFECYCLES = int(os.environ.get("BENCH_SCALE_LIFECYCLES", "200"))


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else "")
    if not found:
        raise SystemExit("haproxy is not installed: apt-get install haproxy (Debian's package)")
    return found


@contextmanager
def haproxy(backends: list[str], data_dir: str) -> Iterator[Server]:
    """HAProxy in front of ``backends`` (round robin, HTTP mode, as a county would run it)."""
    port = free_port()
    config = Path(data_dir) / "haproxy.cfg"
    servers = "\n".join(f"    server app{i} {address} maxconn 64" for i, address in enumerate(backends))
    config.write_text(
        f"""global
    maxconn 1024
defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    option forwardfor
frontend yichuang
    bind 127.0.0.1:{port}
    default_backend apps
backend apps
    balance roundrobin
{servers}
""",
        encoding="utf-8",
    )
    log = (Path(data_dir) / "haproxy.log").open("ab")
    process = subprocess.Popen([haproxy_binary(), "-db", "-f", str(config)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, _ = request(f"127.0.0.1:{port}", "GET", "/api/v1/points/", raw=True)
                if status in (200, 401, 403):
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"haproxy did not start; see {data_dir}/haproxy.log")
            time.sleep(0.1)
        yield Server(f"127.0.0.1:{port}", process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def database_figures(url: str) -> tuple[int, int]:
    """PostgreSQL's commits so far and the database's size in bytes."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit, pg_database_size(datname) FROM pg_stat_database WHERE datname = %s", [name]
        ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def stored_bytes(data_dir: str) -> int:
    """Uploaded files and signed documents under the data directory (logs left out)."""
    return sum(
        f.stat().st_size
        for f in Path(data_dir).rglob("*")
        if f.is_file() and not f.name.endswith((".log", ".cfg"))
    )


def one_row(n: int, url: str, data_dir: str, setup: dict[str, Any]) -> dict[str, Any]:
    env = app_env(url, data_dir)
    life.CLIENTS = CLIENTS_EACH * n
    life.LIFECYCLES = LIFECYCLES
    with ExitStack() as stack:
        redis = stack.enter_context(redis_server(data_dir))
        env = {**env, "REDIS_URL": f"redis://{redis.address}/0"}
        worker = stack.enter_context(celery_worker(env))
        apps = [stack.enter_context(gunicorn(env, WORKERS_EACH)) for _ in range(n)]
        proxy = stack.enter_context(haproxy([a.address for a in apps], data_dir))
        trees = {
            "app": [a.pid for a in apps],
            "worker": [worker.pid],
            "redis": [redis.pid],
            "proxy": [proxy.pid],
        }
        commits_before, size_before = database_figures(url)
        files_before = stored_bytes(data_dir)
        result = life.measure_lifecycles(env, proxy, url, data_dir, setup, trees, f"{n} app server(s)")
        commits_after, size_after = database_figures(url)
        done = result["lifecycles"]
        result["db_commits_per_s"] = round((commits_after - commits_before) / result["seconds"], 1)
        # Growth per case, warm-up included in neither: what a year of cases costs in storage.
        result["db_bytes_per_lifecycle"] = round(max(0, size_after - size_before) / done)
        result["file_bytes_per_lifecycle"] = round(max(0, stored_bytes(data_dir) - files_before) / done)
    by = result["cpu_ms_per_lifecycle_by"]
    result["processes"] = n
    result["workers_each"] = WORKERS_EACH
    result["cores_used"] = round(result["server_cpu_total_s"] / result["seconds"], 2)
    result["lifecycles_per_db_core"] = round(1000 / by["db"], 1) if by.get("db") else None
    return result


def lines_for(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"{LIFECYCLES} lifecycles per row (create, {', '.join(life.ACTIONS)}; documents signed by the "
        f"Celery worker) after {life.WARMUP} to warm up; {WORKERS_EACH} sync workers per app server, "
        f"{CLIENTS_EACH} clients per app server, HAProxy round robin in front; PostgreSQL and Redis local.",
        "",
        "| app servers | clients | lifecycles/s | server CPU per lifecycle | by process (ms) | cores used | "
        "PostgreSQL commits/s | lifecycles per PostgreSQL core | other load |",
        "|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        by = row["cpu_ms_per_lifecycle_by"]
        parts = " + ".join(f"{k} {v:.1f}" for k, v in by.items())
        lines.append(
            f"| {row['processes']} | {row['clients']} | {row['lifecycles_per_s']:.1f} | "
            f"{row['cpu_ms_per_lifecycle']:.0f} ms | {parts} | {row['cores_used']:.2f} | "
            f"{row['db_commits_per_s']:.0f} | {row['lifecycles_per_db_core'] or '–'} | "
            f"{row['other_load_cores']:.1f} cores |"
        )
    best = max(rows, key=lambda r: r["lifecycles_per_s"])
    lines += ["", conclusion(rows, best)]
    return lines


def conclusion(rows: list[dict[str, Any]], best: dict[str, Any]) -> str:
    """What limited the rate, read from the figures: busy cores, or waiting with cores to spare."""
    cores = os.cpu_count() or 1
    busy = best["cores_used"] + best["other_load_cores"]
    db_ms = best["cpu_ms_per_lifecycle_by"].get("db", 0.0)
    db_cores = db_ms * best["lifecycles_per_s"] / 1000
    first = rows[0]
    grew = best["lifecycles_per_s"] / first["lifecycles_per_s"] if first["lifecycles_per_s"] else 1.0
    if busy >= 0.85 * cores:
        limit = (
            f"the machine's {cores} cores were busy ({best['cores_used']:.2f} by the benchmark, "
            f"{best['other_load_cores']:.1f} by other work): the cores, not PostgreSQL, set the limit here"
        )
    elif grew < 1.1 and len(rows) > 1:
        limit = (
            f"more app servers did not raise it (×{grew:.2f}) although {cores - busy:.1f} cores stayed idle: "
            f"the requests wait (row locks, commit flushes, the worker) rather than compute"
        )
    else:
        limit = f"{cores - busy:.1f} cores stayed idle: more clients would raise it"
    return (
        f"The rate peaks at **{best['lifecycles_per_s']:.1f} lifecycles/s** with {best['processes']} app "
        f"server(s); {limit}. PostgreSQL spent {db_ms:.1f} ms of CPU per lifecycle, {db_cores:.2f} cores at "
        f"that rate (≈ {best['lifecycles_per_db_core'] or 0:.0f} lifecycles per second per database core): "
        "app servers and workers scale out on more machines, the database is the part that does not "
        "(docs/scaling.md)."
    )


def sizing_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The province on paper, from the row with the least CPU per lifecycle (least contention)."""
    row = min(rows, key=lambda r: r["cpu_ms_per_lifecycle"])
    by = row["cpu_ms_per_lifecycle_by"]
    peak = PROVINCE_PEAK_CREATES

    def cores(ms: float) -> float:
        return peak * ms / 1000 / UTILISATION

    app, worker = by.get("app", 0.0) + by.get("proxy", 0.0), by.get("worker", 0.0)
    db, redis = by.get("db", 0.0), by.get("redis", 0.0)
    db_tb = PROVINCE_CASES_A_YEAR * row["db_bytes_per_lifecycle"] / 1e12
    files_tb = PROVINCE_CASES_A_YEAR * row["file_bytes_per_lifecycle"] / 1e12
    return [
        f"From the run above: the row with "
        f"{row['processes']} app server(s), {row['cpu_ms_per_lifecycle']:.0f} ms of server CPU per lifecycle "
        f"(app {by.get('app', 0):.1f}, proxy {by.get('proxy', 0):.1f}, worker {worker:.1f}, "
        f"PostgreSQL {db:.1f}, Redis {redis:.1f} ms). A peak of {peak} creations per second is taken as "
        f"{peak} whole lifecycles per second (every later step of those cases falling in the same hour: "
        f"an upper bound), servers planned at {UTILISATION:.0%} of their cores.",
        "",
        "| part | CPU per lifecycle | cores at the peak | as servers |",
        "|---|---:|---:|---|",
        f"| app servers (gunicorn + proxy) | {app:.1f} ms | {cores(app):.0f} | "
        f"{max(2, math.ceil(cores(app) / 16))} × 16 cores, stateless, behind the proxy |",
        f"| Celery workers (documents, SMS, events) | {worker:.1f} ms | {cores(worker):.0f} | "
        f"{max(2, math.ceil(cores(worker) / 16))} × 16 cores |",
        f"| PostgreSQL primary | {db:.1f} ms | {cores(db):.0f} | one server of ≥ {max(8, math.ceil(cores(db)))} "
        "cores (writes do not scale out); lists and dashboards on the replicas |",
        f"| Redis | {redis:.1f} ms | {cores(redis):.1f} | one small server (+ a replica for failover) |",
        "",
        f"Storage for {PROVINCE_CASES_A_YEAR:,} cases a year: the database grew "
        f"{row['db_bytes_per_lifecycle'] / 1024:.1f} KiB per case (rows, indexes, the audit chain, the "
        f"outboxes) → **{db_tb:.1f} TB a year** before compression; signed documents and uploads "
        f"{row['file_bytes_per_lifecycle'] / 1024:.0f} KiB per case → **{files_tb:.0f} TB a year** of "
        "file storage. Partitioning cases, their events and the SMS outbox by year keeps the hot year's "
        "indexes in memory and lets old years move to cheaper storage.",
    ]


def write_scaling_page(rows: list[dict[str, Any]]) -> None:
    """The figures part of docs/scaling.md, between its markers (the prose around them stays)."""
    import re

    text = SCALING_PAGE.read_text(encoding="utf-8")
    sections = {"figures": lines_for(rows), "sizing": sizing_lines(rows)}
    for name, lines in sections.items():
        start, end = f"<!-- scale:{name}:start -->", f"<!-- scale:{name}:end -->"
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
        body = "\n".join([start, *lines, end])
        text = pattern.sub(lambda _m, body=body: body, text)
    SCALING_PAGE.write_text(text, encoding="utf-8")
    print(f"written to {SCALING_PAGE}", flush=True)


def main() -> int:
    haproxy_binary()
    url = database_url_for(f"{base_name()}_scale")
    if url is None:
        raise SystemExit("bench-scale needs PostgreSQL: set DATABASE_URL (or PG_URL for make)")
    data_dir = temp_dir("yichuang-scale-")
    pg_recreate(url)
    rows: list[dict[str, Any]] = []
    try:
        env = app_env(url, data_dir)
        print(f"[scale] PostgreSQL {url.rsplit('/', 1)[1]}: migrate, demo county", flush=True)
        setup = life.prepare(env)
        for n in PROCESSES:
            print(f"[scale] {n} app server(s) × {WORKERS_EACH} workers behind HAProxy", flush=True)
            row = one_row(n, url, data_dir, setup)
            print(
                f"      {row['lifecycles_per_s']:.1f} lifecycles/s, {row['cpu_ms_per_lifecycle']:.0f} ms CPU per "
                f"lifecycle {row['cpu_ms_per_lifecycle_by']}, cores used {row['cores_used']:.2f}, "
                f"{row['db_commits_per_s']:.0f} commits/s",
                flush=True,
            )
            rows.append(row)
    finally:
        pg_drop(url)
        life.keep_logs(data_dir, "scale")
    lines = lines_for(rows)
    print("\n".join([*lines, "", *sizing_lines(rows)]), flush=True)
    if "BENCH_RESULTS" not in os.environ:  # a quick run (make bench-quick style) leaves docs/ alone
        write_scaling_page(rows)
    record(
        "scale",
        lines,
        data={
            "settings": {
                "processes": PROCESSES,
                "workers_each": WORKERS_EACH,
                "clients_each": CLIENTS_EACH,
                "lifecycles": LIFECYCLES,
            },
            "rows": rows,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
