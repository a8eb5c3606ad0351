"""What the HTTP benchmarks share: a database of their own, the app under gunicorn, a threaded client.

The app server is the real thing: gunicorn with sync workers (``BENCH_WORKERS``, default 4) running
``yichuang.wsgi`` with ``DEBUG`` off, persistent database connections, and the project's middleware,
authentication and serializers; the clients are threads of this process speaking HTTP/1.1 over
loopback, one connection per request (gunicorn's sync workers do not keep connections alive).
"""

from __future__ import annotations

import functools
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


def kept_database_env(database_url: str, data_dir: str) -> dict[str, str]:
    """``app_env`` for a database kept between runs (the list and dashboard benchmarks): its personal
    data is sealed with keys that must outlive the run's temporary data directory, so the key file
    lives beside the benchmark results, named for the database."""
    env = app_env(database_url, data_dir)
    name = urlsplit(database_url).path.lstrip("/")
    keys = ROOT / "var" / "bench" / f"{name}-pii-keys.json"
    keys.parent.mkdir(parents=True, exist_ok=True)
    env["YICHUANG_PII_KEY_FILE"] = str(keys)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "yichuang"), *args], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


@dataclass
class Application:
    """What the lifecycle benchmarks apply for, in the demo county (Django set up in the caller)."""

    clerk: Any
    reviewer: Any
    point: Any
    item: Any
    name: str
    id_number: str
    phone: str
    tolerated: list[str]
    committed: list[str]
    plain: list[str]


def demo_application() -> Application:
    """The demo town clerk's first published town item with a promised limit, its required materials
    by how they are met (容缺, 告知承诺, or a scan), and one applicant."""
    from yichuang.catalog.models import ServiceItem
    from yichuang.common.identity import resident_id_check_char
    from yichuang.org.models import ServicePoint, Staff

    clerk = Staff.objects.get(username="town1")
    point = ServicePoint.objects.get(pk=clerk.point_id or 0)
    item = (
        ServiceItem.objects.filter(offers__point=point, status="published", promised_days__gt=0)
        .filter(exercise_level="town")
        .order_by("code")
        .first()
    )
    assert item is not None
    requirements = [m for m in item.materials.all() if m.required]
    first17 = "41150219800101123"
    return Application(
        clerk=clerk,
        reviewer=Staff.objects.get(username="town1_review"),
        point=point,
        item=item,
        name="李金文",
        id_number=first17 + resident_id_check_char(first17),
        phone="13812345678",
        tolerated=[m.code for m in requirements if m.tolerable],
        committed=[m.code for m in requirements if m.commitment_allowed and not m.tolerable],
        plain=[m.code for m in requirements if not m.tolerable and not m.commitment_allowed],
    )


# --- the servers ------------------------------------------------------------------------------
# Every server the benchmarks start listens on a port of BENCH_PORTS (a range such as 8160-8179; a
# free port of the system's choosing when unset), so that parallel runs on one machine do not collide.


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    spec = os.environ.get("BENCH_PORTS", "")
    if spec:
        lo, _, hi = spec.partition("-")
        for port in range(int(lo), int(hi or lo) + 1):
            if _port_free(port):
                return port
        raise RuntimeError(f"no free port in BENCH_PORTS={spec}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    address: str
    pid: int


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``command`` in the project's folder, its output appended to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)


@contextmanager
def gunicorn(
    env: dict[str, str], workers: int = WORKERS, *, settings: str = "", ready_path: str = "/api/v1/points/"
) -> Iterator[Server]:
    """Run the app under gunicorn until the block ends (``settings``: another Django settings module,
    looked up in bench/ as well, for the framework's floor)."""
    port = free_port()
    log = Path(env["YICHUANG_DATA_DIR"]) / "gunicorn.log"
    if settings:
        env = {**env, "DJANGO_SETTINGS_MODULE": settings}
    process = _spawn(
        [
            str(BIN / "gunicorn"),
            "yichuang.wsgi:application",
            *(["--pythonpath", str(ROOT / "bench")] if settings else []),
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
        env,
        log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = request(f"127.0.0.1:{port}", "GET", ready_path, raw=True)
                if status in (200, 401, 403):
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {log}")
            time.sleep(0.2)
        yield Server(f"127.0.0.1:{port}", process.pid)
    finally:
        _stop(process)


@contextmanager
def redis_server(data_dir: str) -> Iterator[Server]:
    """A Redis of the benchmark's own (no persistence), so that its CPU is the benchmark's alone."""
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            data_dir,
            "--logfile",
            str(Path(data_dir) / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.1)
        yield Server(f"127.0.0.1:{port}", process.pid)
    finally:
        _stop(process)


@contextmanager
def celery_worker(env: dict[str, str], concurrency: int = 2) -> Iterator[Server]:
    """A Celery worker as docs/deployment.md runs it (prefork pool), until the block ends."""
    log = Path(env["YICHUANG_DATA_DIR"]) / "celery.log"
    command = [
        str(BIN / "celery"),
        "-A",
        "yichuang",
        "worker",
        "-l",
        "WARNING",
        "--concurrency",
        str(concurrency),
    ]
    process = _spawn([*command, "--without-gossip", "--without-mingle", "--without-heartbeat"], env, log)
    try:
        deadline = time.monotonic() + 60
        # Ready when the pool's processes exist (the worker logs nothing at WARNING).
        while len(descendants([process.pid])) < concurrency + 1:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start; see {log}")
            time.sleep(0.2)
        time.sleep(1.0)
        yield Server("", process.pid)
    finally:
        _stop(process)  # warm shutdown: it finishes the tasks it holds


# --- CPU accounting ---------------------------------------------------------------------------
# The machine may be busy with other work while a benchmark runs; what the server spends per
# request does not depend on that. So besides the rates, the benchmarks read the CPU time (user +
# system, every thread) of the processes that serve: the app server and everything under it, the
# Celery worker and its pool, the benchmark's own Redis, and the PostgreSQL backends connected to
# the benchmark's database (client backends and autovacuum; PostgreSQL's shared background
# processes — WAL writer, checkpointer — serve every database on the machine and are left out).

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int | str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _proc_cpu(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / _TICKS if fields else 0.0  # utime + stime


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(entry.name)
            if fields:
                children[int(fields[1])].append(int(entry.name))
    return children


def descendants(roots: list[int], children: dict[int, list[int]] | None = None) -> list[int]:
    """``roots`` and every process under them."""
    if children is None:
        children = _children()
    found, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


class CpuMeter:
    """CPU seconds by group between ``start()`` and ``stop()``.

    ``trees`` names groups of process trees (``{"app": [gunicorn_pid], "worker": [celery_pid]}``),
    ``database_url`` the PostgreSQL database whose backends make the group ``db``. A thread samples
    every ``interval`` s, so a process that ends in between (a database connection closed, a pool
    process replaced) counts up to its last sample, and one that starts counts from zero.
    The meter's own database connection is never counted."""

    def __init__(
        self,
        server_pid: int | None = None,
        database_url: str | None = None,
        *,
        trees: dict[str, list[int]] | None = None,
        interval: float = 1.0,
    ) -> None:
        self.trees = dict(trees or {})
        if server_pid is not None:
            self.trees.setdefault("app", [server_pid])
        self.database_url = database_url
        self.interval = interval
        self.exclude: set[int] = set()
        self.groups: dict[str, float] = {}
        self._first: dict[tuple[str, int], float] = {}
        self._last: dict[tuple[str, int], float] = {}
        self._stop = threading.Event()
        self._conn: Any = None
        #: CPU seconds the sampling thread itself spent (part of the harness's, not the server's).
        self.own_cpu = 0.0

    @property
    def app(self) -> float:
        return self.groups.get("app", 0.0)

    @property
    def db(self) -> float:
        return self.groups.get("db", 0.0)

    @property
    def total(self) -> float:
        return sum(self.groups.values())

    def _db_pids(self) -> list[int]:
        if not self.database_url:
            return []
        if self._conn is None:
            self._conn = _admin_connection(self.database_url)
        name = urlsplit(self.database_url).path.lstrip("/")
        rows = self._conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s "
            "AND backend_type IN ('client backend', 'autovacuum worker')",
            [name],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def _sample(self) -> dict[tuple[str, int], float]:
        seen: dict[tuple[str, int], float] = {}
        children = _children()
        for group, roots in self.trees.items():
            for pid in descendants(roots, children):
                seen[(group, pid)] = _proc_cpu(pid)
        for pid in self._db_pids():
            if pid not in self.exclude:
                seen[("db", pid)] = _proc_cpu(pid)
        return seen

    def _record(self, seen: dict[tuple[str, int], float]) -> None:
        for key, cpu in seen.items():
            self._last[key] = max(cpu, self._last.get(key, 0.0))

    def _loop(self) -> None:
        started = time.thread_time()
        while not self._stop.wait(self.interval):
            self._record(self._sample())
        self.own_cpu = time.thread_time() - started

    def start(self) -> None:
        self._first = self._sample()
        self._last = dict(self._first)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._record(self._sample())
        self.groups = {group: 0.0 for group in [*self.trees, *(["db"] if self.database_url else [])]}
        for (group, pid), cpu in self._last.items():
            self.groups[group] += cpu - self._first.get((group, pid), 0.0)
        if self._conn is not None:
            self._conn.close()
            self._conn = None


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


def run_threads(targets: list[Callable[[], None]]) -> float:
    """Run each of ``targets`` on a thread of its own; the seconds until the last has ended."""
    threads = [threading.Thread(target=target, daemon=True) for target in targets]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - start


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

    elapsed = run_threads([functools.partial(loop, n) for n in range(clients)])
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
    clients: int = 1

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
    return Measured(timings, done / elapsed, meter.app / done * 1000, meter.db / done * 1000, clients)


def report_heading(what: str, seconds: float) -> str:
    return (
        f"postgresql, {what}, gunicorn with {WORKERS} sync workers, {seconds:.0f} s per row, measured "
        f"{time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores; clients, server and database share them):"
    )


def temp_dir(prefix: str) -> str:
    return tempfile.mkdtemp(prefix=prefix)


def applicant_id_number(n: int) -> str:
    """A valid resident ID number (GB 11643) for the ``n``-th applicant of a run: one person may
    have only one open case of an item (issue 16), so concurrent lifecycles need different people."""
    import datetime as dt

    from yichuang.common.identity import resident_id_check_char

    born = dt.date(1960, 1, 1) + dt.timedelta(days=n // 900)
    first17 = f"411502{born:%Y%m%d}{100 + n % 900:03d}"
    return first17 + resident_id_check_char(first17)
