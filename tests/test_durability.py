"""Durability with the applicant's data sealed (issue 15, "Done when"; decision 107): gunicorn on the
PostgreSQL test database, four clients creating cases with an ``Idempotency-Key`` each, the workers
and the whole server SIGKILLed and started again; every acknowledged case is there exactly once and
opens to what was sent (``bench/durability.py``)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from yichuang.pii import keys

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="gunicorn's processes share the database only on PostgreSQL",
    ),
]

BENCH = Path(__file__).resolve().parent.parent / "bench" / "durability.py"


def durability() -> Any:
    spec = importlib.util.spec_from_file_location("durability", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["durability"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_no_acknowledged_case_is_lost_or_doubled_across_kills_and_each_opens_to_what_was_sent(
    settings: Any, tmp_path: Path
) -> None:
    bench = durability()
    from serve import app_env, database_url_for  # bench/ is on the path once durability is loaded

    settings.PII_KEY_FILE = str(tmp_path / "pii-keys.json")  # the server's processes read the same keys
    keys.forget_keys()
    token, item, point = bench.setup_county()
    env = app_env(database_url_for(connection.settings_dict["NAME"]), str(tmp_path))
    env["YICHUANG_PII_KEY_FILE"] = settings.PII_KEY_FILE

    figures, run = bench.crash_run(env, token, item=item, point=point, seconds=24, clients=4, kills=4)
    bench.check(figures, run, item=item)
    print(figures.line())

    assert figures.refused == []
    assert figures.kills == 4 and figures.server_kills >= 2
    assert figures.acknowledged >= 20
    assert figures.abandoned > 0 and figures.replayed > 0  # answers lost after the commit were replayed
    assert (figures.lost, figures.duplicates, figures.mismatched, figures.unsealed) == (0, 0, 0, 0)
    assert figures.acknowledged == len(run.sent)  # every request was answered in the end
    keys.forget_keys()
