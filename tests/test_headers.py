"""Production headers (issue 15 item 7): a Content-Security-Policy without inline script, and the
referrer, content-type and permissions policies, on pages and on the API alike. The browser tests
(tests/test_web_browser.py, tests/test_queue_browser.py) fail on any script the policy refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

import yichuang

pytestmark = pytest.mark.django_db

PACKAGE = Path(yichuang.__file__).parent


def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/login/", "/track/", "/api/v1/points/", "/api/docs/"])
def test_every_answer_carries_the_policies(county, path):
    answer = Client().get(path)
    policy = directives(answer["Content-Security-Policy"])
    assert policy["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert answer["Referrer-Policy"] == "same-origin"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in answer["Permissions-Policy"]


def test_the_api_docs_start_without_an_inline_script(db):
    page = Client().get("/api/docs/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_no_template_of_ours_has_an_inline_script_or_handler():
    """An inline script must carry ``nonce="{{ request.csp_nonce }}"``; a handler attribute cannot."""
    offenders = []
    for template in PACKAGE.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(
            r"<script(?![^>]*\b(src|nonce)=)(?![^>]*type=\"application/json\")[^>]*>", text
        ):
            offenders.append(f"{template.relative_to(PACKAGE)}: {match.group(0)}")
        for match in re.finditer(r"<[a-z]+[^>]*\son[a-z]+=\"", text):
            offenders.append(f"{template.relative_to(PACKAGE)}: {match.group(0)}")
    assert offenders == []
