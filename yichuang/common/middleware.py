"""Chinese first: pages speak zh-hans unless the user chose English. And guards for odd paths."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotFound, JsonResponse
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
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


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


class CommonMiddleware(DjangoCommonMiddleware):
    """Django's ``CommonMiddleware``, except that under ``/api/`` an address is never rewritten and
    an unknown one is always a JSON 404 in the contract's shape.

    Django redirects an address without its trailing slash (301): a POST then arrives as a GET
    without its body (and under DEBUG Django raises a RuntimeError, a 500). An API client is told
    the right address instead (decision in docs/decisions.md). Under DEBUG Django would also show
    its English technical 404 page, which lists the URLconf, instead of ``handler404``.
    """

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        return False if _is_api(request) else super().should_redirect_with_slash(request)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.status_code == 404 and _is_api(request):
            from yichuang.common.errors import json_error

            if super().should_redirect_with_slash(request):
                response = json_error(
                    404,
                    "trailing_slash",
                    _("没有这个地址：API 的地址都以斜杠结尾，请改用 %(url)s。") % {"url": f"{request.path}/"},
                )
            elif request.resolver_match is None:  # no view: whatever Django answered, answer JSON
                response = json_error(404, "not_found", _("未找到。"))
        return super().process_response(request, response)


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` on every answer (``settings.PERMISSIONS_POLICY``): features no page uses
    are off, so a script slipped into a page could not turn them on either."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = str(getattr(settings, "PERMISSIONS_POLICY", "") or "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response
