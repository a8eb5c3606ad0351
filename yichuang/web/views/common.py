"""What every page view shares: who the staff member is, and how a service's refusal reads."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.org.models import Role, Staff

#: Roles that take in applications at a point (综合受理), and the village agents who submit for villagers.
WINDOW_ROLES = {Role.WINDOW_CLERK, Role.BANK_CLERK, Role.CENTER_MANAGER}
INTAKE_ROLES = {*WINDOW_ROLES, Role.VILLAGE_AGENT}

View = Callable[..., HttpResponse]

#: Case, application, item and bundle numbers and codes: letters, digits, dots, dashes, underscores.
_KEY = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,59}$")


def key_or_404(value: str) -> str:
    """A number or code from a URL, or a 404 for anything that cannot be one (a NUL byte, say, which
    PostgreSQL would refuse with an error instead of finding nothing)."""
    if not _KEY.match(value):
        raise Http404(_("没有找到。"))
    return value


def clean_text(value: str) -> str:
    """Free text from a form without the NUL characters a database cannot store."""
    return value.replace("\x00", "").strip()


def clean_list(values: Iterable[str]) -> list[str]:
    return [text for text in (clean_text(v) for v in values) if text]


def staff_view(view: View) -> View:
    """Only for signed-in staff; everyone else goes to the login page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not isinstance(user, Staff) or not user.is_authenticated or not user.is_active:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def staff(request: HttpRequest) -> Staff:
    user = request.user
    assert isinstance(user, Staff)
    return user


@dataclass
class Problem:
    """A refusal by a service, as a page shows it: the status code, one sentence, and per-field messages."""

    status: int
    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [text for value in detail.values() for text in _flatten(value)]
    if isinstance(detail, list | tuple):
        return [text for value in detail for text in _flatten(value)]
    return [str(detail)]


def joined(messages: list[str]) -> str:
    """Sentences one after another: "请填写姓名。请填写电话。", not "请填写姓名。；请填写电话。"."""
    parts = [text.strip() for text in messages if text.strip()]
    return "".join(text if text.endswith(("。", "！", "？", "；")) else text + "；" for text in parts).rstrip(
        "；"
    )


def problem_from(exc: Exception) -> Problem:
    """A DRF or Django exception raised by a service (409 conflict, 422, 400 …) in words."""
    if isinstance(exc, DjangoValidationError):
        return Problem(400, joined(exc.messages))
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        fields: dict[str, list[str]] = {}
        if isinstance(detail, dict):
            fields = {str(key): _flatten(value) for key, value in detail.items()}
        extra = getattr(exc, "fields", None)
        if isinstance(extra, dict):
            fields.update({str(key): _flatten(value) for key, value in extra.items()})
        messages = _flatten(detail)
        if isinstance(exc, exceptions.ValidationError):
            message = joined(messages) or _("提交的内容有误，请检查。")
        else:
            message = joined(messages)
            extra_messages = [text for key, texts in fields.items() for text in texts if text not in message]
            if extra_messages and isinstance(extra, dict):
                message = f"{message}（{'；'.join(extra_messages)}）"
        return Problem(exc.status_code, message, fields)
    raise exc
