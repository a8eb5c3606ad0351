"""The OpenAPI schema is part of the contract: a change to it must be a visible, committed decision."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"


def test_the_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")
    assert generated.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8"), (
        "docs/openapi.yaml is out of date: run `make schema` and commit the result"
    )


def test_the_schema_documents_every_contract_endpoint():
    text = COMMITTED.read_text(encoding="utf-8")
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/items/",
        "/api/v1/items/{code}/",
        "/api/v1/points/",
        "/api/v1/bundles/",
        "/api/v1/calendar/workdays/add/",
    ):
        assert f"  {path}:" in text, path
