"""Production refuses to start with demo accounts (contract.md, style.md habit 5)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError


@register("security", deploy=False)
def demo_accounts_in_production(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    from yichuang.org.models import Staff

    try:
        demo = list(
            Staff.objects.filter(is_demo=True, is_active=True).values_list("username", flat=True)[:10]
        )
    except DatabaseError:
        return []
    if not demo:
        return []
    return [
        Error(
            "生产环境中存在启用的演示账号：" + "、".join(demo),
            hint="停用或删除这些账号 (Staff.is_demo)，或不要在生产数据库上运行 loaddemo。",
            id="yichuang.E001",
        )
    ]


def refuse_demo_accounts_in_production() -> None:
    """Called by the WSGI entry point: an app server must not come up with demo accounts."""
    from django.core.exceptions import ImproperlyConfigured

    errors = demo_accounts_in_production()
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg}。{errors[0].hint}")
