"""The OpenAPI schema documents the errors, not only the successes (contract.md: every error is
``{"code", "detail", "fields"}`` with 400/401/403/404/409/413/415/422/429 as fits).

A drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``) adds the
``Error`` component and, to every operation, the error answers it can give, read from the view
(its permissions and throttles) and from the operation itself (its body, parameters and method).
It runs after the operations are built, so it also covers views with their own schema class, and
never touches what an operation already documents.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.permissions import AllowAny
from rest_framework.throttling import ScopedRateThrottle

ERROR_COMPONENT = "Error"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}

#: POSTs that only read (a POST keeps a phone or ID number out of URLs and logs), only mark
#: something as seen or only store an upload: the state of nothing can refuse them (no 409).
NO_CONFLICT = frozenset(
    {
        "v1_auth_token_create",
        "v1_files_create",
        "v1_track_create",
        "v1_licenses_lookup_create",
        "v1_queue_bookings_lookup",
        "v1_notices_read_create",
        "v1_hotline_tickets_contact_create",
    }
)
#: Public operations that still answer 403: the login, once django-axes has locked the account.
FORBIDDEN_TOO = frozenset({"v1_auth_token_create"})

_UNSAFE = {"post", "put", "patch", "delete"}
#: Where a well-formed request can still break a rule of the business (``common.errors.Invalid``, 422):
#: the hall's queue checks categories, slots, windows, priorities and ID numbers against its own rows.
#: The citizens' sign-in and real-name binding check the code, the phone and the identity likewise.
UNPROCESSABLE_UNDER = ("/api/v1/queue/", "/api/v1/citizen/")
#: Where a query names a unit (region, point, department) that may not exist or lie outside the
#: caller's scope: the figures answer 404 for it (``stats.selectors``), like an object out of scope.
NOT_FOUND_UNDER = ("/api/v1/stats/",)


def error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": _(
            "所有错误答复的统一格式：code 供程序判断，detail 是给人看的一句话（默认简体中文，"
            "Accept-Language: en 时为英文），fields 按字段列出问题。"
        ),
        "properties": {
            "code": {
                "type": "string",
                "description": _(
                    "稳定的错误码，例如 invalid、parse_error、too_deep、not_authenticated、permission_denied、"
                    "not_found、trailing_slash、not_allowed、stale、idempotency_key_reused、too_large、"
                    "unsupported_media_type、throttled"
                ),
            },
            "detail": {"type": "string", "description": _("按请求语言写的一句话说明")},
            "fields": {
                "type": "object",
                "additionalProperties": {},
                "description": _(
                    "字段名（或查询参数名）→ 该字段的问题列表；嵌套对象的字段是同样结构的对象。没有字段问题时为空对象。"
                ),
            },
        },
        "required": ["code", "detail", "fields"],
    }


def _descriptions() -> dict[str, str]:
    return {
        "400": _("请求有误：请求体无法解析（如 JSON 格式错误、嵌套过深），或字段校验未通过（见 fields）。"),
        "401": _("未登录或令牌无效：请先取得令牌，以 Authorization: Bearer <令牌> 调用。"),
        "403": _("无权执行此操作。"),
        "404": _("未找到，或不在调用者的可见范围内。"),
        "409": _("当前状态不允许此操作，或与他人同时操作发生冲突；未作任何更改。"),
        "413": _("请求体过大。"),
        "415": _("不支持的 Content-Type（请用 application/json）。"),
        "422": _(
            "请求无法处理：内容违反业务规则（见 fields），或同一个 Idempotency-Key 已用于另一份不同的请求"
            "（idempotency_key_reused）。"
        ),
        "429": _("请求过于频繁，请稍后再试（Retry-After 头给出秒数）。"),
    }


def _views(generator: Any) -> dict[tuple[str, str], Any]:
    """(path, method) → the view instance drf-spectacular built the operation from."""
    views = {}
    for path, _regex, method, callback in generator.endpoints or []:
        view = generator.create_view(callback, method)
        views[(generator.coerce_path(path, method, view), method.lower())] = view
    return views


def _needs_login(view: Any) -> bool:
    permissions = view.get_permissions()
    return bool(permissions) and not all(isinstance(p, AllowAny) for p in permissions)


def _throttled(view: Any) -> bool:
    return any(
        not isinstance(t, ScopedRateThrottle) or getattr(view, "throttle_scope", None)
        for t in view.get_throttles()
    )


def error_codes(operation: dict[str, Any], method: str, view: Any, path: str = "") -> set[str]:
    """The error statuses ``operation`` (at ``path``) can answer."""
    parameters = operation.get("parameters", [])
    where = {p.get("in") for p in parameters}
    names = {p.get("name") for p in parameters}
    has_body = "requestBody" in operation
    codes: set[str] = set()
    if has_body or "query" in where:
        codes.add("400")
    if view is not None and _needs_login(view):
        codes |= {"401", "403"}
    if operation.get("operationId") in FORBIDDEN_TOO:
        codes.add("403")
    if "path" in where or "page" in names:  # an unknown or out-of-scope object; a page past the end
        codes.add("404")
    if method in _UNSAFE and operation.get("operationId") not in NO_CONFLICT:
        codes.add("409")
    if has_body:
        codes |= {"413", "415"}
    if "Idempotency-Key" in names:
        codes.add("422")
    if path.startswith(UNPROCESSABLE_UNDER) and (has_body or "query" in where):
        codes.add("422")
    if path.startswith(NOT_FOUND_UNDER):
        codes.add("404")
    if view is not None and _throttled(view):
        codes.add("429")
    return codes


def document_errors(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the ``Error`` component and each operation's errors."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = error_schema()
    descriptions = _descriptions()
    views = _views(generator)
    content = {"application/json": {"schema": ERROR_REF}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in error_codes(operation, method, views.get((path, method)), path):
                responses.setdefault(code, {"description": descriptions[code]})
            for code, response in responses.items():
                if str(code).startswith("4") and "content" not in response:
                    response["content"] = content
            operation["responses"] = dict(sorted(responses.items()))
    return result
