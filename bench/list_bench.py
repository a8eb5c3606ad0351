"""The case list with a million cases in PostgreSQL, at 1 and 16 concurrent clients.

The cases live in a database of their own, ``<name>_list`` beside the one ``DATABASE_URL`` names
(the tests and the other benchmarks never see them). It is kept between runs and reused when it
holds ``BENCH_LIST_CASES`` cases (default 1 000 000); otherwise they are generated again in SQL
(``INSERT … SELECT`` over ``generate_series``, in chunks with a progress line): three years of a
county's work spread over the points and the items they offer (town centers and the county hall
busier than village stations), handled by the unit the delegation rules would pick, numbers and
dates rising with the id; cases of the last 60 days are mostly open (some overdue), older ones
mostly delivered. Only the case rows are generated (the list reads nothing else).

Then gunicorn (``serve.py``) answers ``GET /api/v1/cases/`` — the first page (50 cases), and the
filters a town clerk and a reviewer use (status, point, overdue) — to 1 and 16 client threads for
``BENCH_LIST_SECONDS`` each. ``make bench-list-clean`` drops the database.
"""

from __future__ import annotations

import os
import shutil
import sys
from urllib.parse import urlsplit

from results import record
from serve import (
    WORKERS,
    Measured,
    base_name,
    database_url_for,
    gunicorn,
    kept_database_env,
    manage,
    measure_get,
    pct,
    pg_database_exists,
    pg_drop,
    report_heading,
    request,
    temp_dir,
)
from tqdm import tqdm

SIZE = int(os.environ.get("BENCH_LIST_CASES", "1000000"))
SECONDS = float(os.environ.get("BENCH_LIST_SECONDS", "5"))
CLIENTS = [int(n) for n in os.environ.get("BENCH_LIST_CLIENTS", "1,16").split(",")]
CHUNK = 50_000

OFFERS_SQL = """
DROP TABLE IF EXISTS bench_offers;
CREATE UNLOGGED TABLE bench_offers AS
WITH version AS (
    SELECT DISTINCT ON (item_id) item_id, id, snapshot->>'kind' AS kind,
           (snapshot->>'promised_days')::int AS promised, (snapshot->>'statutory_days')::int AS statutory
    FROM catalog_itemversion ORDER BY item_id, number DESC
), offer AS (
    SELECT p.id AS point_id, p.region_id, i.id AS item_id, v.id AS version_id, v.kind,
           v.promised, v.statutory,
           CASE WHEN i.exercise_level IN ('town', 'village') AND c.id IS NOT NULL THEN c.id
                ELSE i.department_id END AS department_id,
           CASE WHEN i.exercise_level IN ('town', 'village') AND c.id IS NOT NULL THEN 'own'
                ELSE 'county' END AS mode,
           CASE p.kind WHEN 'county_hall' THEN 12 WHEN 'town_center' THEN 8 WHEN 'bank_outlet' THEN 2
                ELSE 1 END AS weight,
           (SELECT array_agg(s.id ORDER BY s.id) FROM org_staff s
             WHERE s.point_id = p.id AND s.role IN ('window_clerk', 'bank_clerk', 'village_agent')) AS staff_ids
    FROM catalog_pointitem o
    JOIN org_servicepoint p ON p.id = o.point_id
    JOIN catalog_serviceitem i ON i.id = o.item_id
    JOIN version v ON v.item_id = i.id
    JOIN org_region r ON r.id = p.region_id
    LEFT JOIN org_department c ON c.kind = 'town_approval_center'
         AND c.region_id = CASE WHEN r.level = 'village' THEN r.parent_id ELSE r.id END
    WHERE o.active AND i.status = 'published'
)
SELECT row_number() OVER (ORDER BY point_id, item_id, g) AS rn, offer.*
FROM offer, generate_series(1, offer.weight) AS g;
"""

# %(size)s cases in all; this statement makes those with ids lo..hi. hashint4 gives each row
# stable "random" choices; the age falls from three years (id 1) to now (id = size).
CASES_SQL = """
INSERT INTO cases_case (
    number, item_id, item_version_id, kind, status, channel, point_id, region_id,
    handling_department_id, handling_mode, applicant_kind, applicant_name, applicant_id_number,
    applicant_phone, created_by_id, created_at, accepted_at, accepted_by_id, due_date,
    statutory_due_date, suspended_days, extended_days, decided_at, decision_reason, delivered_at,
    delivery_method, tracking_number, recipient_name, row_version, updated_at, audit_count, audit_head)
SELECT
    'B' || lpad(g::text, 11, '0'), o.item_id, o.version_id, o.kind, s.status,
    (ARRAY['window', 'window', 'window', 'agent', 'online', 'bank'])[1 + abs(hashint4(g + 7)) %% 6],
    o.point_id, o.region_id, o.department_id, o.mode, 'person',
    (ARRAY['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴'])[1 + abs(hashint4(g + 11)) %% 10]
      || (ARRAY['建华', '秀英', '伟', '芳', '军', '丽', '强', '敏', '桂兰', '志刚'])[1 + abs(hashint4(g + 13)) %% 10],
    (%(id_numbers)s::text[])[1 + g %% %(distinct)s], (%(phones)s::text[])[1 + g %% %(distinct)s],
    %(staff)s, a.created, acc.accepted, CASE WHEN acc.accepted IS NULL THEN NULL ELSE coalesce(
        o.staff_ids[1 + abs(hashint4(g + 17)) %% greatest(1, cardinality(o.staff_ids))], %(staff)s) END,
    acc.accepted::date + ceil(o.promised * 1.4)::int, acc.accepted::date + ceil(o.statutory * 1.4)::int,
    0, 0,
    CASE WHEN s.status IN ('approved', 'denied', 'delivered', 'refused') THEN a.created + interval '3 days' END,
    CASE WHEN s.status IN ('denied', 'refused') THEN '不符合条件' ELSE '' END,
    CASE WHEN s.status = 'delivered' THEN a.created + interval '5 days' END,
    CASE WHEN s.status = 'delivered' THEN 'pickup' ELSE '' END, '', '', 1, a.created, 0, ''
FROM generate_series(%(lo)s::int, %(hi)s::int) AS g
JOIN bench_offers o ON o.rn = 1 + abs(hashint4(g)) %% %(offers)s
CROSS JOIN LATERAL (
    SELECT now() - interval '1095 days' * ((%(size)s - g)::float8 / %(size)s)
                 - interval '1 minute' * (abs(hashint4(g + 3)) %% 600) AS created,
           abs(hashint4(g + 5)) %% 1000 AS dice,
           (%(size)s - g)::float8 * 1095 / %(size)s AS age_days
) a
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN a.age_days > 60 THEN CASE
            WHEN a.dice < 900 THEN 'delivered' WHEN a.dice < 920 THEN 'denied'
            WHEN a.dice < 940 THEN 'refused' WHEN a.dice < 960 THEN 'withdrawn' ELSE 'approved' END
        ELSE CASE
            WHEN a.dice < 50 THEN 'submitted' WHEN a.dice < 100 THEN 'needs_supplement'
            WHEN a.dice < 300 THEN 'accepted' WHEN a.dice < 550 THEN 'in_review'
            WHEN a.dice < 600 THEN 'suspended' WHEN a.dice < 750 THEN 'approved' ELSE 'delivered' END
        END AS status
) s
CROSS JOIN LATERAL (
    SELECT CASE WHEN s.status IN ('submitted', 'needs_supplement', 'refused', 'withdrawn') THEN NULL
                ELSE a.created + interval '10 minutes' END AS accepted
) acc
"""


def sealed_applicants(distinct: int = 1000) -> dict[str, object]:
    """ID numbers and phones are sealed at rest (SM4 in Python, not in SQL): ``distinct`` of each,
    sealed once here with the benchmark's keys and picked by the generator per case."""
    from yichuang.pii.cipher import seal

    return {
        "distinct": distinct,
        "id_numbers": [
            seal(f"41150219800101{n:03d}X", context="cases.Case.applicant_id_number") for n in range(distinct)
        ],
        "phones": [seal(f"138{n:08d}", context="cases.Case.applicant_phone") for n in range(distinct)],
    }


def generate(url: str, staff_id: int, size: int = SIZE) -> None:
    """``size`` cases, accepted by the clerks of their point (``staff_id`` where a point has none).
    A failure drops the database: its indexes are dropped while loading, so the next run starts over."""
    try:
        _generate(url, staff_id, size)
    except BaseException:
        pg_drop(url)
        raise


def _generate(url: str, staff_id: int, size: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        # On the partitioned schema (decision 146) the foreign keys to a case point at cases_casekey:
        # truncating it with CASCADE empties what refers to a case, as truncating cases_case did.
        keyed = conn.execute("SELECT to_regclass('cases_casekey') IS NOT NULL").fetchone()[0]  # type: ignore[index]
        conn.execute(
            f"TRUNCATE {'cases_casekey, ' if keyed else ''}cases_case, cases_casematerial, cases_caseevent "
            "RESTART IDENTITY CASCADE"
        )
        # The generated years (three back from now) get partitions of their own before the rows come.
        partitions_for_generated_years()
        conn.execute(OFFERS_SQL)
        offers = conn.execute("SELECT count(*) FROM bench_offers").fetchone()[0]  # type: ignore[index]
        # Loading is several times faster without the secondary indexes; they are made again after.
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'cases_case' AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ).fetchall()
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        # The rows are valid by construction (every id comes from the tables): skip the seven
        # foreign-key checks per row while loading (superuser only; the benchmark's own database).
        conn.execute("SET session_replication_role = replica")
        bar = tqdm(total=size, desc="      cases", unit="", unit_scale=True, file=sys.stderr)
        sealed = sealed_applicants()
        for lo in range(1, size + 1, CHUNK):
            hi = min(size, lo + CHUNK - 1)
            conn.execute(
                CASES_SQL,
                {"lo": lo, "hi": hi, "size": size, "offers": offers, "staff": staff_id, **sealed},
            )
            bar.update(hi - lo + 1)
        bar.close()
        conn.execute("SET session_replication_role = DEFAULT")
        conn.execute("DROP TABLE bench_offers")
        if keyed:
            # Its triggers were off while loading (replica role): the ids and numbers in one go.
            print("      cases_casekey", flush=True)
            conn.execute("INSERT INTO cases_casekey (id, number) SELECT id, number FROM cases_case")
        print(f"      {len(indexes)} indexes", flush=True)
        conn.execute("SET maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            # A partitioned table's index reads "ON ONLY" (decision 146): made so, it would stay an
            # empty, invalid parent; made without ONLY it is built on every partition.
            conn.execute(definition.replace(" ON ONLY ", " ON ", 1))
        print("      VACUUM ANALYZE", flush=True)
        conn.execute("VACUUM ANALYZE cases_case")
        if keyed:
            conn.execute("VACUUM ANALYZE cases_casekey")


def partitions_for_generated_years() -> None:
    """On the partitioned schema, a partition for each year the generator spans (and the next)."""
    import datetime as dt

    from django.db import connection

    from yichuang.common.partitions import partitions_create

    year = dt.date.today().year
    created = partitions_create(range(year - 3, year + 2))
    connection.close()
    if created:
        print(f"      partitions: {', '.join(created)}", flush=True)


def database_with_cases(env: dict[str, str], url: str, size: int) -> tuple[int, bool]:
    """The benchmark's own database at ``url``, migrated, with the demo county and ``size``
    generated cases (reused when they are there). Sets Django up in this process; returns the
    demo clerk's id and whether the cases were generated now."""
    print(f"[1/3] database {urlsplit(url).path.lstrip('/')}: migrate, demo county", flush=True)
    if not pg_database_exists(url):
        import psycopg

        name = urlsplit(url).path.lstrip("/")
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    manage(env, "migrate", "--no-input")
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from yichuang.cases.models import Case
    from yichuang.org.models import Staff

    if not Staff.objects.filter(username="town1").exists():
        manage(env, "loaddemo")
    staff_id = Staff.objects.get(username="town1").pk
    have = Case.objects.count()
    if have == size and Case.objects.filter(number__startswith="B").count() == size:
        print(f"      {have:,} cases already there: reused", flush=True)
        return staff_id, False
    print(f"      generating {size:,} cases (there were {have:,})", flush=True)
    connection.close()
    generate(url, staff_id, size)
    return staff_id, True


def tokens_for(*usernames: str) -> dict[str, str]:
    from django.db import connection

    from yichuang.org.models import Staff
    from yichuang.org.tokens import token_issue

    tokens = {name: token_issue(user=Staff.objects.get(username=name))[1] for name in usernames}
    connection.close()
    return tokens


def prepare(env: dict[str, str], url: str) -> dict[str, str]:
    database_with_cases(env, url, SIZE)
    return tokens_for("town1", "town1_review", "county_review", "hall1", "admin")


#: (who, query string, what it stands for)
QUERIES = [
    ("admin", "", "admin: everything, first page"),
    ("hall1", "", "county hall clerk: the county, first page"),
    ("town1", "", "town clerk: his town, first page"),
    ("town1", "?status=accepted", "town clerk: accepted"),
    ("town1", "?point=411502100-BMZX", "town clerk: his center"),
    ("town1", "?overdue=true", "town clerk: overdue"),
    ("town1_review", "", "town reviewer: his center's cases"),
    ("town1_review", "?status=in_review", "town reviewer: in review"),
    ("town1_review", "?overdue=true", "town reviewer: overdue"),
    ("county_review", "?status=in_review", "county bureau reviewer: in review"),
]


def main() -> int:
    # BENCH_LIST_DATABASE lists the cases of another benchmark's database (the dashboard's ten
    # million: BENCH_LIST_DATABASE=<name>_dash BENCH_LIST_CASES=10000000), in a section of its own.
    url = database_url_for(os.environ.get("BENCH_LIST_DATABASE") or f"{base_name()}_list")
    if url is None:
        print("The list benchmark needs PostgreSQL (DATABASE_URL): skipped")
        return 0
    data_dir = temp_dir("yichuang-list-bench-")
    env = kept_database_env(url, data_dir)
    tokens = prepare(env, url)
    results: list[tuple[str, int, Measured]] = []
    print(f"[2/3] gunicorn, {WORKERS} sync workers; {SECONDS:.0f} s per row", flush=True)
    with gunicorn(env) as server:
        for who, query, label in QUERIES:
            status, page = request(server.address, "GET", f"/api/v1/cases/{query}", token=tokens[who])
            if status != 200:
                raise RuntimeError(f"{label}: {status} {page}")
            count = int(page["count"])
            for clients in CLIENTS:
                measured = measure_get(
                    server,
                    url,
                    f"/api/v1/cases/{query}",
                    token=tokens[who],
                    clients=clients,
                    seconds=SECONDS,
                    kind="list",
                )
                results.append((label, count, measured))
                print(
                    f"      {label:<38} count {count:>9,}  {clients:>2} clients: {measured.line('list')}",
                    flush=True,
                )
    shutil.rmtree(data_dir, ignore_errors=True)
    print("[3/3] report", flush=True)
    lines = [
        report_heading(f"{SIZE:,} cases", SECONDS),
        "",
        "| who and what | count shown | server CPU per request | "
        + " | ".join(f"{c} client{'s' * (c > 1)}" for c in CLIENTS)
        + " |",
        "|---|---:|---:|" + "---|" * len(CLIENTS),
    ]
    for _who, query, label in QUERIES:
        rows = [(count, m) for name, count, m in results if name == label]
        lines.append(
            f"| {label} (`{query or '/'}`) | {rows[0][0]:,} | {rows[0][1].cpu_ms:.1f} ms | "
            + " | ".join(m.timings.summary("list") for _count, m in rows)
            + " |"
        )
    worst_cpu = max(m.cpu_ms for _label, _count, m in results)
    p95_16 = [pct(m.timings.by_kind["list"], 0.95) for _l, _c, m in results if m.clients == 16]
    lines += [
        "",
        f"Against the targets (issue 12): server CPU per request at worst {worst_cpu:.1f} ms (target ≤ 5 ms)"
        + (f"; p95 at 16 clients at worst {max(p95_16):.0f} ms (target ≤ 50 ms)." if p95_16 else "."),
    ]
    print(lines[-1], flush=True)
    record(
        "cases-list:postgresql" if SIZE <= 1_000_000 else f"cases-list:postgresql:{SIZE // 1_000_000}m",
        lines,
        data={
            "cases": SIZE,
            "seconds_per_row": SECONDS,
            "clients": CLIENTS,
            "gunicorn_workers": WORKERS,
            "queries": [
                {
                    "label": label,
                    "query": query,
                    "user": who,
                    "count": rows[0][0],
                    # The target reads the dearest request at any concurrency.
                    "cpu_ms": round(max(m.cpu_ms for _c, m in rows), 2),
                    "cpu_ms_by_clients": {str(m.clients): round(m.cpu_ms, 2) for _c, m in rows},
                    "app_db_ms_by_clients": {
                        str(m.clients): [round(m.app_ms, 2), round(m.db_ms, 2)] for _c, m in rows
                    },
                    "per_s": {str(m.clients): round(m.per_second, 1) for _c, m in rows},
                    "p50_ms": {
                        str(m.clients): round(pct(m.timings.by_kind["list"], 0.5), 1) for _c, m in rows
                    },
                    "p95_ms": {
                        str(m.clients): round(pct(m.timings.by_kind["list"], 0.95), 1) for _c, m in rows
                    },
                }
                for who, query, label in QUERIES
                for rows in [[(count, m) for name, count, m in results if name == label]]
            ],
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
