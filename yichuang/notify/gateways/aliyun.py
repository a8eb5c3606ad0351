"""Alibaba Cloud SMS (阿里云短信服务), API dysmsapi 2017-05-25 ``SendSms``, through the official SDK
``alibabacloud_dysmsapi20170525`` (V3 signature, ACS3-HMAC-SHA256).

The approved template's named variables get the JSON object ``TemplateParam``; ``OutId`` carries our
outbox id, and the ``BizId`` the platform answers with is what its delivery receipt (SmsReport)
names. The platform answers a refusal either as HTTP 200 with ``Code`` other than ``OK`` or as an
HTTP error the SDK raises; both end up as ``SmsDeliveryError`` with the platform's code.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from yichuang.notify.backends import Sms, SmsDeliveryError
from yichuang.notify.gateways import ProviderBackend, require_settings, split_endpoint
from yichuang.notify.mapping import ProviderTemplate

#: Codes worth another attempt later: frequency limits (per number per minute/hour), the platform's
#: own faults. Everything else (isv.SMS_TEMPLATE_ILLEGAL, isv.SMS_SIGNATURE_ILLEGAL,
#: isv.MOBILE_NUMBER_ILLEGAL, isv.AMOUNT_NOT_ENOUGH, InvalidAccessKeyId…) needs a person first.
RETRYABLE_CODES = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "isv.SYSTEM_ERROR"})
RETRYABLE_PREFIXES = ("Throttling", "ServiceUnavailable", "InternalError", "SignatureNonceUsed")


def retryable(code: str) -> bool:
    return code in RETRYABLE_CODES or code.startswith(RETRYABLE_PREFIXES)


class AliyunBackend(ProviderBackend):
    name = "aliyun"

    def __init__(self) -> None:
        require_settings("SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET", "SMS_ALIYUN_SIGN_NAME")
        try:
            from alibabacloud_dysmsapi20170525.client import Client
            from alibabacloud_tea_openapi.utils_models import Config
        except ImportError as exc:
            raise ImproperlyConfigured(
                "SMS_BACKEND=aliyun 需要阿里云短信 SDK：pip install 'yichuang[sms-aliyun]'"
            ) from exc
        scheme, host = split_endpoint("SMS_ALIYUN_ENDPOINT")
        timeout_ms = settings.SMS_TIMEOUT * 1000
        proxy = settings.SMS_PROXY or None
        self._client = Client(
            Config(
                access_key_id=settings.SMS_ALIYUN_ACCESS_KEY_ID,
                access_key_secret=settings.SMS_ALIYUN_ACCESS_KEY_SECRET,
                region_id=settings.SMS_ALIYUN_REGION,
                endpoint=host,
                protocol=scheme,
                connect_timeout=timeout_ms,
                read_timeout=timeout_ms,
                http_proxy=proxy,
                https_proxy=proxy,
            )
        )
        self._sign_name = settings.SMS_ALIYUN_SIGN_NAME

    def deliver(self, sms: Sms, template: ProviderTemplate) -> str:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ServerException
        from darabonba.runtime import RuntimeOptions

        request = SendSmsRequest(
            phone_numbers=sms.to,
            sign_name=self._sign_name,
            template_code=template.code,
            template_param=json.dumps(template.named(sms.params), ensure_ascii=False),
            out_id=sms.reference or None,
        )
        try:
            response = self._client.send_sms_with_options(request, RuntimeOptions(autoretry=False))
        except AlibabaCloudException as exc:
            code = str(exc.code or "HTTP")
            server_side = isinstance(exc, ServerException) or getattr(exc, "retry_after", None) is not None
            raise SmsDeliveryError(
                f"阿里云短信拒绝：{code} {_message(exc)}", code=code, retryable=server_side or retryable(code)
            ) from exc
        except Exception as exc:  # no answer: refused connection, timeout, TLS, proxy
            raise SmsDeliveryError(
                f"阿里云短信无法连接：{type(exc).__name__}: {exc}", code="NETWORK", retryable=True
            ) from exc
        body = response.body
        code = str(getattr(body, "code", "") or "")
        if code != "OK" or not getattr(body, "biz_id", None):
            raise SmsDeliveryError(
                f"阿里云短信拒绝：{code or '无返回码'} {getattr(body, 'message', '') or ''}".strip(),
                code=code or "NO_CODE",
                retryable=retryable(code),
            )
        return str(body.biz_id)


def _message(exc: Any) -> str:
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and (data.get("Message") or data.get("message")):
        return str(data.get("Message") or data.get("message"))
    return str(getattr(exc, "message", "") or "")
