"""Password rules of 等保 level 3 beside Django's own (``AUTH_PASSWORD_VALIDATORS``).

Django's validators refuse short, common and username-like passwords. What they let through and an
attacker tries first: digits only (``20261207``, a birthday, a phone number), a date however written
(``2026-12-07``, ``2026.12.7``), and one character class only. ``StaffPasswordValidator`` refuses
those, says why in Chinese, and tells what is asked in ``get_help_text``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: A date as people write it: 20261207, 2026-12-07, 2026/12/7, 2026.12.07, 07-12-2026, 1207 2026 …
_DATE_SHAPES = (
    re.compile(r"(?P<y>\d{4})[-./年 ]?(?P<m>\d{1,2})[-./月 ]?(?P<d>\d{1,2})日?"),
    re.compile(r"(?P<d>\d{1,2})[-./ ]?(?P<m>\d{1,2})[-./ ]?(?P<y>\d{4})"),
    re.compile(r"(?P<m>\d{1,2})[-./ ]?(?P<d>\d{1,2})[-./ ]?(?P<y>\d{4})"),
)
_CLASSES = (
    re.compile(r"[a-z]"),
    re.compile(r"[A-Z]"),
    re.compile(r"[0-9]"),
    re.compile(r"[^a-zA-Z0-9]"),
)


def _is_date(text: str) -> bool:
    """Whether ``text`` (all of it, separators aside) is a calendar date between 1900 and 2099."""
    for shape in _DATE_SHAPES:
        match = shape.fullmatch(text)
        if match is None:
            continue
        try:
            day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            continue
        if 1900 <= day.year <= 2099:
            return True
    return False


class StaffPasswordValidator:
    """Not all digits, not a date, not containing the username, at least ``min_classes`` of lower case,
    upper case, digits and other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        errors: list[ValidationError] = []
        bare = password.strip()
        if bare.isdigit():
            errors.append(ValidationError(_("密码不能全是数字。"), code="password_all_digits"))
        if _is_date(bare):
            errors.append(ValidationError(_("密码不能是日期（如生日、纪念日）。"), code="password_date"))
        username = str(getattr(user, "username", "") or "") if user is not None else ""
        if len(username) >= 3 and username.lower() in password.lower():
            errors.append(ValidationError(_("密码不能包含用户名。"), code="password_has_username"))
        classes = sum(1 for pattern in _CLASSES if pattern.search(password))
        if classes < self.min_classes:
            errors.append(
                ValidationError(
                    _("密码应至少包含小写字母、大写字母、数字、符号中的%(count)d类。")
                    % {"count": self.min_classes},
                    code="password_classes",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _(
            "密码不能全是数字、不能是日期、不能包含用户名，并应至少包含小写字母、大写字母、数字、符号中的%(count)d类。"
        ) % {"count": self.min_classes}


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, saying it in Chinese (Django's own Chinese catalogue lacks the message's plural form)."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要%(min_length)d个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要%(min_length)d个字符。") % {"min_length": self.min_length}


def history_count() -> int:
    """How many of a user's passwords a new one may not repeat (``PASSWORD_HISTORY_COUNT``, default 5)."""
    from django.conf import settings

    return max(int(getattr(settings, "PASSWORD_HISTORY_COUNT", 5)), 0)


class PasswordHistoryValidator:
    """Not one of the user's last ``PASSWORD_HISTORY_COUNT`` passwords (the current one included).

    Only Django's hashes are kept (``org.PasswordHistory``), checked with ``check_password``: each check
    costs one hashing of the production hasher, so a change costs at most that many. The count is read
    when validating (not from ``OPTIONS``), so a changed setting counts without a restart. A new user
    (no primary key yet) has no history. ``password_changed`` — Django calls it after a save that set a
    password, however it was set — writes the new hash and forgets those beyond the count."""

    def validate(self, password: str, user: Any = None) -> None:
        count = history_count()
        if user is None or getattr(user, "pk", None) is None or count == 0:
            return
        from django.contrib.auth.hashers import check_password

        from yichuang.org.models import PasswordHistory, Staff

        current = Staff.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[:count]
        )
        if current and current not in hashes:
            hashes = [current, *hashes[: count - 1]]
        if any(check_password(password, encoded) for encoded in hashes if encoded):
            raise ValidationError(
                _("新密码不能与最近%(count)d次使用过的密码相同。") % {"count": count},
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        count = history_count()
        if user is None or getattr(user, "pk", None) is None or count == 0 or not user.has_usable_password():
            return
        from django.contrib.auth.hashers import is_password_usable

        from yichuang.org.models import PasswordHistory

        before = getattr(user, "_password_before", "") or ""
        newest = PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True).first()
        if before and before != newest and before != user.password and is_password_usable(before):
            PasswordHistory.objects.create(user_id=user.pk, password=before)
        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = list(PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[:count])
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=keep).delete()

    def get_help_text(self) -> str:
        return _("新密码不能与最近%(count)d次使用过的密码相同。") % {"count": history_count()}
