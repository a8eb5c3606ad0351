"""How the API reads request bodies: DRF's parsers, answering in Chinese for every body they cannot read.

DRF's own parsers answer in English (``JSON parse error - Expecting value…``, ``Multipart form
parse error - …``) and let a body nested deeper than Python's JSON decoder can follow escape as a
``RecursionError``, a 500. These answer 400 ``parse_error`` (or ``too_deep``) in the request's
language, in the one error shape (``errors.exception_handler``). ``REST_FRAMEWORK
["DEFAULT_PARSER_CLASSES"]`` names them; a view that lists its own parsers takes them from here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.http import QueryDict
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

#: No request of this API nests deeper than a few levels (a case: body → materials → files). A
#: body nested deeper is refused at the door, so nothing after the parser (serializers, the
#: idempotency fingerprint, a JSON column) ever walks a structure near Python's recursion limit.
MAX_DEPTH = 32


def _encoding(parser_context: Mapping[str, Any]) -> str:
    """The request's charset, if it is a text encoding (DRF's check, in Chinese): a bytes-to-bytes
    codec such as ``bz2_codec`` would inflate a small body past the size limit."""
    encoding = str(parser_context.get("encoding") or settings.DEFAULT_CHARSET)
    try:
        "".encode(encoding)
    except (LookupError, UnicodeError):
        raise ParseError(
            _("不支持请求头 Content-Type 中的字符集“%(charset)s”，请使用 UTF-8。")
            % {"charset": encoding[:40]}
        ) from None
    return encoding


def too_deep() -> ParseError:
    return ParseError(
        _("JSON 嵌套层数过多（最多 %(limit)d 层），无法处理。") % {"limit": MAX_DEPTH}, code="too_deep"
    )


def deeper_than(data: Any, limit: int) -> bool:
    """Whether lists and objects in ``data`` nest more than ``limit`` levels (walked without recursion)."""
    if not isinstance(data, dict | list):
        return False
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _json_error(exc: json.JSONDecodeError) -> ParseError:
    where = {"line": exc.lineno, "column": exc.colno}
    if exc.msg.startswith("Invalid control character"):
        message = _(
            "JSON 字符串中有未转义的控制字符（如 NUL、换行），请按 JSON 规则转义（第 %(line)d 行第 %(column)d 列）。"
        )
    elif exc.msg.startswith("Unexpected UTF-8 BOM"):
        message = _("请求体以字节顺序标记（BOM）开头，请去掉后再发送（第 %(line)d 行第 %(column)d 列）。")
    else:
        message = _("请求体不是有效的 JSON（第 %(line)d 行第 %(column)d 列）。")
    return ParseError(message % where)


def parse_json(raw: bytes, *, encoding: str = "utf-8", strict: bool = True) -> Any:
    """``raw`` as JSON, or a ``ParseError`` in the request's language: not text in ``encoding``,
    not JSON, ``NaN``/``Infinity`` (not JSON either), or nested deeper than ``MAX_DEPTH``."""
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(
            _("请求体不是有效的 %(charset)s 文本（第 %(position)d 个字节无法解码）。")
            % {"charset": encoding.upper(), "position": exc.start + 1}
        ) from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant if strict else None)
    except RecursionError:
        raise too_deep() from None
    except json.JSONDecodeError as exc:
        raise _json_error(exc) from None
    except ValueError as exc:  # NaN, Infinity, -Infinity
        raise ParseError(_("JSON 中不能出现 %(constant)s，请改用数字或 null。") % {"constant": exc}) from None
    # Fewer brackets in the whole text than the limit (brackets inside strings count too, so this
    # only overestimates): no need to walk it. A case's body has a dozen.
    if text.count("[") + text.count("{") > MAX_DEPTH and deeper_than(data, MAX_DEPTH):
        raise too_deep()
    return data


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        encoding = _encoding(parser_context or {})
        # DRF hands a JSON parser the body it has already read (``request.body``, within
        # DATA_UPLOAD_MAX_MEMORY_SIZE): reading it whole costs nothing more.
        return parse_json(stream.read(), encoding=encoding, strict=self.strict)


class FormParser(parsers.FormParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        encoding = _encoding(parser_context or {})
        try:
            return QueryDict(stream.read(), encoding=encoding)
        except TooManyFieldsSent:
            raise _too_many_fields() from None


def _too_many_fields() -> ParseError:
    return ParseError(
        _("表单字段过多（最多 %(limit)s 个）。") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    )


class MultiPartParser(parsers.MultiPartParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        context = parser_context or {}
        request = context["request"]
        encoding = _encoding(context)
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        try:
            data, files = DjangoMultiPartParser(meta, stream, request.upload_handlers, encoding).parse()
        except MultiPartParserError as exc:
            if "header size" in str(exc):
                raise ParseError(
                    _("无法解析 multipart/form-data 请求体：某一部分的头部过长（例如文件名过长）。")
                ) from None
            raise ParseError(
                _("无法解析 multipart/form-data 请求体，请检查 Content-Type 中的 boundary 与各部分的格式。")
            ) from None
        except TooManyFieldsSent:
            raise _too_many_fields() from None
        except TooManyFilesSent:
            raise ParseError(
                _("一次上传的文件过多（最多 %(limit)s 个）。")
                % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
            ) from None
        return parsers.DataAndFiles(data, files)
