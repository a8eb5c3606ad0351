"""Tencent Cloud SMS (腾讯云短信), API sms 2021-01-11 ``SendSms``, through the official SDK
``tencentcloud-sdk-python-sms`` (TC3-HMAC-SHA256 signature).

The approved template's numbered variables get the list ``TemplateParamSet`` in order;
``SessionContext`` carries our outbox id. The platform answers an error of the whole request as
``Response.Error`` (the SDK raises it) and the outcome per number in ``SendStatusSet``: ``Code``
``Ok`` and a ``SerialNo``, which its delivery receipt names as ``sid``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from yichuang.notify.backends import Sms, SmsDeliveryError
from yichuang.notify.gateways import ProviderBackend, require_settings, split_endpoint
from yichuang.notify.mapping import ProviderTemplate

#: Worth another attempt later: frequency limits, the platform's faults, no answer. Everything else
#: (FailedOperation.TemplateIncorrectOrUnapproved, …SignatureIncorrectOrUnapproved,
#: InvalidParameterValue.IncorrectPhoneNumber, AuthFailure.*, insufficient balance) needs a person.
RETRYABLE_PREFIXES = (
    "LimitExceeded",
    "RequestLimitExceeded",
    "InternalError",
    "ClientNetworkError",
    "ServerNetworkError",
)
COUNTRY_CODE = "+86"


def retryable(code: str) -> bool:
    return code.startswith(RETRYABLE_PREFIXES)


class TencentBackend(ProviderBackend):
    name = "tencent"

    def __init__(self) -> None:
        require_settings(
            "SMS_TENCENT_SECRET_ID",
            "SMS_TENCENT_SECRET_KEY",
            "SMS_TENCENT_SDK_APP_ID",
            "SMS_TENCENT_SIGN_NAME",
        )
        try:
            from tencentcloud.common import credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.sms.v20210111.sms_client import SmsClient
        except ImportError as exc:
            raise ImproperlyConfigured(
                "SMS_BACKEND=tencent 需要腾讯云短信 SDK：pip install 'yichuang[sms-tencent]'"
            ) from exc
        scheme, host = split_endpoint("SMS_TENCENT_ENDPOINT")
        http = HttpProfile(
            protocol=scheme,
            endpoint=host,
            reqTimeout=settings.SMS_TIMEOUT,
            proxy=settings.SMS_PROXY or None,
        )
        # No region breaker: it would send to a backup endpoint of its own choosing.
        profile = ClientProfile(httpProfile=http, disable_region_breaker=True)
        self._client = SmsClient(
            credential.Credential(settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY),
            settings.SMS_TENCENT_REGION,
            profile,
        )
        self._app_id = str(settings.SMS_TENCENT_SDK_APP_ID).strip()
        self._sign_name = settings.SMS_TENCENT_SIGN_NAME

    def deliver(self, sms: Sms, template: ProviderTemplate) -> str:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111.models import SendSmsRequest

        request = SendSmsRequest()
        request.PhoneNumberSet = [COUNTRY_CODE + sms.to]
        request.SmsSdkAppId = self._app_id
        request.SignName = self._sign_name
        request.TemplateId = template.code
        request.TemplateParamSet = template.positional(sms.params)
        request.SessionContext = sms.reference
        try:
            response = self._client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "")
            network = code in {"ClientNetworkError", "ServerNetworkError"}
            raise SmsDeliveryError(
                f"腾讯云短信{'无法连接' if network else '拒绝'}：{code} {exc.get_message() or ''}".strip(),
                code="NETWORK" if code == "ClientNetworkError" else code or "NO_CODE",
                retryable=retryable(code),
            ) from exc
        except Exception as exc:
            raise SmsDeliveryError(
                f"腾讯云短信无法连接：{type(exc).__name__}: {exc}", code="NETWORK", retryable=True
            ) from exc
        statuses = response.SendStatusSet or []
        status = statuses[0] if statuses else None
        code = str(getattr(status, "Code", "") or "")
        if status is None or code != "Ok" or not status.SerialNo:
            raise SmsDeliveryError(
                f"腾讯云短信拒绝：{code or '无返回码'} {getattr(status, 'Message', '') or ''}".strip(),
                code=code or "NO_CODE",
                retryable=retryable(code),
            )
        return str(status.SerialNo)
