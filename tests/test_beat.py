"""Without Redis the Celery beat schedule runs in the serving process (``yichuang.beat``).

The other tests call tasks and services directly; these start Celery's embedded beat thread with
entries due every few tenths of a second and watch their effect in the database, as a demo's
dashboard would see it two minutes after the work was done.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.db.models import F
from django.utils import timezone

from tests.test_cases import application
from yichuang import beat as in_process
from yichuang.cases.models import Case, CaseEvent
from yichuang.celery import app
from yichuang.notify.models import StaffNotice
from yichuang.stats import tasks as stats_tasks
from yichuang.stats.models import MonthlyFigure

pytestmark = pytest.mark.django_db(transaction=True)

ROLLUP = "yichuang.stats.tasks.rollup_figures"
SWEEP = "yichuang.cases.tasks.sweep_deadlines_task"


def _wait_for(check: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def _beat_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "Beat"]


@pytest.fixture
def quick_schedule(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The rollup and the deadline sweep due every 0.3 s instead of every 2 minutes and each morning;
    the schedule file in a folder of the test's own."""
    settings.DATA_DIR = tmp_path
    settings.DOCUMENTS_RENDER_AFTER_COMMIT = False
    monkeypatch.setitem(
        app.conf,
        "beat_schedule",
        {
            "rollup-figures": {"task": ROLLUP, "schedule": 0.3},
            "sweep-deadlines": {"task": SWEEP, "schedule": 0.3},
        },
    )
    return tmp_path


def _accepted() -> int:
    return sum(MonthlyFigure.objects.values_list("accepted", flat=True))


def test_without_redis_the_dashboard_catches_up_and_overdue_cases_are_escalated_by_themselves(
    clerk: Any, county: Any, quick_schedule: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = application(clerk, tolerated=["M020"], commitments=["M010"])
    number = clerk.post("/api/v1/cases/", body, format="json").json()["number"]
    # The rollup leaves the last 30 seconds alone (a transaction may still commit): age the events.
    CaseEvent.objects.update(at=F("at") - dt.timedelta(minutes=5))
    Case.objects.filter(number=number).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    supervisor = county.staff["supervisor"]
    assert _accepted() == 0
    runs: list[str] = []
    real_rollup = stats_tasks.rollup_all

    def rollup_failing_once(**kwargs: Any) -> int:
        runs.append(threading.current_thread().name)
        if len(runs) == 1:
            raise OperationalError("database is locked")
        return real_rollup(**kwargs)

    monkeypatch.setattr(stats_tasks, "rollup_all", rollup_failing_once)

    beat = in_process.in_process_beat_start()
    try:
        assert _wait_for(lambda: _accepted() == 1), f"no rollup after {runs}"
        assert _wait_for(
            lambda: StaffNotice.objects.filter(
                recipient=supervisor, kind="case_overdue", case_number=number
            ).exists()
        ), "the deadline sweep did not run"
        assert beat.is_alive(), "a task that raised stopped the schedule"
    finally:
        stopped = in_process.in_process_beat_stop(beat, timeout=10)

    assert stopped and not _beat_threads()
    assert len(runs) >= 2 and set(runs) == {"Beat"}, "the eager tasks ran in the beat thread"
    assert list(quick_schedule.glob(f"{in_process.SCHEDULE_FILE}*")), (
        "the schedule is kept under YICHUANG_DATA_DIR"
    )


def test_with_redis_celery_beat_is_a_process_of_its_own_and_nothing_starts_here(
    quick_schedule: Path, settings: Any
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:6379/13"
    assert not in_process.in_process_beat_wanted()
    assert in_process.in_process_beat_start() is None
    assert not _beat_threads()
    assert not list(quick_schedule.glob(f"{in_process.SCHEDULE_FILE}*"))


def test_tests_and_commands_other_than_the_demo_server_run_no_beat(quick_schedule: Path) -> None:
    call_command("rollup_stats", stdout=io.StringIO())
    assert not _beat_threads()
    assert not list(quick_schedule.glob(f"{in_process.SCHEDULE_FILE}*"))
