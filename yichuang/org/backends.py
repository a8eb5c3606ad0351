"""Django's password backend, minus the demo accounts in production (yichuang.org.checks).

``user_can_authenticate`` is what both ``authenticate()`` (every sign-in: the login page, the admin,
the token endpoint) and the session's user lookup ask, so a demo account can neither sign in nor go
on using a session it had."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from yichuang.org.checks import demo_sign_in_refused


class StaffBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not demo_sign_in_refused(user)
