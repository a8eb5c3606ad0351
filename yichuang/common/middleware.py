"""Chinese first: pages speak zh-hans unless the user chose English. And a guard for odd paths."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but a browser's own language does not switch the pages.

    A county office's kiosk or a borrowed laptop may well send ``Accept-Language: en-US``; the
    people in front of it read Chinese. English is an explicit choice: the language cookie set by
    ``/i18n/setlang/`` or ``?lang=en``. API clients (``/api/``) are programs and may ask for English
    with ``Accept-Language`` as usual.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.GET.get("lang") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not chosen and request.path.startswith("/api/"):
            chosen = translation.get_language_from_request(request)
        language = settings.LANGUAGE_CODE
        if chosen:
            try:
                language = translation.get_supported_language_variant(chosen)
            except LookupError:
                language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RefuseNulMiddleware:
    """A NUL character in the path can never name anything, and PostgreSQL refuses to compare text
    with one (a 500 deep in a query). Answer 404 at the door: JSON for the API, plain otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "not_found", "detail": str(_("未找到。")), "fields": {}}, status=404
                )
            return HttpResponseNotFound(str(_("未找到。")))
        return self.get_response(request)
