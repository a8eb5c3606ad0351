"""Background work of 好差评 (style.md habit 9: thin and idempotent)."""

from __future__ import annotations

from celery import shared_task

from yichuang.ratings.services import send_rating_invitations


@shared_task(ignore_result=True)
def invite_unrated_cases() -> int:
    """Beat: SMS invitations for cases completed 3 days ago and still unrated."""
    return send_rating_invitations()
