"""The OpenAPI schema is part of the contract: a change to it must be a visible, committed decision."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"


def test_the_committed_schema_matches_the_code(tmp_path):
    from django.utils import translation

    generated = tmp_path / "openapi.yaml"
    with translation.override("zh-hans"):  # as `make schema` writes it, whatever ran before
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


# —— errors: every operation documents the error answers it can give, in the one error shape ——


def generated_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict) -> dict[str, dict]:
    return {op["operationId"]: op for ops in schema["paths"].values() for op in ops.values()}


def test_the_error_shape_is_one_component_that_every_error_answer_uses():
    schema = generated_schema()
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "detail", "fields"}
    for name, op in operations(schema).items():
        for code, answer in op["responses"].items():
            if code.startswith("4"):
                assert answer["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, (name, code)


@pytest.mark.parametrize(
    ("operation", "documented", "not_documented"),
    [
        ("v1_cases_actions_create", {"400", "401", "403", "404", "409", "422"}, {"429"}),
        ("v1_cases_create", {"400", "401", "403", "409", "413", "415", "422"}, {"404"}),
        ("v1_cases_retrieve", {"401", "403", "404"}, {"400", "409"}),
        ("v1_cases_list", {"400", "401", "404"}, {"409"}),
        ("v1_files_create", {"400", "401", "403", "413", "415"}, {"409"}),
        ("v1_track_create", {"400", "404", "429"}, {"401", "409"}),
        ("v1_queue_bookings_create", {"400", "409", "429"}, {"401"}),
        ("v1_auth_token_create", {"400", "403"}, {"401", "409"}),
        ("v1_items_retrieve", {"404"}, {"401"}),
        ("v1_me_retrieve", {"401"}, {"400", "404"}),
    ],
)
def test_each_operation_documents_the_errors_it_can_answer(operation, documented, not_documented):
    codes = set(operations(generated_schema())[operation]["responses"])
    assert documented <= codes
    assert not (not_documented & codes)


def test_every_operation_that_needs_a_login_documents_401():
    for name, op in operations(generated_schema()).items():
        security = op.get("security", [])  # without it, or with {} among them, no login is needed
        if security and {} not in security:
            assert "401" in op["responses"], name


def test_documenting_errors_keeps_every_operation_id_and_success_answer():
    import yaml

    committed = operations(yaml.safe_load(COMMITTED.read_text(encoding="utf-8")))
    generated = operations(generated_schema())
    assert set(generated) == set(committed)
    for name, op in committed.items():
        for code, answer in op["responses"].items():
            if code.startswith("2"):
                assert generated[name]["responses"][code] == answer, (name, code)


def test_the_api_is_named_in_chinese_first_then_english():
    info = generated_schema()["info"]
    assert info["title"].startswith("一窗 基层政务服务平台 API")
    assert "yichuang" in info["title"]
    assert info["description"].index("错误") < info["description"].index("Every error")


def _paths(schema: dict) -> dict[tuple[str, str], dict]:
    return {(path, method): op for path, ops in schema["paths"].items() for method, op in ops.items()}


def test_a_paginated_list_is_described_as_the_page_object_it_is():
    """Issue 15 item 8: eleven lists said "array" while the server answers {count, next, previous,
    results}. Every operation with a ``page`` parameter must describe that object."""
    schema = generated_schema()
    for (path, method), op in _paths(schema).items():
        if method != "get" or not any(p["name"] == "page" for p in op.get("parameters", [])):
            continue
        answer = op["responses"]["200"]["content"]["application/json"]["schema"]
        component = schema["components"]["schemas"][answer["$ref"].rsplit("/", 1)[1]]
        assert {"count", "next", "previous", "results"} <= set(component["properties"]), path
        assert component["properties"]["results"]["type"] == "array", path


def test_hours_and_minutes_are_a_pattern_that_08_30_fits():
    import re

    schema = generated_schema()
    slot = schema["components"]["schemas"]["Slot"]["properties"]["start"]
    assert "format" not in slot
    assert re.fullmatch(slot["pattern"], "08:30") and not re.fullmatch(slot["pattern"], "8:30:00")


def test_the_queue_documents_422_and_the_figures_404():
    ops = operations(generated_schema())
    assert "422" in ops["v1_queue_bookings_create"]["responses"]
    assert "422" in ops["v1_queue_tickets_create"]["responses"]
    stats = [op for name, op in ops.items() if name.startswith("v1_stats_")]
    assert stats and all("404" in op["responses"] for op in stats)
