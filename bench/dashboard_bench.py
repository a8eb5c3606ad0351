"""The dashboard (数据看板) over ten million cases in PostgreSQL.

The data live in a database of their own, ``<name>_dash`` beside the one ``DATABASE_URL`` names,
kept between runs and reused when it holds ``BENCH_DASH_CASES`` cases (default 10 000 000):

- the cases, made by the list benchmark's generator (three years of a county's work, accepted by the
  clerks of each point);
- ratings of about 70 % of the delivered cases (mostly 非常满意, some 差评), a rectification for
  every bad one, closed unless it is recent;
- 12345 tickets, about one for every 75 cases (桃江: 3 980 calls a year);
- the monthly rollups (``stats_monthlyfigure`` and the rating rollup) made from those rows in SQL —
  what the incremental sweep would have written had the cases gone through the services.

Then gunicorn (``serve.py``) answers the dashboard, its Excel export and the assessment for the
county, a town, a point and one clerk, over one month and over twelve, to 1 and 8 client threads
for ``BENCH_DASH_SECONDS`` each. ``make bench-dash-clean`` drops the database.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time

from list_bench import database_with_cases, tokens_for
from report import replace_section
from serve import (
    WORKERS,
    Measured,
    base_name,
    database_url_for,
    gunicorn,
    kept_database_env,
    measure_get,
    report_heading,
    request,
    temp_dir,
)

SIZE = int(os.environ.get("BENCH_DASH_CASES", "10000000"))
SECONDS = float(os.environ.get("BENCH_DASH_SECONDS", "5"))
CLIENTS = [int(n) for n in os.environ.get("BENCH_DASH_CLIENTS", "1,8").split(",")]

RATINGS_SQL = """
INSERT INTO ratings_rating (case_id, channel, score, dimensions, comment, created_at, point_id, staff_id,
                            excluded)
SELECT c.id, (ARRAY['sms', 'sms', 'web', 'kiosk', 'pad'])[1 + abs(hashint4(c.id::int + 29)) % 5],
       CASE WHEN d.dice < 800 THEN 5 WHEN d.dice < 920 THEN 4 WHEN d.dice < 970 THEN 3
            WHEN d.dice < 990 THEN 2 ELSE 1 END,
       '{}', '', c.delivered_at + interval '1 day', c.point_id, c.accepted_by_id, d.dice >= 998
FROM cases_case c
CROSS JOIN LATERAL (SELECT abs(hashint4(c.id::int + 23)) % 1000 AS dice) d
WHERE c.status = 'delivered' AND abs(hashint4(c.id::int + 31)) % 10 < 7
"""

RECTIFICATIONS_SQL = """
INSERT INTO ratings_rectification (rating_id, owner_id, status, due_date, callback_at, callback_by_id,
                                   callback_note, rater_satisfied, outcome, closed_at, created_at)
SELECT r.id, coalesce(r.staff_id, %(staff)s),
       CASE WHEN r.created_at < now() - interval '10 days' THEN 'closed' ELSE 'open' END,
       (r.created_at + interval '7 days')::date,
       CASE WHEN r.created_at < now() - interval '10 days' THEN r.created_at + interval '2 days' END,
       CASE WHEN r.created_at < now() - interval '10 days' THEN coalesce(r.staff_id, %(staff)s) END,
       '', NULL, '',
       CASE WHEN r.created_at < now() - interval '10 days' THEN r.created_at + interval '3 days' END,
       r.created_at
FROM ratings_rating r WHERE r.score <= 2
"""

TICKETS_SQL = """
INSERT INTO hotline_ticket (number, type, category_id, time_limit, status, channel, region_id, address, title,
                            content, caller_name, caller_phone, confidential, responsible_point_id,
                            assigned_point_id, created_by_id, created_at, due_at, dispatched_at, accepted_at,
                            reply, replied_at, closed_at, revisited_at, satisfaction, revisit_note,
                            row_version, updated_at, source)
SELECT 'B12345' || lpad(g::text, 10, '0'),
       (ARRAY['consult', 'consult', 'help', 'complaint', 'report', 'suggestion', 'praise'])
           [1 + abs(hashint4(g + 41)) %% 7],
       cat.id, cat.time_limit, s.status, 'phone', p.region_id, '', '诉求', '来电反映情况', '',
       '139' || lpad((g %% 100000000)::text, 8, '0'), false, p.id, p.id, %(staff)s, a.created,
       a.created + interval '7 days', a.created + interval '1 hour', a.created + interval '2 hours',
       CASE WHEN s.status IN ('closed', 'revisited') THEN '已答复' ELSE '' END,
       CASE WHEN s.status IN ('closed', 'revisited')
            THEN a.created + interval '1 hour' * (abs(hashint4(g + 43)) %% 200) END,
       CASE WHEN s.status IN ('closed', 'revisited') THEN a.created + interval '9 days' END,
       CASE WHEN s.status = 'revisited' THEN a.created + interval '10 days' END,
       CASE WHEN s.status = 'revisited' THEN
            (ARRAY['satisfied', 'satisfied', 'satisfied', 'basically_satisfied', 'unsatisfied'])
                [1 + abs(hashint4(g + 47)) %% 5] ELSE '' END,
       '', 1, a.created, '12345'
FROM generate_series(1, %(tickets)s) AS g
CROSS JOIN LATERAL (
    SELECT now() - interval '1095 days' * ((%(tickets)s - g)::float8 / %(tickets)s) AS created,
           (%(tickets)s - g)::float8 * 1095 / %(tickets)s AS age_days
) a
CROSS JOIN LATERAL (
    SELECT CASE WHEN a.age_days > 20 THEN
               CASE WHEN abs(hashint4(g + 53)) %% 10 < 8 THEN 'revisited' ELSE 'closed' END
           ELSE 'processing' END AS status
) s
JOIN LATERAL (SELECT id, time_limit FROM hotline_category WHERE parent_id IS NOT NULL
              ORDER BY id OFFSET abs(hashint4(g + 59)) %% %(categories)s LIMIT 1) cat ON true
JOIN LATERAL (SELECT id, region_id FROM org_servicepoint
              ORDER BY id OFFSET abs(hashint4(g + 61)) %% %(points)s LIMIT 1) p ON true
"""

# What the sweep (stats.services.rollup_advance) would have written for these cases: acceptance
# counted in the month accepted, completion in the month decided, by the accepting clerk.
FIGURES_SQL = """
INSERT INTO stats_monthlyfigure (key, month, point_id, region_code, window_id, staff_id, kind, accepted,
                                 completed, on_time, workdays_used, promised_days, statutory_days, visits,
                                 one_visit, agent_home, agent_submitted)
SELECT to_char(f.month, 'YYYYMM') || ':' || f.point_id || ':' || coalesce(s.window_id, 0) || ':'
           || coalesce(f.staff_id, 0) || ':' || f.kind,
       f.month, f.point_id, r.code, s.window_id, f.staff_id, f.kind,
       sum(f.accepted), sum(f.completed), sum(f.on_time), sum(f.workdays_used), sum(f.promised_days),
       sum(f.statutory_days), sum(f.visits), sum(f.one_visit), 0, sum(f.agent_submitted)
FROM (
    SELECT date_trunc('month', c.accepted_at AT TIME ZONE 'Asia/Shanghai')::date AS month, c.point_id,
           c.accepted_by_id AS staff_id, c.kind,
           1 AS accepted, 0 AS completed, 0 AS on_time, 0 AS workdays_used, 0 AS promised_days,
           0 AS statutory_days, 0 AS visits, 0 AS one_visit, (c.channel = 'agent')::int AS agent_submitted
    FROM cases_case c WHERE c.accepted_at IS NOT NULL
    UNION ALL
    SELECT date_trunc('month', c.decided_at AT TIME ZONE 'Asia/Shanghai')::date, c.point_id, c.accepted_by_id, c.kind,
           0, 1, (c.decided_at::date <= c.due_date)::int, 3, (v.snapshot->>'promised_days')::int,
           (v.snapshot->>'statutory_days')::int, (c.channel IN ('window', 'bank'))::int, 1, 0
    FROM cases_case c JOIN catalog_itemversion v ON v.id = c.item_version_id
    WHERE c.decided_at IS NOT NULL AND c.accepted_at IS NOT NULL AND c.status IN ('delivered', 'denied')
) f
JOIN org_servicepoint p ON p.id = f.point_id
JOIN org_region r ON r.id = p.region_id
LEFT JOIN org_staff s ON s.id = f.staff_id
GROUP BY f.month, f.point_id, r.code, s.window_id, f.staff_id, f.kind
"""


# A ticket for every case brought to a window (the hall's 取号 before the case), at one of the
# point's windows: mostly served, some no-shows and tickets left at closing time; seven in ten for
# 综合受理 (一窗受理), the rest for the one other category each window serves.
QUEUE_SQL = """
INSERT INTO queue_queueticket (point_id, day, category_id, sequence, number, source, priority, priority_reason,
                               phone, status, window_id, taken_at, queued_at, first_called_at, called_at,
                               recalls, finished_at, wait_seconds, service_seconds, served_by_id)
SELECT c.point_id, (c.created_at AT TIME ZONE 'Asia/Shanghai')::date,
       CASE WHEN abs(hashint4(c.id::int + 67)) % 10 < 7 THEN cat.ids[1] ELSE cat.ids[1 + t.window % 8] END,
       c.id % 1000000, 'A' || lpad((c.id % 1000000)::text, 6, '0'),
       (ARRAY['kiosk', 'kiosk', 'kiosk', 'clerk', 'appointment'])[1 + abs(hashint4(c.id::int + 71)) % 5],
       d.dice < 80, CASE WHEN d.dice < 80 THEN 'elderly' ELSE '' END, '', t.status,
       t.window,
       c.created_at - interval '1 second' * t.wait, c.created_at - interval '1 second' * t.wait,
       CASE WHEN t.status <> 'expired' THEN c.created_at END,
       CASE WHEN t.status <> 'expired' THEN c.created_at END, 0,
       c.created_at + interval '1 second' * t.service,
       CASE WHEN t.status <> 'expired' THEN t.wait END,
       CASE WHEN t.status = 'served' THEN t.service END,
       CASE WHEN t.status = 'served' THEN c.accepted_by_id END
FROM cases_case c
JOIN (SELECT point_id, array_agg(id ORDER BY id) AS ids FROM org_window GROUP BY point_id) w ON w.point_id = c.point_id
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM queue_servicecategory) cat
CROSS JOIN LATERAL (SELECT abs(hashint4(c.id::int + 79)) % 1000 AS dice) d
CROSS JOIN LATERAL (
    SELECT CASE WHEN d.dice < 900 THEN 'served' WHEN d.dice < 950 THEN 'no_show' ELSE 'expired' END AS status,
           abs(hashint4(c.id::int + 83)) % 1800 AS wait, 60 + abs(hashint4(c.id::int + 89)) % 840 AS service,
           w.ids[1 + abs(hashint4(c.id::int + 73)) % cardinality(w.ids)] AS window
) t
WHERE c.channel = 'window'
"""


# What the rating services would have kept (ratings.rollup.count) for these ratings.
SATISFACTION_SQL = """
INSERT INTO ratings_monthlysatisfaction (key, month, point_id, region_code, staff_id, ratings, score_sum, score_1,
                                         score_2, score_3, score_4, score_5, rectified)
SELECT to_char(m.month, 'YYYYMM') || ':' || m.point_id || ':' || coalesce(m.staff_id, 0), m.month, m.point_id,
       reg.code, m.staff_id, count(*), sum(m.score), count(*) FILTER (WHERE m.score = 1),
       count(*) FILTER (WHERE m.score = 2), count(*) FILTER (WHERE m.score = 3),
       count(*) FILTER (WHERE m.score = 4), count(*) FILTER (WHERE m.score = 5),
       count(*) FILTER (WHERE m.closed)
FROM (
    SELECT date_trunc('month', r.created_at AT TIME ZONE 'Asia/Shanghai')::date AS month, r.point_id, r.staff_id,
           r.score, coalesce(x.status = 'closed', false) AS closed
    FROM ratings_rating r LEFT JOIN ratings_rectification x ON x.rating_id = r.id
    WHERE NOT r.excluded
) m
JOIN org_servicepoint p ON p.id = m.point_id
JOIN org_region reg ON reg.id = p.region_id
GROUP BY m.month, m.point_id, reg.code, m.staff_id
"""


def step(conn: object, label: str, sql: str, params: dict[str, object] | None = None) -> None:
    start = time.monotonic()
    print(f"      {label} …", end="", flush=True)
    rows = conn.execute(sql, params).rowcount  # type: ignore[attr-defined]
    print(f" {rows:,} rows, {time.monotonic() - start:.0f} s", flush=True)


def derive(url: str, staff_id: int) -> None:
    """Ratings, rectifications, tickets and rollups from the generated cases."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE ratings_rectification, ratings_appeal, ratings_rating, ratings_monthlysatisfaction, "
            "hotline_ticket, stats_monthlyfigure, queue_queueticket, queue_queuemonthfigure, queue_queuerollupstate "
            "RESTART IDENTITY CASCADE"
        )
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET work_mem = '256MB'")
        step(conn, "ratings", RATINGS_SQL)
        step(conn, "rectifications", RECTIFICATIONS_SQL, {"staff": staff_id})
        categories = conn.execute(
            "SELECT count(*) FROM hotline_category WHERE parent_id IS NOT NULL"
        ).fetchone()[0]  # type: ignore[index]
        points = conn.execute("SELECT count(*) FROM org_servicepoint").fetchone()[0]  # type: ignore[index]
        step(
            conn,
            "12345 tickets",
            TICKETS_SQL,
            {"staff": staff_id, "tickets": max(1, SIZE // 75), "categories": categories, "points": points},
        )
        step(conn, "monthly figures", FIGURES_SQL)
        step(conn, "monthly satisfaction", SATISFACTION_SQL)
        step(conn, "queue tickets", QUEUE_SQL)
        conn.execute("SET session_replication_role = DEFAULT")
        print("      VACUUM ANALYZE", flush=True)
        for table in (
            "ratings_rating",
            "ratings_rectification",
            "ratings_monthlysatisfaction",
            "hotline_ticket",
            "stats_monthlyfigure",
            "queue_queueticket",
        ):
            conn.execute(f"VACUUM ANALYZE {table}")


def prepare(env: dict[str, str], url: str) -> dict[str, str]:
    staff_id, fresh = database_with_cases(env, url, SIZE)
    from django.db import connection

    from yichuang.queue.models import QueueMonthFigure
    from yichuang.queue.rollup import queue_rollup
    from yichuang.ratings.models import Rating

    if fresh or not Rating.objects.exists():
        connection.close()
        derive(url, staff_id)
    if not QueueMonthFigure.objects.exists():
        start = time.monotonic()
        rows = queue_rollup()
        print(
            f"      queue month figures (queue.rollup.queue_rollup) … {rows:,} rows, "
            f"{time.monotonic() - start:.0f} s",
            flush=True,
        )
    return tokens_for("town1", "admin")


def month(offset: int) -> str:
    today = dt.date.today().replace(day=1)
    index = today.year * 12 + today.month - 1 + offset
    return f"{index // 12}-{index % 12 + 1:02d}"


def queries() -> list[tuple[str, str, str]]:
    """(who, path, what it stands for)"""
    this, last, year_ago = month(0), month(-1), month(-12)
    town = "411502100000"
    return [
        ("admin", f"/api/v1/stats/dashboard/?from={last}", "county, last month"),
        ("admin", f"/api/v1/stats/dashboard/?from={year_ago}&to={this}", "county, 13 months"),
        ("admin", f"/api/v1/stats/dashboard/?from={last}&region={town}", "a town, last month"),
        ("admin", f"/api/v1/stats/dashboard/?from={year_ago}&to={this}&region={town}", "a town, 13 months"),
        ("town1", f"/api/v1/stats/dashboard/?from={last}&point=411502100-BMZX", "a town center, last month"),
        ("town1", f"/api/v1/stats/dashboard/?from={year_ago}&to={this}&staff=town1", "one clerk, 13 months"),
        (
            "admin",
            f"/api/v1/stats/dashboard/export/?from={year_ago}&to={this}",
            "Excel export, county, 13 months",
        ),
        ("admin", f"/api/v1/stats/assessment/?from={last}", "assessment of the towns, last month"),
    ]


def main() -> int:
    url = database_url_for(f"{base_name()}_dash")
    if url is None:
        print("The dashboard benchmark needs PostgreSQL (DATABASE_URL): skipped")
        return 0
    data_dir = temp_dir("yichuang-dash-bench-")
    env = kept_database_env(url, data_dir)
    tokens = prepare(env, url)
    results: list[tuple[str, Measured]] = []
    print(f"[2/3] gunicorn, {WORKERS} sync workers; {SECONDS:.0f} s per row", flush=True)
    with gunicorn(env) as server:
        for who, path, label in queries():
            status, body = request(server.address, "GET", path, token=tokens[who], raw=True)
            if status != 200:
                raise RuntimeError(f"{label}: {status} {body!r}"[:500])
            for clients in CLIENTS:
                measured = measure_get(
                    server, url, path, token=tokens[who], clients=clients, seconds=SECONDS, kind="dash"
                )
                results.append((label, measured))
                print(f"      {label:<38} {clients:>2} clients: {measured.line('dash')}", flush=True)
    shutil.rmtree(data_dir, ignore_errors=True)
    print("[3/3] report", flush=True)
    lines = [
        report_heading(f"{SIZE:,} cases", SECONDS),
        "",
        "| what | server CPU per request | "
        + " | ".join(f"{c} client{'s' * (c > 1)}" for c in CLIENTS)
        + " |",
        "|---|---:|" + "---|" * len(CLIENTS),
    ]
    for _who, _path, label in queries():
        rows = [m for name, m in results if name == label]
        lines.append(
            f"| {label} | {rows[0].cpu_ms:.1f} ms | "
            + " | ".join(m.timings.summary("dash") for m in rows)
            + " |"
        )
    replace_section("dashboard:postgresql", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
