"""What the yearly partitions look like at ten million cases, and what pruning buys (decision 146).

Reads the dashboard benchmark's database (``<name>_dash``, ``make bench-dash`` makes it: ten million
cases over three years) and writes the section ``partitions:postgresql`` of docs/benchmarks.md:

- each partition of ``cases_case`` (and ``cases_casekey``): rows, heap and index sizes, and the depth
  of the list's index ``case_created``, the key ``(id, created_at)`` and the overdue index
  ``case_running_due`` (B-tree levels from ``pageinspect``'s ``bt_metap``);
- the queries the list and the dashboard make, and the same filtered to one month or one year,
  under ``EXPLAIN (ANALYZE, BUFFERS)``: how many partitions each reads, the buffers it touches and
  its time (best of ``BENCH_PARTITION_REPEAT`` runs, default 5, warm cache).

No HTTP here: the list and dashboard benchmarks measure the requests; this shows the plans under them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from typing import Any

from results import record
from serve import base_name, database_url_for

REPEAT = int(os.environ.get("BENCH_PARTITION_REPEAT", "5"))
INDEXES = ("case_created", "cases_case_pkey", "case_running_due")
RUNNING = "('submitted', 'needs_supplement', 'accepted', 'in_review')"


def queries(today: dt.date) -> list[tuple[str, str]]:
    """(what, SQL) — the list's first page as ``case_list`` orders it, and the dashboard's overdue count."""
    month = today.replace(day=1) - dt.timedelta(days=1)
    month_from, month_to = month.replace(day=1), today.replace(day=1)
    year = today.year - 1
    columns = "id, number, status, created_at, due_date, point_id"
    return [
        (
            "list, first page, no date filter (what `GET /api/v1/cases/` asks)",
            f"SELECT {columns} FROM cases_case ORDER BY created_at DESC, id DESC LIMIT 50",
        ),
        (
            "list, first page of one town's cases",
            f"SELECT {columns} FROM cases_case WHERE region_id = (SELECT min(region_id) FROM cases_case_y{today.year}) "
            "ORDER BY created_at DESC, id DESC LIMIT 50",
        ),
        (
            "list, first page, last month",
            f"SELECT {columns} FROM cases_case WHERE created_at >= '{month_from}' AND created_at < '{month_to}' "
            "ORDER BY created_at DESC, id DESC LIMIT 50",
        ),
        (
            "count, last month",
            f"SELECT count(*) FROM cases_case WHERE created_at >= '{month_from}' AND created_at < '{month_to}'",
        ),
        (
            f"count delivered, {year}",
            f"SELECT count(*) FROM cases_case WHERE status = 'delivered' AND created_at >= '{year}-01-01 00:00+08' "
            f"AND created_at < '{year + 1}-01-01 00:00+08'",
        ),
        ("count delivered, all years", "SELECT count(*) FROM cases_case WHERE status = 'delivered'"),
        (
            "dashboard: overdue count (no date filter)",
            f"SELECT count(*) FROM cases_case WHERE status IN {RUNNING} AND due_date < '{today}'",
        ),
        (
            "dashboard: first 20 overdue",
            f"SELECT id, number, due_date FROM cases_case WHERE status IN {RUNNING} AND due_date < '{today}' "
            "ORDER BY due_date, id LIMIT 20",
        ),
        (
            "one case by id (every partition's key probed)",
            "SELECT number FROM cases_case WHERE id = (SELECT max(id) / 2 FROM cases_casekey)",
        ),
        (
            "one case by id and its year (one partition)",
            "SELECT number FROM cases_case WHERE id = (SELECT max(id) / 2 FROM cases_casekey) "
            f"AND created_at >= '{today.year - 2}-01-01 00:00+08' AND created_at < '{today.year - 1}-01-01 00:00+08'",
        ),
        (
            "one case by number (cases_casekey, then the partitions)",
            "SELECT c.id FROM cases_case c WHERE c.number = (SELECT number FROM cases_casekey "
            "WHERE id = (SELECT max(id) / 3 FROM cases_casekey))",
        ),
    ]


def _scanned(plan: dict[str, Any]) -> set[str]:
    """The partitions a plan read (relation names under nodes that ran: loops > 0)."""
    found: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        if node.get("Actual Loops", 1) > 0 and "Relation Name" in node:
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return {name for name in found if re.match(r"cases_case_(y\d{4}|default)$", name)}


def main() -> int:
    url = database_url_for(os.environ.get("BENCH_PARTITION_DATABASE") or f"{base_name()}_dash")
    if url is None:
        print("needs PostgreSQL (DATABASE_URL): skipped")
        return 0
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT relkind FROM pg_class WHERE relname = 'cases_case'").fetchone() != ("p",):
            print("cases_case is not partitioned here: run make bench-dash on this branch first")
            return 1
        conn.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        total = conn.execute("SELECT count(*) FROM cases_casekey").fetchone()[0]  # type: ignore[index]
        parts = conn.execute(
            "SELECT c.relname, c.reltuples::bigint, pg_relation_size(c.oid), pg_indexes_size(c.oid) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'cases_case'::regclass ORDER BY c.relname"
        ).fetchall()
        parts += conn.execute(
            "SELECT relname, reltuples::bigint, pg_relation_size(oid), pg_indexes_size(oid) FROM pg_class "
            "WHERE relname = 'cases_casekey'"
        ).fetchall()
        depth: dict[str, dict[str, int]] = {}
        for name, *_rest in parts:
            depth[name] = {}
            rows = conn.execute(
                "SELECT ic.relname, p.relname FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid "
                "LEFT JOIN pg_inherits h ON h.inhrelid = ic.oid LEFT JOIN pg_class p ON p.oid = h.inhparent "
                "WHERE x.indrelid = %s::regclass",
                [name],
            ).fetchall()
            for index, parent in rows:
                label = parent or index
                if label in INDEXES or name == "cases_casekey":
                    level = conn.execute("SELECT level FROM bt_metap(%s)", [index]).fetchone()[0]  # type: ignore[index]
                    depth[name][label] = int(level) + 1
        timings: list[dict[str, Any]] = []
        today = dt.date.today()
        for what, sql in queries(today):
            best: dict[str, Any] | None = None
            for _ in range(REPEAT):
                raw = conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql).fetchone()[0]  # type: ignore[index]
                plan = (raw if isinstance(raw, list) else json.loads(raw))[0]
                ms = float(plan["Execution Time"]) + float(plan["Planning Time"])
                if best is None or ms < best["ms"]:
                    top = plan["Plan"]
                    buffers = int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0))
                    best = {
                        "what": what,
                        "ms": round(ms, 3),
                        "buffers": buffers,
                        "partitions": sorted(_scanned(top)),
                    }
            assert best is not None
            timings.append(best)
            print(f"      {what:<60} {best['ms']:>9.3f} ms {best['buffers']:>8} buffers {best['partitions']}")

    lines = [
        f"postgresql, {total:,} cases in `cases_case` partitioned by year (decision 146), measured "
        f"{today:%Y-%m-%d} ({os.cpu_count()} cores shared with other work: times are noisy, buffers are not):",
        "",
        "| partition | rows | heap | indexes | B-tree levels: " + ", ".join(f"`{i}`" for i in INDEXES) + " |",
        "|---|---:|---:|---:|---|",
    ]
    for name, rows, heap, indexes in parts:
        levels = depth.get(name, {})
        shown = (
            " · ".join(f"{k.replace('cases_casekey_', '')} {v}" for k, v in sorted(levels.items()))
            if name == "cases_casekey"
            else " · ".join(str(levels.get(i, "–")) for i in INDEXES)
        )
        lines.append(
            f"| `{name}` | {max(rows, 0):,} | {heap / 2**20:,.0f} MB | {indexes / 2**20:,.0f} MB | {shown} |"
        )
    lines += [
        "",
        f"| query | partitions read | buffers (8 kB) | time, best of {REPEAT} |",
        "|---|---|---:|---:|",
    ]
    for row in timings:
        read = ", ".join(p.replace("cases_case_", "") for p in row["partitions"]) or "–"
        lines.append(f"| {row['what']} | {read} | {row['buffers']:,} | {row['ms']:.2f} ms |")
    record(
        "partitions:postgresql",
        lines,
        data={
            "cases": total,
            "partitions": [
                {"name": n, "rows": r, "heap_bytes": h, "index_bytes": i, "btree_levels": depth.get(n, {})}
                for n, r, h, i in parts
            ],
            "queries": timings,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
