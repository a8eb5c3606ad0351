"""The SMS gateway is checked before it is used (style.md habit 5): a platform without its keys, its
SDK or a template mapping would otherwise fail one message at a time, long after the deployment.

``yichuang check --deploy --database default`` runs them all; ``migrate`` runs them too, and the
mapping check needs the database (the admin's rows), so it waits until the outbox tables exist.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from yichuang.notify.backends import ALIASES, backend_path

PROVIDERS = {ALIASES["aliyun"]: "aliyun", ALIASES["tencent"]: "tencent"}
HINT = "见 docs/sms.md。"


def configured_provider() -> str | None:
    """``aliyun`` or ``tencent`` when ``SMS_BACKEND`` names a platform, else None."""
    return PROVIDERS.get(backend_path())


@register("sms")
def sms_backend_configured(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from django.utils.module_loading import import_string

    from yichuang.notify.mapping import MappingError, parse_params, settings_entries

    path = backend_path()
    errors: list[CheckMessage] = []
    try:
        backend_class = import_string(path)
        backend_class()
    except Exception as exc:
        return [
            Error(
                f"短信通道 SMS_BACKEND={settings.SMS_BACKEND} 无法使用：{exc}",
                hint=HINT,
                id="yichuang.notify.E001",
            )
        ]
    provider = configured_provider()
    if provider is None:
        return errors
    try:
        for template, (_code, spec) in settings_entries(provider).items():
            try:
                parse_params(spec, provider=provider)
            except MappingError as exc:
                errors.append(
                    Error(
                        f"SMS_{provider.upper()}_TEMPLATES 中 {template} 的参数对照有误：{exc}",
                        hint=HINT,
                        id="yichuang.notify.E002",
                    )
                )
    except MappingError as exc:
        errors.append(Error(str(exc), hint=HINT, id="yichuang.notify.E002"))
    if not getattr(settings, "SMS_RECEIPT_TOKEN", ""):
        errors.append(
            Warning(
                "未设置 SMS_RECEIPT_TOKEN：短信平台推送的送达回执无处接收，发件箱看不到是否送达。",
                hint=HINT,
                id="yichuang.notify.W001",
            )
        )
    return errors


@register("sms", Tags.database)
def sms_templates_mapped(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from django.db import connection

    from yichuang.notify.mapping import MappingError, unmapped_templates

    provider = configured_provider()
    if provider is None or not databases:
        return []
    if "notify_smsprovidertemplate" not in connection.introspection.table_names():
        return []  # the first migrate: nobody could have mapped anything yet
    try:
        missing = unmapped_templates(provider)
    except MappingError:
        return []  # reported by sms_backend_configured
    if not missing:
        return []
    return [
        Error(
            f"以下短信模板没有对照{provider}平台的模板编号，发送时会失败：{'、'.join(missing)}",
            hint=f"在管理后台“短信平台模板”中逐条填写，或设置 SMS_{provider.upper()}_TEMPLATES；{HINT}",
            id="yichuang.notify.E003",
        )
    ]


@register("sms", deploy=True)
def sms_really_sent(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not getattr(settings, "PRODUCTION", False) or configured_provider() is not None:
        return []
    return [
        Warning(
            f"生产环境的短信通道是 SMS_BACKEND={settings.SMS_BACKEND}：短信只留在发件箱或打印出来，申请人收不到。",
            hint="签约阿里云或腾讯云短信后设置 SMS_BACKEND=aliyun 或 tencent；" + HINT,
            id="yichuang.notify.W002",
        )
    ]
