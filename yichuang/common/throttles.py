"""Rate limits per client, counted where every process sees the same count.

DRF's throttles name the client by ``X-Forwarded-For`` whenever ``NUM_PROXIES`` is unset — the
header any client can make up (issue 15). Ours name it by :func:`yichuang.common.clientip.client_address`
(trusted proxies only), and count in the ``default`` cache: Redis with ``REDIS_URL``, else the
database cache (one table, ``yichuang_cache``), so three gunicorn workers share one counter instead
of granting three times the limit. Every throttle class a view uses must come from here
(tests/test_client_address.py walks the URL patterns to check it).

Plain Django views (the tracking page, ``/verify/``) ask :func:`page_allowed`.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from rest_framework import throttling
from rest_framework.settings import api_settings

from yichuang.common.clientip import client_address

#: One line per refused request, naming the client as the throttle counted it (never the header).
logger = logging.getLogger("yichuang.security")


def _refused(scope: str, request: Any) -> None:
    logger.warning("rate limit %s reached by client %s", scope, client_address(request))


class ClientAddressThrottle(throttling.SimpleRateThrottle):
    """A counter per client address for the scope ``scope``."""

    def __init__(self) -> None:
        # DRF binds the rates when it is imported; read them when counting, so a changed setting counts.
        self.THROTTLE_RATES = cast(Any, api_settings.DEFAULT_THROTTLE_RATES)
        super().__init__()

    def get_ident(self, request: Any) -> str:
        return client_address(request)

    def allow_request(self, request: Any, view: Any) -> bool:
        allowed = bool(super().allow_request(request, view))
        if not allowed:
            _refused(str(self.scope), request)
        return allowed

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's ``ScopedRateThrottle`` (the view's ``throttle_scope``), per client address."""

    def __init__(self) -> None:
        self.THROTTLE_RATES = cast(Any, api_settings.DEFAULT_THROTTLE_RATES)
        super().__init__()

    def get_ident(self, request: Any) -> str:
        return client_address(request)

    def allow_request(self, request: Any, view: Any) -> bool:
        allowed = bool(super().allow_request(request, view))
        if not allowed:
            _refused(str(getattr(view, "throttle_scope", "")), request)
        return allowed


class _PageThrottle(ClientAddressThrottle):
    def __init__(self, scope: str, counter: str) -> None:
        self.scope = scope
        self.counter = counter
        super().__init__()

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.counter, "ident": self.get_ident(request)}


def page_allowed(request: Any, *, scope: str, counter: str | None = None) -> bool:
    """Whether a page request from this client is within the rate of ``scope``
    (``DEFAULT_THROTTLE_RATES``), counted under ``counter`` (default: the scope's own count)."""
    throttle = _PageThrottle(scope, counter or f"{scope}-page")
    return bool(throttle.allow_request(request, cast(Any, None)))


def personal_ident(value: str, *, scope: str) -> str:
    """A counter's name for a personal value (a phone number counted whatever address asks): its keyed
    SM3 index (``pii.blind_index``), never the value — the counters live in a database table too."""
    from yichuang.pii.cipher import blind_index

    return blind_index(value, context=f"throttle.{scope}")
