"""A citizen's sign-in on the pages (掌上办): the citizen's id under a session key of its own, never
Django's staff login, so a citizen opens no staff page (``staff_view`` sees no ``Staff``) and a staff
member opens no citizen page (no citizen in his session). Signing in either way drops the other.

The sign-in itself goes through ``citizens.services`` (the code by SMS, its tries and expiry). The
API's Bearer token that ``code_sign_in`` issues is not kept by the pages: its key is never shown or
stored, so it opens nothing, and it lapses with the other tokens; the session cookie (HttpOnly,
rotated at sign-in) is what a browser holds.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import logout as staff_logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from yichuang.citizens.models import Citizen

SESSION_KEY = "web_citizen"

View = Callable[..., HttpResponse]


def citizen_of(request: HttpRequest) -> Citizen | None:
    """The citizen signed in on this browser, read once per request."""
    cached: Citizen | bool | None = getattr(request, "_web_citizen", False)
    if cached is not False:
        return cached if isinstance(cached, Citizen) else None
    pk = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    citizen = Citizen.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    request._web_citizen = citizen  # type: ignore[attr-defined]
    return citizen


def sign_in(request: HttpRequest, citizen: Citizen) -> None:
    """A new session for ``citizen``: any staff login on this browser ends, the session key changes."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        staff_logout(request)
    request.session.cycle_key()
    request.session[SESSION_KEY] = citizen.pk
    request._web_citizen = citizen  # type: ignore[attr-defined]


def sign_out(request: HttpRequest) -> None:
    request.session.flush()
    request._web_citizen = None  # type: ignore[attr-defined]


@receiver(user_logged_in, dispatch_uid="web.citizen_session.staff_login_drops_citizen")
def _staff_login_drops_citizen(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)
        request._web_citizen = None  # type: ignore[attr-defined]


def login_url(request: HttpRequest) -> str:
    return f"{reverse('web:citizen-login')}?{urlencode({'next': request.get_full_path()})}"


def citizen_view(view: View) -> View:
    """Only for a signed-in citizen; anyone else goes to the citizens' sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if citizen_of(request) is None:
            return HttpResponseRedirect(login_url(request))
        return view(request, *args, **kwargs)

    return wrapper


def citizen(request: HttpRequest) -> Citizen:
    found = citizen_of(request)
    assert found is not None
    return found


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the signed-in citizen (for the menu) and the 长辈版 switch."""
    return {
        "citizen": citizen_of(request) if hasattr(request, "session") else None,
        "elder": request.COOKIES.get(ELDER_COOKIE) == "1",
    }


#: 长辈版 (large type, high contrast) is remembered for a year in this cookie, for everyone.
ELDER_COOKIE = "yichuang_elder"
