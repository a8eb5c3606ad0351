"""Production refuses to start without a configured seal master key (style.md habit 5).

Without it the private keys of the seals could not be decrypted, or worse, a key generated on the
server's disk would encrypt them beside the database.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


# A deployment check (``yichuang check --deploy``), not one that every command runs: ``migrate``,
# ``collectstatic`` or ``createsuperuser`` sign nothing and may run where the key is not kept. The
# processes that sign refuse to start without it: the app servers (wsgi.py) and the Celery workers
# (yichuang.celery). A key that is set but malformed stops every command (settings).
@register("security", deploy=True)
def seal_master_key_configured(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from yichuang.documents.crypto import MasterKeyError, configured_master_key, master_key

    if not getattr(settings, "PRODUCTION", False) and not configured_master_key():
        return []
    try:
        master_key()
    except MasterKeyError as exc:
        return [
            Error(
                f"电子印章主密钥未正确配置：{exc}",
                hint="设置 SEAL_MASTER_KEY 或 SEAL_MASTER_KEY_FILE（32 位十六进制 SM4 密钥，"
                "如 python -c 'import secrets; print(secrets.token_hex(16))' 生成，妥善备份）。",
                id="yichuang.documents.E001",
            )
        ]
    return []


def refuse_without_seal_master_key() -> None:
    """Called by the WSGI entry point: an app server must not come up unable to sign."""
    from django.core.exceptions import ImproperlyConfigured

    errors = seal_master_key_configured()
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg}。{errors[0].hint}")
