"""The SMS platforms: Alibaba Cloud SMS (``aliyun``) and Tencent Cloud SMS (``tencent``), each through its
official SDK, installed with the extras ``yichuang[sms-aliyun]`` / ``yichuang[sms-tencent]``.

What the two share lives here: our template mapped to the platform's (``yichuang.notify.mapping``),
the endpoint setting read the same way, and one rule for errors: a platform's refusal that cannot
change by waiting (unknown template, unapproved 签名, invalid number, no balance) fails the message
at once with the platform's code and message; throttling, the platform's own faults and the network
are retried by the outbox with its backoff. The SDKs' own retries stay off, so one attempt on our
side is one request on theirs.
"""

from __future__ import annotations

from abc import abstractmethod

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from yichuang.notify.backends import Sms, SmsBackend, SmsDeliveryError
from yichuang.notify.mapping import MappingError, ProviderTemplate, TemplateNotMapped, provider_template


def split_endpoint(setting: str) -> tuple[str, str]:
    """``host[:port]`` or ``http(s)://host[:port]`` → (scheme, host[:port]); https unless told."""
    value = str(getattr(settings, setting, "") or "").strip().rstrip("/")
    scheme, sep, host = value.partition("://")
    if not sep:
        scheme, host = "https", value
    scheme = scheme.lower()
    if scheme not in {"http", "https"} or not host or "/" in host or " " in host:
        raise ImproperlyConfigured(f"{setting} 应为主机名（可带 :端口），或 https://主机名，现为 {value!r}")
    return scheme, host


def require_settings(*names: str) -> None:
    missing = [name for name in names if not str(getattr(settings, name, "") or "").strip()]
    if missing:
        raise ImproperlyConfigured(
            f"SMS_BACKEND={settings.SMS_BACKEND} 需要设置 {'、'.join(missing)}（见 docs/sms.md）"
        )


class ProviderBackend(SmsBackend):
    """A platform that sends its approved templates: finds ours in the mapping, then ``deliver``s."""

    def send(self, sms: Sms) -> str:
        try:
            template = provider_template(provider=self.name, template=sms.template)
        except TemplateNotMapped as exc:
            raise SmsDeliveryError(
                f"{exc}：请在管理后台“短信平台模板”中填写，或设置 SMS_{self.name.upper()}_TEMPLATES（docs/sms.md）。",
                code="TEMPLATE_NOT_MAPPED",
                retryable=False,
            ) from exc
        except MappingError as exc:
            raise SmsDeliveryError(
                f"短信模板 {sms.template} 的平台模板对照有误：{exc}",
                code="TEMPLATE_MAPPING_INVALID",
                retryable=False,
            ) from exc
        return self.deliver(sms, template)

    @abstractmethod
    def deliver(self, sms: Sms, template: ProviderTemplate) -> str:
        """One request to the platform; its message id, or ``SmsDeliveryError``."""
