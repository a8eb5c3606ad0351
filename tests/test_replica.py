"""Lists, dashboards and exports read from a streaming replica; writers read their own writes; a
lagging or stopped standby sends the reads back to the primary (issue 17, item 2)."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings

from yichuang.common import replica
from yichuang.common.replica import (
    REPLICA,
    ReplicaRouter,
    StandbyState,
    lsn_value,
    read_database,
    replica_reads,
)
from yichuang.org.models import Staff

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def standby(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A replica that is configured, with whatever state the test gives it."""
    state = {"now": StandbyState(True, lsn_value("0/5000000"), 0.2)}
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica.health, "state", lambda: state["now"])
    return state


@pytest.fixture
def clerk(db: Any) -> Staff:
    return Staff.objects.create(username="replica_clerk")


def test_wal_positions_order_as_numbers() -> None:
    assert lsn_value("0/FFFFFFFF") < lsn_value("1/0") < lsn_value("1/10") < lsn_value("16/B374D848")
    assert lsn_value("") == 0


def test_without_a_replica_every_read_goes_to_the_primary(clerk: Staff) -> None:
    with replica_reads(clerk):
        assert read_database() is None


def test_a_list_reads_from_a_healthy_standby_and_nothing_else_does(standby: Any, clerk: Staff) -> None:
    assert read_database() is None
    with replica_reads(clerk):
        assert read_database() == REPLICA


def test_a_standby_lagging_or_down_sends_the_list_to_the_primary(standby: Any, clerk: Staff) -> None:
    standby["now"] = StandbyState(False, lsn_value("0/5000000"), 42.0, "lagging")
    with replica_reads(clerk):
        assert read_database() is None
    standby["now"] = StandbyState(False, 0, 0.0, "down")
    with replica_reads(clerk):
        assert read_database() is None


def test_a_clerk_reads_his_own_write_from_the_primary_until_the_standby_has_replayed_it(
    standby: Any, clerk: Staff
) -> None:
    cache.set(f"replica:wrote:Staff:{clerk.pk}", "0/6000000")
    with replica_reads(clerk):
        assert read_database() is None
    standby["now"] = StandbyState(True, lsn_value("0/6000000"), 0.0)
    with replica_reads(clerk):
        assert read_database() == REPLICA


def test_someone_elses_write_does_not_keep_a_reader_off_the_standby(standby: Any, clerk: Staff) -> None:
    cache.set("replica:wrote:Staff:999999", "9/0")
    with replica_reads(clerk):
        assert read_database() == REPLICA


def test_the_cache_sessions_and_tokens_are_always_read_from_the_primary(standby: Any, clerk: Staff) -> None:
    from django.contrib.sessions.models import Session
    from django.core.cache.backends.db import DatabaseCache

    router = ReplicaRouter()
    cache_model = DatabaseCache("yichuang_cache", {}).cache_model_class
    with replica_reads(clerk):
        assert router.db_for_read(cache_model) is None
        assert router.db_for_read(Session) is None
        assert router.db_for_read(Staff) == REPLICA
    assert router.db_for_write(Staff) == "default"
    assert router.allow_migrate(REPLICA, "cases") is False


def test_the_health_check_remembers_a_standby_that_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = []

    def ask() -> StandbyState:
        asked.append(1)
        return StandbyState(False, 0, 0.0, "down")

    checker = replica._Health()
    monkeypatch.setattr(checker, "_ask", ask)
    with override_settings(DATABASE_REPLICA_RETRY_SECONDS=60, DATABASE_REPLICA_CHECK_SECONDS=0):
        assert not checker.state().usable
        assert not checker.state().usable
    assert len(asked) == 1  # not asked again until the retry time has passed


def test_a_replica_needs_a_postgresql_primary(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
        "DATABASE_REPLICA_URL": "postgres://postgres@127.0.0.1:1/x",
        "YICHUANG_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='yichuang.settings'; django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL" in result.stderr


def _can_run_clusters() -> str:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return "runs with the PostgreSQL suite (DATABASE_URL)"
    if not (shutil.which("initdb") or glob.glob("/usr/lib/postgresql/*/bin/initdb")):
        return "PostgreSQL's server programs are not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is missing"
    return ""


@pytest.mark.skipif(bool(_can_run_clusters()), reason=_can_run_clusters() or "")
def test_a_real_standby_serves_the_lists_and_the_writer_still_sees_his_case(tmp_path: Path) -> None:
    """deploy/pg_replica.py starts a primary and a streaming standby; the probe drives the API."""
    directory = Path("/tmp") / f"yichuang-replica-test-{os.getpid()}"
    ports = ["--primary-port", "55442", "--standby-port", "55443"]
    script = [sys.executable, str(ROOT / "deploy" / "pg_replica.py")]
    env = {
        **os.environ,
        "PG_REPLICA_DIR": str(directory),
        "PG_PRIMARY_PORT": "55442",
        "PG_STANDBY_PORT": "55443",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:55442/yichuang",
        "DATABASE_REPLICA_URL": "postgres://postgres@127.0.0.1:55443/yichuang",
        "YICHUANG_DATA_DIR": str(tmp_path),
        "YICHUANG_ENV": "test",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    try:
        subprocess.run([*script, "start", "--dir", str(directory), *ports], check=True, capture_output=True)
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", "55442", "-U", "postgres", "-c", "CREATE DATABASE yichuang"],
            check=True,
            capture_output=True,
        )
        for command in (["migrate", "--no-input", "-v", "0"], ["loaddemo", "-v", "0"]):
            done = subprocess.run(
                [sys.executable, "manage.py", *command], env=env, cwd=ROOT, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr[-3000:]
        probe = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "replica_probe.py")],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert probe.returncode == 0, probe.stderr[-3000:]
        seen = json.loads(probe.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run([*script, "destroy", "--dir", str(directory)], capture_output=True)

    # While the standby was paused, the writer's list came from the primary, with his new case …
    assert seen["writer_sees_his_case"] is True
    assert seen["writer_statements_on_standby"] <= 1  # at most the standby's state, no rows
    # … and another clerk's list came from the (stale) standby, which did not have it yet.
    assert seen["other_statements_on_standby"] > 1
    assert seen["other_sees_case_while_paused"] is False
    # Caught up, both read from the standby and both see it.
    assert (
        seen["writer_after_catch_up"]["sees"] and seen["writer_after_catch_up"]["statements_on_standby"] > 1
    )
    assert seen["other_after_catch_up"]["sees"] and seen["other_after_catch_up"]["statements_on_standby"] > 1
    # The standby stopped: the list still answers, from the primary, without waiting long.
    assert seen["standby_down"]["status"] == 200 and seen["standby_down"]["sees"] is True
    assert seen["standby_down"]["seconds"] < 5
