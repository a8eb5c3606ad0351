"""Queries, commits and server-side Python per request of a case lifecycle, in-process.

Runs create(+accept) → review → approve → deliver, then the list and the detail, through the Django
test client with real Bearer tokens (as clients send them), on the database ``DATABASE_URL`` names
(a throw-away test database next to it) or on SQLite. For each request it counts the SQL statements,
the commits (every transaction the request's thread opens, documents included when they are rendered
in it) and the CPU time of the request's thread (``time.thread_time``: unlike wall time it does not
count the waits for the database or for other programs on a shared machine, nor the background SMS
sender). With ``--profile`` it also runs
cProfile over the lifecycles and prints where the time goes, by function and by package.

    DATABASE_URL=postgres://…/h_x .venv/bin/python bench/lifecycle_profile.py [--n 30] [--profile]

``DOCUMENTS_RENDER_AFTER_COMMIT=false`` leaves the documents unrendered (made on first download):
the figures then are the action's own cost. Where documents are rendered after commit by a thread of
their own, its CPU is not the request thread's and is not counted here.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yichuang.settings")
os.environ.setdefault("YICHUANG_ENV", "test")
if not os.environ.get("DATABASE_URL") and not os.environ.get("YICHUANG_DATA_DIR"):
    os.environ["YICHUANG_DATA_DIR"] = tempfile.mkdtemp(prefix="yichuang-profile-")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.backends.base.base import BaseDatabaseWrapper  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from yichuang.files.samples import BLANK_PDF  # noqa: E402

PDF = BLANK_PDF


class Counter:
    """SQL statements and commits while a block runs."""

    def __init__(self) -> None:
        self.queries = 0
        self.commits = 0
        self.statements: list[str] = []
        self._commit = BaseDatabaseWrapper.commit

    def __enter__(self) -> Counter:
        counter = self
        original = self._commit

        me = threading.get_ident()

        def commit(wrapper: BaseDatabaseWrapper) -> None:
            if threading.get_ident() == me:  # not the background SMS sender's
                counter.commits += 1
            original(wrapper)

        BaseDatabaseWrapper.commit = commit  # type: ignore[method-assign]
        self._wrapper = connection.execute_wrapper(self._count)
        self._wrapper.__enter__()
        return self

    def _count(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries += 1
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def __exit__(self, *exc: Any) -> None:
        self._wrapper.__exit__(*exc)
        BaseDatabaseWrapper.commit = self._commit  # type: ignore[method-assign]


def lifecycle_requests() -> list[tuple[str, Callable[[], Any]]]:
    """The requests of one lifecycle, in order (each checks its answer)."""
    from rest_framework.test import APIClient

    from yichuang.catalog.models import ServiceItem
    from yichuang.common.identity import resident_id_check_char
    from yichuang.files.services import file_store
    from yichuang.org.models import ServicePoint, Staff
    from yichuang.org.tokens import token_issue

    clerk = Staff.objects.get(username="town1")
    reviewer = Staff.objects.get(username="town1_review")
    point = ServicePoint.objects.get(code=clerk.point.code)
    item = (
        ServiceItem.objects.filter(offers__point=point, status="published", promised_days__gt=0)
        .filter(exercise_level="town")
        .order_by("code")
        .first()
    )
    assert item is not None
    first17 = "41150219800101123"
    requirements = [m for m in item.materials.all() if m.required]
    tolerated = [m.code for m in requirements if m.tolerable]
    committed = [m.code for m in requirements if m.commitment_allowed and not m.tolerable]
    plain = [m.code for m in requirements if not m.tolerable and not m.commitment_allowed]
    from django.core.files.uploadedfile import SimpleUploadedFile

    scan = file_store(upload=SimpleUploadedFile("scan.pdf", PDF), actor=clerk)

    def client(user: Any) -> APIClient:
        made = APIClient()
        made.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)[1]}")
        return made

    as_clerk, as_reviewer = client(clerk), client(reviewer)
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
        "materials": [{"requirement": code, "files": [str(scan.pk)]} for code in plain],
        "tolerated": tolerated,
        "commitments": committed,
    }
    state: dict[str, str] = {}

    def create() -> None:
        answer = as_clerk.post("/api/v1/cases/", body, format="json")
        assert answer.status_code == 201, answer.content
        assert answer.json()["status"] == "accepted"
        state["number"] = answer.json()["number"]

    def act(who: APIClient, action: str, extra: dict[str, Any]) -> Callable[[], None]:
        def run() -> None:
            answer = who.post(f"/api/v1/cases/{state['number']}/actions/{action}/", extra, format="json")
            assert answer.status_code == 200, answer.content

        return run

    def listing() -> None:
        assert as_clerk.get("/api/v1/cases/").status_code == 200

    def detail() -> None:
        assert as_clerk.get(f"/api/v1/cases/{state['number']}/").status_code == 200

    return [
        ("create+accept", create),
        ("review", act(as_reviewer, "review", {})),
        ("approve", act(as_reviewer, "approve", {"override_reason": "申请人急需，容缺材料承诺于期限内补齐"})),
        ("deliver", act(as_clerk, "deliver", {"method": "pickup", "recipient_name": "李金文"})),
        ("list", listing),
        ("detail", detail),
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30, help="lifecycles measured (after 3 to warm up)")
    parser.add_argument("--profile", action="store_true", help="cProfile the lifecycles too")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print the statements of one lifecycle")
    parser.add_argument(
        "--worker",
        action="store_true",
        help="the signing side instead: the documents of N lifecycles signed as a Celery worker does",
    )
    args = parser.parse_args()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from django.core.management import call_command

        call_command("loaddemo", verbosity=0)
        if args.worker:
            run_worker(engine, args)
        else:
            run(engine, args)
    finally:
        from yichuang.documents.signer import background_signer
        from yichuang.notify.sender import background_sender

        background_sender.flush(timeout=30, close_connection=True)
        background_signer.flush(timeout=30, close_connection=True)
        connection.close()
        teardown_databases(old, verbosity=0)
    return 0


def run(engine: str, args: argparse.Namespace) -> None:
    requests = lifecycle_requests()
    for _ in range(3):  # caches, compiled calendars, the first token lookups
        for _name, request in requests:
            request()
    if args.sql:
        for name, request in requests:
            with Counter() as counted:
                request()
            print(f"-- {name}: {counted.queries} statements, {counted.commits} commits")
            for sql in counted.statements:
                print("   ", sql[:160])
    queries: dict[str, list[int]] = defaultdict(list)
    commits: dict[str, list[int]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.n):
        for name, request in requests:
            with Counter() as counted:
                t0 = time.thread_time()
                request()
                cpu[name].append((time.thread_time() - t0) * 1000)
            queries[name].append(counted.queries)
            commits[name].append(counted.commits)
    render = getattr(settings, "DOCUMENTS_RENDER_AFTER_COMMIT", True)
    print(f"{engine}, {args.n} lifecycles, DOCUMENTS_RENDER_AFTER_COMMIT={render}")
    print(f"{'request':<16}{'queries':>9}{'commits':>9}{'CPU ms p50':>12}{'CPU ms min':>12}")
    lifecycle = ("create+accept", "review", "approve", "deliver")
    for name, _request in requests:
        print(
            f"{name:<16}{statistics.median(queries[name]):>9.0f}{statistics.median(commits[name]):>9.0f}"
            f"{statistics.median(cpu[name]):>12.2f}{min(cpu[name]):>12.2f}"
        )
    print(
        f"{'lifecycle':<16}{sum(statistics.median(queries[n]) for n in lifecycle):>9.0f}"
        f"{sum(statistics.median(commits[n]) for n in lifecycle):>9.0f}"
        f"{sum(statistics.median(cpu[n]) for n in lifecycle):>12.2f}"
        f"{sum(min(cpu[n]) for n in lifecycle):>12.2f}"
    )
    if not args.profile:
        return
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    for _ in range(args.n):
        for _name, request in requests[:4]:
            request()
    profiler.disable()
    _print_profile(profiler, args)


def run_worker(engine: str, args: argparse.Namespace) -> None:
    """The documents' side: N lifecycles with the signing held back, then their documents signed the
    way the Celery worker does (the task a lifecycle's actions queue, run in this thread), counting the
    statements, commits and CPU per document, and with ``--profile`` where that CPU goes."""
    from yichuang.documents.models import Document, DocumentStatus

    requests = lifecycle_requests()[:4]
    scheduled: list[list[str]] = []  # what each action's commit hands to the signer, in order

    def hold(ids: Any) -> None:
        scheduled.append([str(i) for i in ids])

    import yichuang.documents.services as services

    real_schedule = services.schedule_signing
    services.schedule_signing = hold  # type: ignore[assignment]
    try:
        for _ in range(3 + args.n):
            for _name, request in requests:
                request()
    finally:
        services.schedule_signing = real_schedule  # type: ignore[assignment]
    warm, measured = scheduled[: 3 * len(requests)], scheduled[3 * len(requests) :]
    sign = _worker_signing()
    for batch in warm:
        sign(batch)
    documents = sum(len(batch) for batch in measured)
    import yichuang.documents.render as render

    real_render, rendering = render.render_document, [0.0]

    def timed_render(**kwargs: Any) -> bytes:
        t0 = time.thread_time()
        try:
            return real_render(**kwargs)
        finally:
            rendering[0] += time.thread_time() - t0

    render.render_document = timed_render  # type: ignore[assignment]
    try:
        with Counter() as counted:
            t0 = time.thread_time()
            for batch in measured:
                sign(batch)
            cpu = (time.thread_time() - t0) * 1000
    finally:
        render.render_document = real_render  # type: ignore[assignment]
    left = Document.objects.filter(status=DocumentStatus.PENDING).count()
    assert left == 0, f"{left} documents left pending"
    print(f"{engine}, {args.n} lifecycles, {documents} documents in {len(measured)} batches")
    print(
        f"per document: {cpu / documents:.2f} ms CPU, {counted.queries / documents:.1f} statements, "
        f"{counted.commits / documents:.2f} commits; per lifecycle {cpu / args.n:.1f} ms; of which "
        f"rendering the PDFs {rendering[0] * 1000 / documents:.2f} ms per document"
    )
    if not args.profile:
        return
    # Again, profiled: fresh documents (the measured ones are signed now).
    scheduled.clear()
    services.schedule_signing = hold  # type: ignore[assignment]
    try:
        for _ in range(args.n):
            for _name, request in requests:
                request()
    finally:
        services.schedule_signing = real_schedule  # type: ignore[assignment]
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    for batch in scheduled:
        sign(batch)
    profiler.disable()
    _print_profile(profiler, args)


def _worker_signing() -> Callable[[list[str]], None]:
    """What a Celery worker runs for the ids one commit hands over (the task's body, in this thread)."""
    import inspect

    from yichuang.documents.tasks import sign_document_task

    if "list" in str(inspect.signature(sign_document_task.run)):  # one task per commit (decision 149)
        return lambda ids: sign_document_task.run(ids) and None
    return lambda ids: [sign_document_task.run(i) for i in ids] and None  # one task per document


def _print_profile(profiler: cProfile.Profile, args: argparse.Namespace) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())
    by_package: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, _func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tottime
        by_package[_package(filename)] += tottime
    print(f"self time by package, per lifecycle (total {total / args.n * 1000:.1f} ms):")
    for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:20]:
        print(f"  {package:<48}{seconds / args.n * 1000:>8.2f} ms {seconds / total:>6.1%}")


def _package(filename: str) -> str:
    if "site-packages/" not in filename and "/lib/python3" in filename:
        return "python (standard library)"
    for marker in ("site-packages/", "/yichuang/"):
        if marker in filename:
            tail = filename.split(marker, 1)[1]
            parts = tail.split("/")
            if marker == "/yichuang/":
                return "yichuang/" + "/".join(parts[:1])
            if parts[0] == "django":
                return "/".join(parts[:3]) if parts[1] == "db" else "/".join(parts[:2])
            return parts[0]
    return filename if filename.startswith("<") else "other"


if __name__ == "__main__":
    sys.exit(main())
