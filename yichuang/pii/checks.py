"""Production refuses to start without the personal-data keys (style.md habit 5).

A key file made on the server's disk beside the database would protect nothing, so in production the
file (``YICHUANG_PII_KEY_FILE``, else ``YICHUANG_DATA_DIR/keys/pii-keys.json``) or a KMS backend must
be provided; the app servers (wsgi.py) and Celery workers check it as they start.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register("security", deploy=True)
def pii_keys_configured(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from yichuang.pii.keys import KeyError_, backend

    if not getattr(settings, "PRODUCTION", False):
        return []
    try:
        backend().load()
    except KeyError_ as exc:
        return [
            Error(
                f"个人信息加密密钥未正确配置：{exc}",
                hint="提供 YICHUANG_PII_KEY_FILE 所指的密钥文件（docs/operations.md“个人信息加密”），"
                "或以 YICHUANG_PII_KEY_BACKEND 指定密钥管理服务。",
                id="yichuang.pii.E001",
            )
        ]
    return []


def refuse_without_pii_keys() -> None:
    from django.core.exceptions import ImproperlyConfigured

    errors = pii_keys_configured()
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg}。{errors[0].hint}")
