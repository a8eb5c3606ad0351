"""A slowing, never locking, limit on signing in as one username from anywhere (issue 15 item 5;
docs/decisions.md 105).

django-axes locks a username *at one address* after five failures. An attacker with many addresses
(a botnet, a mobile network) would get five guesses per address; this adds a limit per username across
every address that slows rather than locks: after ``LOGIN_SLOW_AFTER`` failures, each one no further
apart than ``LOGIN_SLOW_WINDOW_MINUTES``, the username must wait ``LOGIN_SLOW_BASE_SECONDS`` × 2ⁿ
(capped at ``LOGIN_SLOW_MAX_SECONDS``) before a new attempt is even checked — an attempt during the
wait is answered 429 with ``Retry-After``, without looking at the password (no guess is spent, none
is counted) and without counting against axes at that address. A quiet window forgets the failures;
a successful sign-in forgets them at once.

What keeps it from being a weapon against the user: the wait is never longer than the cap, and it
does not apply at an address the user signed in from successfully within ``LOGIN_KNOWN_ADDRESS_DAYS``
(a ``login`` security event of the audit trail, which records the real client's address): at his desk
he signs in as usual, with only axes' five-per-address lock in front of him, which no one elsewhere
can trigger.

The counters live in the ``default`` cache (Redis, else the database cache ``yichuang_cache``), so all
processes share them; a counter is a read-then-write, so concurrent failures may be counted once
(the wait grows a step later), never multiplied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.utils.translation import gettext as _

from yichuang.common.clientip import client_address

logger = logging.getLogger("yichuang.security")

#: The attribute a slowed request carries: the seconds to wait (``LoginPaceMiddleware`` answers 429).
REQUEST_ATTRIBUTE = "login_pace_wait"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _key(username: str) -> str:
    return "login-pace:" + hashlib.sha256(username.strip().casefold().encode()).hexdigest()


def _delay(failures: int) -> float:
    """The wait after the ``failures``-th failure in a row: 0 before ``LOGIN_SLOW_AFTER``, then doubling."""
    after = _setting("LOGIN_SLOW_AFTER", 10)
    if failures < after:
        return 0.0
    base = _setting("LOGIN_SLOW_BASE_SECONDS", 2)
    cap = _setting("LOGIN_SLOW_MAX_SECONDS", 300)
    return float(min(base * 2 ** min(failures - after, 30), cap))


def _timeout() -> int:
    return _setting("LOGIN_SLOW_WINDOW_MINUTES", 15) * 60 + _setting("LOGIN_SLOW_MAX_SECONDS", 300)


def login_failed(username: str) -> None:
    """Count a failure for ``username`` and set the wait before its next attempt."""
    if not username:
        return
    now = time.time()
    state: dict[str, float] = cache.get(_key(username)) or {}
    window = _setting("LOGIN_SLOW_WINDOW_MINUTES", 15) * 60
    failures = int(state.get("failures", 0)) if now - float(state.get("last", 0)) <= window else 0
    failures += 1
    delay = _delay(failures)
    until = max(float(state.get("until", 0)), now + delay) if delay else 0.0
    cache.set(_key(username), {"failures": failures, "last": now, "until": until}, timeout=_timeout())
    if delay:
        logger.warning(
            "login of %s slowed: %d failures in a row, next attempt in %.0f s", username, failures, delay
        )


def login_succeeded(username: str) -> None:
    if username:
        cache.delete(_key(username))


def wait_for(username: str) -> int:
    """Seconds before ``username`` may be tried again (0: now)."""
    if not username:
        return 0
    state = cache.get(_key(username)) or {}
    left = float(state.get("until", 0)) - time.time()
    return math.ceil(left) if left > 0 else 0


def known_address(username: str, address: str) -> bool:
    """Whether ``username`` signed in successfully from ``address`` within ``LOGIN_KNOWN_ADDRESS_DAYS``."""
    days = _setting("LOGIN_KNOWN_ADDRESS_DAYS", 90)
    if not address or days <= 0:
        return False
    from django.utils import timezone

    from yichuang.audit.models import SecurityEvent, SecurityKind

    return SecurityEvent.objects.filter(
        kind=SecurityKind.LOGIN,
        username=username,
        ip=address,
        at__gte=timezone.now() - dt.timedelta(days=days),
    ).exists()


def login_gate(request: Any, username: str) -> int:
    """Before the password is checked: the seconds this attempt must wait (0: go on). A slowed
    attempt is marked on the request (``REQUEST_ATTRIBUTE``) for the answer's 429."""
    wait = wait_for(username)
    if not wait:
        return 0
    address = client_address(request)
    if known_address(username, address):
        return 0
    django_request = getattr(request, "_request", request)
    setattr(django_request, REQUEST_ATTRIBUTE, wait)
    logger.warning("login of %s from %s refused for %d s (slowed)", username, address, wait)
    return wait


def slowed_message(wait: int) -> str:
    return _(
        "该账号近期多次登录失败，为保护账号，请%(seconds)d秒后再试；在本人常用的电脑上登录不受此限制。"
    ) % {"seconds": wait}


@receiver(user_login_failed, dispatch_uid="login_pace_failed")
def _failed(sender: Any, credentials: Any = None, request: Any = None, **kwargs: Any) -> None:
    login_failed(str((credentials or {}).get("username", "") or ""))


@receiver(user_logged_in, dispatch_uid="login_pace_succeeded")
def _succeeded(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if user is not None:
        login_succeeded(user.get_username())


class LoginPaceMiddleware:
    """Answers a slowed sign-in (marked by ``login_gate``) with 429 and ``Retry-After``: JSON under
    ``/api/``, else the login page as rendered (its form says why) with the status changed."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        wait = getattr(request, REQUEST_ATTRIBUTE, 0)
        if not wait:
            return response
        if request.path.startswith("/api/") and response.status_code != 429:
            from yichuang.common.errors import json_error

            response = json_error(429, "throttled", slowed_message(wait))
        response.status_code = 429
        response["Retry-After"] = str(wait)
        return response


class PacedLoginFormMixin:
    """For an ``AuthenticationForm`` (the staff login page, the admin's): a slowed username is refused
    before ``authenticate`` runs, so the attempt checks no password and counts no failure."""

    request: Any
    cleaned_data: dict[str, Any]

    def clean(self) -> Any:
        from django.core.exceptions import ValidationError

        username = str(self.cleaned_data.get("username") or "")
        if self.request is not None and username:
            wait = login_gate(self.request, username)
            if wait:
                raise ValidationError(slowed_message(wait), code="login_slowed")
        return super().clean()  # type: ignore[misc]


def admin_login_form() -> type:
    """The admin site's login form with the same gate (``admin.site.login_form``)."""
    from django.contrib.admin.forms import AdminAuthenticationForm

    return type("AdminLoginForm", (PacedLoginFormMixin, AdminAuthenticationForm), {})
