"""One error shape for every client: ``{"code", "detail", "fields"}`` (contract.md).

``detail`` is a sentence in the request's language (Chinese by default); ``code`` is stable and
machine-readable; ``fields`` maps a field (or query parameter) to its messages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("当前状态不允许此操作。")
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy("请求无法处理。")
    default_code = "unprocessable"


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        out: list[str] = []
        for value in detail.values():
            out.extend(_flatten(value))
        return out
    if isinstance(detail, list):
        out = []
        for value in detail:
            out.extend(_flatten(value))
        return out
    return [str(detail)]


def _fields(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {
            key: _flatten(value) if not isinstance(value, dict) else _fields(value)
            for key, value in detail.items()
        }
    return {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        non_field = fields.pop("non_field_errors", None)
        messages = _flatten(non_field) if non_field else []
        detail = messages[0] if messages else _("提交的数据有误，请检查标出的字段。")
        code = "invalid"
        if not fields and not messages:
            detail = "；".join(_flatten(exc.detail)) or detail
    else:
        detail_obj = exc.detail
        detail = "；".join(_flatten(detail_obj))
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        fields = dict(getattr(exc, "fields", {}) or {})
    response.data = {"code": code, "detail": detail, "fields": fields}
    return response


def _json_error(status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"code": code, "detail": detail, "fields": {}},
        status=status_code,
        json_dumps_params={"ensure_ascii": False},
    )


def handler404(request: HttpRequest, exception: Exception | None = None) -> Any:
    if request.path.startswith("/api/"):
        return _json_error(404, "not_found", _("未找到。"))
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> Any:
    if request.path.startswith("/api/"):
        return _json_error(500, "server_error", _("服务器内部错误，请稍后再试。"))
    from django.views.defaults import server_error

    return server_error(request)


def axes_lockout(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> Any:
    """What a locked-out login sees (django-axes): JSON for API clients, a Chinese page for people."""
    message = _("登录失败次数过多，账号已被暂时锁定，请30分钟后再试或联系管理员。")
    if request.path.startswith("/api/"):
        return _json_error(403, "locked_out", message)
    from django.shortcuts import render

    return render(request, "web/locked_out.html", {"message": message}, status=403)
