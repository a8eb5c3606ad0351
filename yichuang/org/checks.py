"""Production refuses demo accounts (contract.md, style.md habit 5): app servers and workers do not
start while one is active (``demo_accounts_in_production``), and none can sign in or use a token
(``demo_sign_in_refused``, read by the authentication backend, the token endpoint and the login
form), should one appear while a server runs. ``yichuang disable_demo_accounts`` switches them off.

A demo account is a ``Staff`` with ``is_demo``: every account ``yichuang loaddemo`` or
``yichuang simulate`` makes (``yichuang.demo.loader.demo_usernames``) carries it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError


@register("security", deploy=False)
def demo_accounts_in_production(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    try:
        demo = active_demo_usernames()
    except DatabaseError:
        return []
    if not demo:
        return []
    return [
        Error(
            f"生产环境中存在 {len(demo)} 个启用的演示账号：" + "、".join(demo),
            hint="运行 yichuang disable_demo_accounts 停用这些账号（Staff.is_demo），"
            "或不要在生产数据库上运行 loaddemo。",
            id="yichuang.E001",
        )
    ]


def active_demo_usernames() -> list[str]:
    """Every active demo account, by name (all of them: an operator must see what to switch off)."""
    from yichuang.org.models import Staff

    return list(
        Staff.objects.filter(is_demo=True, is_active=True)
        .order_by("username")
        .values_list("username", flat=True)
    )


def demo_sign_in_refused(user: Any) -> bool:
    """Whether ``user`` is a demo account that production must not let in."""
    return bool(getattr(settings, "PRODUCTION", False) and getattr(user, "is_demo", False))


def demo_username_refused(username: str) -> bool:
    """Whether a sign-in as ``username`` must be refused before its password is even checked: the
    demo accounts and their password are published, so saying so tells nobody anything."""
    if not getattr(settings, "PRODUCTION", False):
        return False
    from yichuang.org.models import Staff

    return Staff.objects.filter(username=username, is_demo=True).exists()


def refuse_demo_accounts_in_production() -> None:
    """Called by the WSGI entry point: an app server must not come up with demo accounts."""
    from django.core.exceptions import ImproperlyConfigured

    errors = demo_accounts_in_production()
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg}。{errors[0].hint}")


def demo_accounts_disable() -> list[str]:
    """Switch every active demo account off and drop its API token; the names, for the record.
    Kept rather than deleted: cases and audit events may name them (a demo database turned into
    a real one keeps its history)."""
    from django.db import transaction
    from knox.models import AuthToken

    from yichuang.org.models import Staff

    with transaction.atomic():
        demo = Staff.objects.select_for_update().filter(is_demo=True, is_active=True)
        names = sorted(demo.values_list("username", flat=True))
        Staff.objects.filter(username__in=names).update(is_active=False)
        AuthToken.objects.filter(user__username__in=names).delete()
    return names
