"""``/healthz`` and ``/readyz`` for the reverse proxy and the monitoring (docs/deployment.md).

- ``/healthz``: the process answers. Touches nothing else, so a database outage does not make
  the proxy think every app server died.
- ``/readyz``: the database, the cache and the task queue's broker each answer; JSON, 503 when one
  of them does not (the proxy takes the server out, the monitoring alerts).

Answered by the first middleware, before host validation and the HTTPS redirect: a probe from
the proxy or the monitoring comes over plain HTTP to an address, not to the public host name.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

HEALTH_PATHS = {"/healthz", "/healthz/"}
READY_PATHS = {"/readyz", "/readyz/"}
#: Each dependency must answer within this (seconds); a hung broker is reported, not waited for.
TIMEOUT_SECONDS = 2.0


class HealthMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in HEALTH_PATHS:
            return _no_store(JsonResponse({"status": "ok"}))
        if request.path in READY_PATHS:
            return readiness()
        return self.get_response(request)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _timed(check: Callable[[], Any]) -> dict[str, Any]:
    started = time.monotonic()
    try:
        detail = check()
    except Exception as exc:  # any failure of a dependency is the answer, not an error of ours
        return {"ok": False, "error": type(exc).__name__, "ms": round((time.monotonic() - started) * 1000, 1)}
    result: dict[str, Any] = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    if detail:
        result["detail"] = detail
    return result


def _database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        connection.close_if_unusable_or_obsolete()
        raise


def _cache() -> None:
    key, value = "yichuang:readyz", secrets.token_hex(8)
    cache.set(key, value, 30)
    if cache.get(key) != value:
        raise RuntimeError("cache did not keep a value")


def _broker() -> str | None:
    from yichuang.common.enqueue import uses_broker

    if not uses_broker():
        return "tasks run in-process (no REDIS_URL)"
    from yichuang.celery import app

    with app.connection_for_write(connect_timeout=TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=max(1, round(TIMEOUT_SECONDS))
        )
    return None


def readiness() -> HttpResponse:
    checks = {"database": _timed(_database), "cache": _timed(_cache), "broker": _timed(_broker)}
    ready = all(check["ok"] for check in checks.values())
    response = JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
    if not ready:
        response["Retry-After"] = "30"
    return _no_store(response)
