"""``{% schedule_reminder_for user as reminder %}``: the yearly reminder, for admins only."""

from __future__ import annotations

from typing import Any

from django import template

from yichuang.workdays.selectors import schedule_reminder

register = template.Library()


@register.simple_tag
def schedule_reminder_for(user: Any) -> str | None:
    """The reminder (``selectors.schedule_reminder``) when ``user`` keeps the calendar: a superuser
    or an admin who may change calendar days."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not (user.is_superuser or user.has_perm("workdays.change_calendarday")):
        return None
    return schedule_reminder()
