"""Staff web sessions end after ``SESSION_IDLE_MINUTES`` without a request and ``SESSION_MAX_HOURS``
after sign-in, whatever happens in between (等保 level 3; issue 15: sessions lived 14 days).

Django has only one clock, the cookie's age; refreshed on every request (``SESSION_SAVE_EVERY_REQUEST``)
it makes an idle timeout, but writes the session row on every request. Here the session keeps when
it began and when it was last seen, and the row is written at most once a minute for the sake of
``last seen`` — so the idle limit holds to within that minute. The cookie itself lives as long as
the absolute limit."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

STARTED = "_yc_started"
SEEN = "_yc_seen"
#: Seconds between two writes of ``last seen`` (the idle limit's precision).
SEEN_PRECISION = 60


@receiver(user_logged_in, dispatch_uid="session_clock_starts")
def _signed_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[STARTED] = now
        session[SEEN] = now


class SessionTimeoutMiddleware:
    """After ``AuthenticationMiddleware``: a session past either limit is ended before the view runs
    (a page then asks for the login again with a note why; the API answers 401 like any anonymous
    call)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id") is not None:
            self._check(request, session)
        return self.get_response(request)

    def _check(self, request: HttpRequest, session: Any) -> None:
        now = int(time.time())
        idle = int(getattr(settings, "SESSION_IDLE_MINUTES", 30)) * 60
        most = int(getattr(settings, "SESSION_MAX_HOURS", 12)) * 3600
        started = int(session.get(STARTED) or now)
        seen = int(session.get(SEEN) or now)
        if now - seen > idle or now - started > most:
            reason = (
                _("您已超过%(minutes)d分钟未操作，为安全起见请重新登录。") % {"minutes": idle // 60}
                if now - seen > idle
                else _("登录已超过%(hours)d小时，为安全起见请重新登录。") % {"hours": most // 3600}
            )
            logout(request)
            if not request.path.startswith("/api/"):
                messages.info(request, reason)
            return
        if STARTED not in session:
            session[STARTED] = started
        if now - seen >= SEEN_PRECISION or SEEN not in session:
            session[SEEN] = now
