"""`make run` (``yichuang demo --addr HOST:PORT``) serves like the product an outsider evaluates.

One test starts the demo as `make run` does, on a free port with a data directory of its own, and
looks at it over HTTP; the others run the command in this process with the server replaced by a probe.
"""

from __future__ import annotations

import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import override_settings

from yichuang.demo.management.commands import demo as demo_command
from yichuang.documents.services import verify_url

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _request(port: int, method: str, path: str, body: str | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


@pytest.fixture
def served_demo(tmp_path: Path) -> Any:
    """`make run ADDR=127.0.0.1:PORT` from a fresh clone: no DEBUG, PUBLIC_URL, REDIS_URL or DATABASE_URL."""
    port = _free_port()
    data = tmp_path / "var"
    log = tmp_path / "demo.log"
    unset = {"DEBUG", "PUBLIC_URL", "REDIS_URL", "DATABASE_URL", "ALLOWED_HOSTS", "YICHUANG_ENV"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["YICHUANG_DATA_DIR"] = str(data)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "yichuang.cli", "demo", "--addr", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 420  # a loaded 2-core machine migrates and loads slowly
        while True:
            try:
                _request(port, "GET", "/")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the demo did not serve:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield type("Demo", (), {"port": port, "process": process, "data": data, "log": log})
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_make_run_serves_chinese_error_pages_static_files_and_runs_its_schedule_until_stopped(
    served_demo: Any,
) -> None:
    port = served_demo.port
    status, page = _request(port, "GET", "/queue/NOPE/board/")
    assert status == 404
    assert "没有找到" in page and "URLconf" not in page, "the product's page, not Django's debug page"

    status, _body = _request(port, "POST", "/api/v1/auth/token", body='{"username": "town1"}')
    assert status < 500, "a POST without the trailing slash is no server error"

    for path in ("/static/web/site.css", "/static/htmx/htmx.min.js", "/static/vendor/echarts/echarts.min.js"):
        status, body = _request(port, "GET", path)
        assert status == 200 and body, path

    output = served_demo.log.read_text()
    assert "DEBUG 关闭" in output
    assert f"PUBLIC_URL = http://127.0.0.1:{port}" in output
    assert "定时任务在本进程中运行" in output

    served_demo.process.send_signal(signal.SIGTERM)
    assert served_demo.process.wait(timeout=60) == 0
    assert "beat: Shutting down" in served_demo.log.read_text()
    assert list(served_demo.data.glob("celerybeat-schedule*")), (
        "the beat saved its schedule under the data dir"
    )


class _Probe:
    """Stands in for migrate and runserver; records what the server would have served with."""

    def __init__(self) -> None:
        self.served: dict[str, Any] = {}

    def __call__(self, name: str, *args: Any, **options: Any) -> None:
        if name == "runserver":
            self.served = {
                "addr": args[0],
                "debug": django_settings.DEBUG,
                "sms_backend": django_settings.SMS_BACKEND,
                "public_url": django_settings.PUBLIC_URL,
                "verify_url": verify_url("ABCD1234"),
                "allowed_hosts": list(django_settings.ALLOWED_HOSTS),
                "beat": any(t.name == "Beat" and t.is_alive() for t in threading.enumerate()),
            }


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db: Any) -> Any:
    stand_in = _Probe()
    monkeypatch.setattr(demo_command, "call_command", stand_in)
    monkeypatch.setattr(demo_command, "load_demo", lambda **_kwargs: {})
    for name in ("DEBUG", "PUBLIC_URL", "REDIS_URL", "ALLOWED_HOSTS", "SMS_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    # What the command changes in this process's settings is undone after each test.
    with override_settings(DATA_DIR=tmp_path, STATIC_ROOT=tmp_path / "static", DEBUG=True):
        yield stand_in


def _demo(*args: str) -> str:
    out = io.StringIO()
    with override_settings():  # each run starts from the settings the environment gave
        call_command("demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_verification_links_name_the_port_the_demo_serves_on(probe: _Probe) -> None:
    _demo("--addr", "127.0.0.1:8765")
    assert probe.served["public_url"] == "http://127.0.0.1:8765"
    assert probe.served["verify_url"] == "http://127.0.0.1:8765/verify/ABCD1234"


def test_a_port_alone_or_all_interfaces_give_a_link_this_machine_can_open(probe: _Probe) -> None:
    _demo("--addr", "8766")
    assert probe.served["public_url"] == "http://127.0.0.1:8766"
    _demo("--addr", "0.0.0.0:8767")
    assert (probe.served["addr"], probe.served["public_url"]) == ("0.0.0.0:8767", "http://127.0.0.1:8767")


def test_an_explicit_public_url_is_kept(probe: _Probe, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://ych.example.gov.cn")
    with override_settings(PUBLIC_URL="https://ych.example.gov.cn"):
        _demo("--addr", "127.0.0.1:8765")
    assert probe.served["verify_url"] == "https://ych.example.gov.cn/verify/ABCD1234"


def test_the_demo_serves_without_debug_unless_the_developer_sets_it(
    probe: _Probe, monkeypatch: pytest.MonkeyPatch
) -> None:
    _demo("--addr", "127.0.0.1:8765")
    assert probe.served["debug"] is False
    monkeypatch.setenv("DEBUG", "1")
    _demo("--addr", "127.0.0.1:8765")
    assert probe.served["debug"] is True


def test_the_demo_prints_each_sms_on_its_console_unless_the_environment_names_a_backend(
    probe: _Probe, monkeypatch: pytest.MonkeyPatch
) -> None:
    _demo("--addr", "127.0.0.1:8765")
    assert probe.served["sms_backend"] == "console"
    monkeypatch.setenv("SMS_BACKEND", "outbox")
    with override_settings(SMS_BACKEND="outbox"):
        _demo("--addr", "127.0.0.1:8765")
    assert probe.served["sms_backend"] == "outbox"


def test_the_address_served_is_an_allowed_host_even_when_the_environment_names_others(probe: _Probe) -> None:
    with override_settings(ALLOWED_HOSTS=["ych.example.gov.cn"]):
        _demo("--addr", "127.0.0.1:8765")
    assert probe.served["allowed_hosts"] == ["ych.example.gov.cn", "127.0.0.1"]


def test_the_schedule_runs_while_the_demo_serves_and_stops_with_it(probe: _Probe) -> None:
    output = _demo("--addr", "127.0.0.1:8765")
    assert probe.served["beat"], "the beat thread runs while the server does"
    assert not [t for t in threading.enumerate() if t.name == "Beat"], "and stops when it stops"
    assert "定时任务在本进程中运行" in output


def test_with_redis_the_demo_leaves_the_schedule_to_celery_beat(probe: _Probe) -> None:
    with override_settings(REDIS_URL="redis://127.0.0.1:6379/13"):
        output = _demo("--addr", "127.0.0.1:8765")
    assert probe.served["beat"] is False
    assert "celery -A yichuang beat" in output


def test_loading_without_serving_starts_nothing(probe: _Probe) -> None:
    _demo("--no-serve")
    assert probe.served == {}
    assert django_settings.DEBUG is True, "settings change only for a server"
