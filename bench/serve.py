"""What the HTTP benchmarks share: a database of their own, the app under gunicorn, a threaded client.

The app server is the real thing: gunicorn with sync workers (``BENCH_WORKERS``, default 4) running
``yichuang.wsgi`` with ``DEBUG`` off, persistent database connections, and the project's middleware,
authentication and serializers; the clients are threads of this process speaking HTTP/1.1 over
loopback, one connection per request (gunicorn's sync workers do not keep connections alive).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, round(len(values) * p) - 1)] if values else 0.0


# --- databases --------------------------------------------------------------------------------


def database_url_for(name: str) -> str | None:
    """The URL of the PostgreSQL database ``name`` on the server ``DATABASE_URL`` names (None for SQLite)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def base_name() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return urlsplit(url).path.lstrip("/") or "bench"


def _admin_connection(url: str) -> Any:
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def pg_database_exists(url: str) -> bool:
    name = urlsplit(url).path.lstrip("/")
    with _admin_connection(url) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def pg_recreate(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with _admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def pg_drop(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with _admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_env(database_url: str | None, data_dir: str) -> dict[str, str]:
    """The environment of the app server and of the setup commands: test settings, DEBUG off."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "YICHUANG_ENV": "test",
            "DEBUG": "false",
            "YICHUANG_DATA_DIR": data_dir,
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
            "DJANGO_SETTINGS_MODULE": "yichuang.settings",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "yichuang"), *args], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


# --- the app server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    address: str
    pid: int


@contextmanager
def gunicorn(env: dict[str, str], workers: int = WORKERS) -> Iterator[Server]:
    """Run the app under gunicorn on a free port until the block ends."""
    port = _free_port()
    log = Path(env["YICHUANG_DATA_DIR"]) / "gunicorn.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "yichuang.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--timeout",
                "120",
                "--backlog",
                "256",
                "--preload",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = request(f"127.0.0.1:{port}", "GET", "/api/v1/points/")
                if status in (200, 401, 403):
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {log}")
            time.sleep(0.2)
        yield Server(f"127.0.0.1:{port}", process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- CPU accounting ---------------------------------------------------------------------------
# The machine may be busy with other work while a benchmark runs; what the server spends per
# request does not depend on that. So besides the rates, the benchmarks read the CPU time of the
# gunicorn processes and of the PostgreSQL backends serving the benchmark database.

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU seconds used by the app server (gunicorn and its workers) and, on PostgreSQL, by the
    backends connected to the benchmark database, between ``start()`` and ``stop()``."""

    def __init__(self, server_pid: int, database_url: str | None) -> None:
        self.server_pid = server_pid
        self.database_url = database_url
        self.app = self.db = 0.0

    def _db_pids(self) -> list[int]:
        if not self.database_url:
            return []
        name = urlsplit(self.database_url).path.lstrip("/")
        with _admin_connection(self.database_url) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
                [name],
            ).fetchall()
        return [int(r[0]) for r in rows]

    def _sample(self) -> tuple[dict[int, float], dict[int, float]]:
        app = {pid: _proc_cpu(pid) for pid in [self.server_pid, *_children(self.server_pid)]}
        return app, {pid: _proc_cpu(pid) for pid in self._db_pids()}

    def start(self) -> None:
        self._before = self._sample()

    def stop(self) -> None:
        app, db = self._sample()
        self.app = sum(v - self._before[0].get(k, 0.0) for k, v in app.items())
        self.db = sum(v - self._before[1].get(k, 0.0) for k, v in db.items())


# --- the client -------------------------------------------------------------------------------


def request(
    address: str,
    method: str,
    path: str,
    body: Any = None,
    token: str = "",
    headers: dict[str, str] | None = None,
    raw: bool = False,
) -> tuple[int, Any]:
    """Status and the JSON answer (the bytes with ``raw``, for a file such as an Excel export)."""
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        sent = {"Accept": "application/json", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if token:
            sent["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        data = response.read()
        if raw:
            return response.status, data
        return response.status, json.loads(data) if data else None
    finally:
        conn.close()


@dataclass
class Timings:
    """Latencies by request kind, collected from all client threads."""

    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.by_kind[kind].append(seconds * 1000)

    def summary(self, kind: str) -> str:
        ms = self.by_kind.get(kind, [])
        if not ms:
            return "–"
        return f"p50 {statistics.median(ms):.1f} ms · p95 {pct(ms, 0.95):.1f} ms"


def run_clients(
    clients: int, seconds: float, work: Callable[[int, Timings], int], timings: Timings
) -> tuple[int, float]:
    """Run ``work(client_number, timings)`` in a loop on ``clients`` threads for ``seconds``; each
    call returns how many units it completed. Returns (units, elapsed seconds)."""
    done = [0] * clients
    errors: list[BaseException] = []
    stop = time.monotonic() + seconds

    def loop(n: int) -> None:
        try:
            while time.monotonic() < stop and not errors:
                done[n] += work(n, timings)
        except BaseException as exc:  # report the first failure, stop the others
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(n,), daemon=True) for n in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    if errors:
        raise errors[0]
    return sum(done), elapsed


@dataclass
class Measured:
    """One row of a GET benchmark: latencies, throughput and the server's CPU per request."""

    timings: Timings
    per_second: float
    app_ms: float
    db_ms: float

    @property
    def cpu_ms(self) -> float:
        return self.app_ms + self.db_ms

    def line(self, kind: str) -> str:
        return (
            f"{self.per_second:6.1f}/s  {self.timings.summary(kind)}  "
            f"CPU/request app {self.app_ms:.1f} ms db {self.db_ms:.1f} ms"
        )


def measure_get(
    server: Server, database_url: str, path: str, *, token: str, clients: int, seconds: float, kind: str
) -> Measured:
    """GET ``path`` from ``clients`` threads for ``seconds``; every answer must be a 200."""
    timings = Timings()

    def get(n: int, t: Timings) -> int:
        t0 = time.perf_counter()
        status, _ = request(server.address, "GET", path, token=token, raw=True)
        t.add(kind, time.perf_counter() - t0)
        assert status == 200, f"{path}: {status}"
        return 1

    meter = CpuMeter(server.pid, database_url)
    meter.start()
    done, elapsed = run_clients(clients, seconds, get, timings)
    meter.stop()
    return Measured(timings, done / elapsed, meter.app / done * 1000, meter.db / done * 1000)


def report_heading(what: str, seconds: float) -> str:
    return (
        f"postgresql, {what}, gunicorn with {WORKERS} sync workers, {seconds:.0f} s per row, measured "
        f"{time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores; clients, server and database share them):"
    )


def temp_dir(prefix: str) -> str:
    return tempfile.mkdtemp(prefix=prefix)
