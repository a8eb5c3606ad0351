"""One error shape for every client: ``{"code", "detail", "fields"}`` (contract.md).

``detail`` is a sentence in the request's language (Chinese by default); ``code`` is stable and
machine-readable; ``fields`` maps a field (or query parameter) to its messages.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("当前状态不允许此操作。")
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy("请求无法处理。")
    default_code = "unprocessable"


class NotAllowed(Conflict):
    """409: the object's state (or a rule such as "extend once") does not allow the action."""

    default_code = "not_allowed"


class Invalid(Unprocessable):
    """422 with the fields at fault: the request is well-formed but its content breaks a rule."""

    default_code = "invalid"

    def __init__(
        self, detail: str, *, fields: Mapping[str, Any] | None = None, code: str = "invalid"
    ) -> None:
        super().__init__(detail=detail, code=code)
        self.fields = dict(fields or {})


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("请求体过大。")
    default_code = "too_large"


def _from_django_request(exc: Exception) -> exceptions.APIException | None:
    """Django's refusals of a request body (read by DRF as ``request.body`` before any parser runs),
    which Django itself would answer with an English HTML page."""
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge(
            _("请求体过大（表单或 JSON 不能超过 %(limit)s 字节），文件请用 /api/v1/files/ 上传。")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return exceptions.ParseError(_("表单字段或文件过多。"))
    return None


def _reworded(detail: Any) -> Any:
    """DRF's messages whose Chinese is missing or wrong, by their stable code: "Null characters
    are not allowed." reads "不允许是用空字符串。" in Django's zh-hans catalogue (it is about NUL, not
    about empty strings)."""
    if isinstance(detail, dict):
        return {key: _reworded(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_reworded(value) for value in detail]
    if getattr(detail, "code", None) == "null_characters_not_allowed":
        return ErrorDetail(_("不能包含空字符（\\0）。"), code="null_characters_not_allowed")
    return detail


def _no_data(detail: Any) -> Any:
    """A body of ``null``: DRF says "No data provided" (untranslated) as the only non-field error."""
    if isinstance(detail, dict) and list(detail) == [api_settings.NON_FIELD_ERRORS_KEY]:
        errors = detail[api_settings.NON_FIELD_ERRORS_KEY]
        if len(errors) == 1 and getattr(errors[0], "code", None) == "null":
            message = _("没有提交数据：请求体应为一个 JSON 对象，不能是 null。")
            return {api_settings.NON_FIELD_ERRORS_KEY: [ErrorDetail(message, code="null")]}
    return detail


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
    else:
        exc = _from_django_request(exc) or exc

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    if isinstance(exc, exceptions.ValidationError):
        exc.detail = _no_data(_reworded(exc.detail))
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


def json_error(status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"code": code, "detail": detail, "fields": {}},
        status=status_code,
        json_dumps_params={"ensure_ascii": False},
    )


def handler404(request: HttpRequest, exception: Exception | None = None) -> Any:
    if request.path.startswith("/api/"):
        return json_error(404, "not_found", _("未找到。"))
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def _database_unavailable() -> bool:
    """Whether the error being handled is the database being out of reach (Django calls handler500
    inside its ``except`` block, so the exception is still at hand)."""
    from django.db import InterfaceError, OperationalError

    return isinstance(sys.exc_info()[1], OperationalError | InterfaceError)


def handler500(request: HttpRequest) -> Any:
    if _database_unavailable():
        # Not a bug of ours and not for ever: 503 with Retry-After, so clients and the proxy retry.
        message = _("数据库暂时无法访问，请稍后再试。")
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = json_error(503, "service_unavailable", message)
        else:
            from django.template import loader

            response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    if request.path.startswith("/api/"):
        return json_error(500, "server_error", _("服务器内部错误，请稍后再试。"))
    from django.views.defaults import server_error

    return server_error(request)


def axes_lockout(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> Any:
    """What a locked-out login sees (django-axes): JSON for API clients, a Chinese page for people."""
    message = _("登录失败次数过多，账号已被暂时锁定，请30分钟后再试或联系管理员。")
    if request.path.startswith("/api/"):
        return json_error(403, "locked_out", message)
    from django.shortcuts import render

    return render(request, "web/locked_out.html", {"message": message}, status=403)
