"""Settings fail loudly, and production refuses demo credentials."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests import factories as f
from yichuang.env import env_bool, env_int, env_secret
from yichuang.org.checks import demo_accounts_in_production, refuse_demo_accounts_in_production


def test_a_bad_boolean_or_integer_in_the_environment_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG")
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_NUM", 1)


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_secret("X_SECRET") == "s3cret"


def _settings_in_subprocess(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "SECRET_KEY_FILE"}}
    environment.update(env)
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='yichuang.settings'; django.setup(); print('ok')"
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=60
    )


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _settings_in_subprocess(
        YICHUANG_ENV="production",
        ALLOWED_HOSTS="ych.example.gov.cn",
        PUBLIC_URL="https://ych.example.gov.cn",
        YICHUANG_DATA_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_database_url_that_is_not_one_refuses_to_start():
    result = _settings_in_subprocess(DATABASE_URL="nonsense://")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


@pytest.mark.django_db
def test_production_refuses_to_serve_while_demo_accounts_exist(settings):
    f.StaffFactory(username="demo_clerk", is_demo=True)
    settings.PRODUCTION = False
    assert demo_accounts_in_production() == []
    settings.PRODUCTION = True
    errors = demo_accounts_in_production()
    assert errors and "demo_clerk" in errors[0].msg
    with pytest.raises(ImproperlyConfigured):
        refuse_demo_accounts_in_production()
