"""Staff API tokens (contract.md: ``POST /api/v1/auth/token/`` → ``{"token"}``, then ``Bearer``).

django-rest-knox keeps each token as its SHA-512 digest (and the first 15 of its 64 characters, to
find it): someone who reads the database cannot act as anyone (issue 15, where DRF's authtoken kept
the key itself). Each sign-in — each device or integration — gets a token of its own, alive for
``AUTH_TOKEN_HOURS``; signing out revokes that one, a password change (or deactivation) all of the
user's. ``AUTH_TOKEN_LIMIT`` tokens per user at most: a further sign-in retires the oldest.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from knox.models import AuthToken

from yichuang.common.memo import marker_bump


def token_issue(*, user: Any) -> tuple[AuthToken, str]:
    """A new token for ``user``: the row (digest only) and the token itself, shown this once."""
    limit = int(getattr(settings, "AUTH_TOKEN_LIMIT", 10))
    with transaction.atomic():
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        if limit > 0:
            keep = list(
                AuthToken.objects.filter(user=user)
                .order_by("-created")
                .values_list("digest", flat=True)[: limit - 1]
            )
            AuthToken.objects.filter(user=user).exclude(digest__in=keep).delete()
        row, token = AuthToken.objects.create(
            user=user, expiry=dt.timedelta(hours=int(getattr(settings, "AUTH_TOKEN_HOURS", 12)))
        )
    return row, token


def token_revoke(*, token: AuthToken) -> None:
    """Sign one device out: its token stops working at once, in every process within a second."""
    AuthToken.objects.filter(digest=token.digest).delete()
    marker_bump("auth")


def tokens_revoke_all(*, user: Any) -> int:
    """Every token of ``user`` (a password change, a deactivation, "sign out everywhere")."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    marker_bump("auth")
    return int(deleted)


@receiver(post_save, dispatch_uid="staff_tokens_revoked_on_password_change")
def _password_changed(
    sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    """``set_password`` leaves the new raw password on ``_password`` until the save finishes: a save
    that carries one is a password change, whoever made it (the password page, the admin,
    ``changepassword``, a one-time password from the onboarding import). Deactivated likewise."""
    from django.contrib.auth import get_user_model

    if raw or created or sender is not get_user_model():
        return
    if getattr(instance, "_password", None) is not None or not instance.is_active:
        tokens_revoke_all(user=instance)
