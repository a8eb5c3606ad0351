"""The committed OpenAPI file describes what the server answers (issue 15 item 7): schemathesis sends
requests generated from docs/openapi.yaml to the app in this process (WSGI, the test database) as
the platform administrator, and checks each answer's status, content type and body against the
file. A bounded run: ``SCHEMATHESIS_EXAMPLES`` examples per operation (default 3, derandomized so CI
is repeatable); the hypothesis profile ``api-ci`` holds the settings.

Only the response checks run: the server is allowed to refuse generated nonsense in its own words
(a 400 or 422 documented in the file), which is the point of the other half of the contract tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

settings.register_profile(
    "api-ci",
    max_examples=int(os.environ.get("SCHEMATHESIS_EXAMPLES", "3")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

schema = schemathesis.openapi.from_path(SCHEMA_FILE)
schema.config.update(base_url="http://testserver")

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_token(world: Any) -> str:
    from yichuang.org.tokens import token_issue

    return token_issue(user=world.staff["admin"])[1]


@pytest.fixture
def app() -> Iterator[Any]:
    """The project's WSGI application, without closing the database connection after each request
    (it holds the test's transaction; Django's own test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(settings.get_profile("api-ci"))
def test_every_answer_is_what_the_schema_says(case: Any, admin_token: str, app: Any) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS, app=app)
