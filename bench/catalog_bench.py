"""Benchmark of the foundation: catalog search, the items API and working-day arithmetic.

Run with `make bench`. It loads the demo county into a throw-away SQLite database (or the
database DATABASE_URL names), measures, prints a table and rewrites the section between the
markers in docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("YICHUANG_DATA_DIR", tempfile.mkdtemp(prefix="yichuang-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yichuang.settings")
os.environ.setdefault("YICHUANG_ENV", "test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from report import replace_section  # noqa: E402

QUERIES = [
    "低保",
    "db",
    "dibao",
    "社保卡",
    "sbk",
    "高龄",
    "营业执照",
    "林木采伐",
    "医保",
    "残疾人证",
    "ylbx",
    "优待证",
]


def measure(label: str, fn: Callable[[], object], n: int) -> dict[str, float | str | int]:
    for _ in range(min(20, n)):
        fn()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    row: dict[str, float | str | int] = {
        "what": label,
        "n": n,
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95) - 1],
        "max_ms": times[-1],
    }
    print(f"  {label:<48} n={n:<6} p50={row['p50_ms']:.3f} ms  p95={row['p95_ms']:.3f} ms", flush=True)
    return row


def main() -> int:
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"[1/4] migrate + load the demo county ({engine})", flush=True)
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0, interactive=False)
    start = time.perf_counter()
    call_command("loaddemo", verbosity=0)
    load_s = time.perf_counter() - start

    from yichuang.catalog.models import ServiceItem
    from yichuang.catalog.search import get_index, search_items
    from yichuang.workdays import calendar as workdays

    items = ServiceItem.objects.count()
    rows = []
    print(f"[2/4] search over {items} items", flush=True)
    get_index()
    queries = iter(QUERIES * 10_000)
    rows.append(measure("search_items(q) incl. change check", lambda: search_items(next(queries)), 2000))
    index = get_index()
    rows.append(measure("index.search(q) in memory", lambda: index.search(next(queries)), 5000))

    print("[3/4] HTTP through Django's test client", flush=True)
    client = Client()
    rows.append(
        measure("GET /api/v1/items/?q=低保", lambda: client.get("/api/v1/items/", {"q": "低保"}), 300)
    )
    rows.append(measure("GET /api/v1/items/ (page of 50)", lambda: client.get("/api/v1/items/"), 200))
    code = ServiceItem.objects.filter(status="published").values_list("code", flat=True).first()
    rows.append(
        measure("GET /api/v1/items/{code}/ with guide", lambda: client.get(f"/api/v1/items/{code}/"), 200)
    )

    print("[4/4] working-day arithmetic", flush=True)
    rng = random.Random(7)
    days = [dt.date(2005, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 20)) for _ in range(1000)]
    pick = iter(days * 1000)
    rows.append(
        measure(
            "add_workdays(start, 1..250)",
            lambda: workdays.add_workdays(next(pick), rng.randrange(1, 250)),
            20000,
        )
    )
    rows.append(
        measure(
            "workdays_between(a, a+400d)",
            lambda: (lambda d: workdays.workdays_between(d, d + dt.timedelta(days=400)))(next(pick)),
            20000,
        )
    )
    rows.append(
        measure(
            "GET /api/v1/calendar/workdays/add/",
            lambda: client.get("/api/v1/calendar/workdays/add/", {"start": "2026-09-25", "days": "18"}),
            300,
        )
    )
    write_report(rows, engine=engine, items=items, load_s=load_s)
    return 0


def write_report(rows: list[dict[str, float | str | int]], *, engine: str, items: int, load_s: float) -> None:
    lines = [
        f"Measured {dt.date.today().isoformat()} on {platform.machine()} ({os.cpu_count()} cores), Python "
        f"{platform.python_version()}, database {engine}; {items} items in the catalog; "
        f"`yichuang loaddemo` took {load_s:.1f} s.",
        "",
        "| what | n | p50 (ms) | p95 (ms) | max (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['what']} | {row['n']} | {row['p50_ms']:.3f} | {row['p95_ms']:.3f} | {row['max_ms']:.3f} |"
        )
    replace_section("catalog", lines)


if __name__ == "__main__":
    sys.exit(main())
